"""FMMF study (Rao, Wu, Xu & Chen, "Unsupervised image fusion method based on feature mutual mapping",
../shared/papers/003_c3d5f9f507403807.txt): data roles and substitutes, the typed config with its presets,
the run spec and the training plan (the seven trainings Tables 1 and 4-7 imply, plus a second training of
the main model for the spread). Network and loss: :mod:`fusionkit.nets.fmmf`, :mod:`fusionkit.nets.vifnet`,
:func:`fusionkit.losses.var_ssim_loss`; every reading of the paper's text: docs/studies/fmmf.md.

Substitutes: KAIST (40,000 training pairs) is not obtainable (manifest: ``kaist``): we train on FLIR-Train +
the RoadScene *train* split (317 pairs, never a test set), random crops and flips; the same model fuses the
multi-focus and medical test sets without retraining, as in the paper.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

import pandas as pd
import torch

from ..data.crops import RandomCropPairs, count_pairs
from ..report import Section, Table
from ..runs import LazyDataset, RunSpec, summary, train
from .config import StudyConfig, substitutes

TRAIN_SETS: tuple[tuple[str, str], ...] = (("didfuse-flir-train", "train"), ("roadscene", "train"))
#: Test sets by task: Table 1 (ir-vis), Table 2 (multi-focus, IFCNN's Lytro set), Table 3 (medical, IFCNN's CT/MR)
TEST_SETS = {"ir-vis": ("didfuse-tno", "test"), "multi-focus": ("ifcnn-lytro", None), "medical": ("ifcnn-medical", None)}
#: Manifest entries whose checksums go into every FMMF report (and that `reproduce` fetches).
DATASETS = ("didfuse-flir-train", "roadscene", "didfuse-tno", "ifcnn-lytro", "ifcnn-medical", "ifcnn-max",
            "ifcnn-mean", "ifcnn-sum")
SUBSTITUTES = substitutes("fmmf")  # fusionkit/studies/substitutes/fmmf.csv
#: The trainings (zoo names) and what each is in the paper's tables (issue 26's ablation chain).
VARIANTS = {
    "vifnet": dict(net="vifnet", fusion="concat", criterion="mean"),        # Table 4 VIF-Net
    "concat-mean": dict(net="fmmf", fusion="concat", criterion="mean"),     # Table 4 Ours-Net = Table 5 Ours(Mean)
    "concat": dict(net="fmmf", fusion="concat", criterion="var"),           # Table 5 Ours(Var) = Table 6 Concat
    "add": dict(net="fmmf", fusion="add", criterion="var"),                 # Table 6 Add
    "mapping": dict(net="fmmf", fusion="mapping", criterion="var"),         # Table 6 Mapping = Table 7 3 = Table 1
    "depth4": dict(net="fmmf", fusion="mapping", criterion="var", depth=4),  # Table 7 4-layers
    "depth5": dict(net="fmmf", fusion="mapping", criterion="var", depth=5),  # Table 7 5-layers
}
MAIN = "mapping"
#: Table 1's ten pairs. The paper takes "10 pairs of images in [22]" (DenseFuse's 21 TNO pairs), which are not
#: here (DenseFuse's IV_images.zip is not in any mirror we can read), so nothing tells which ten: we take the
#: first ten didfuse-tno pairs, and report all 40 beside them (docs/studies/fmmf.md).
TABLE1_PAIRS = tuple(f"{i}" for i in range(1, 11))
PAPER_ROWS = {"vifnet": "VIF-Net", "concat-mean": "Ours-Net", "concat": "Concat", "add": "Add", "mapping": "Mapping",
              "depth4": "4-layers", "depth5": "5-layers"}


@dataclass(frozen=True)
class Config(StudyConfig):
    """Defaults = the paper (§4.1): 256x256 training images, Adam lr 1e-4 constant, 4 epochs of 40,000 KAIST
    pairs = 160,000 samples; the batch is not given: we take 8. On our 317 pairs, 160,000 samples are 505
    epochs (one random crop of each pair per epoch)."""

    epochs: int = 505
    batch_size: int = 8
    crop: int = 256
    lr: float = 1e-4
    lr_step: int | None = None
    max_steps_per_epoch: int | None = None
    train_limit: int | None = None  # pairs per training set (None: all)
    flips: bool = True
    variants: tuple[str, ...] = tuple(VARIANTS)
    spread_runs: int = 2  # trainings of the main model (seeds seed, seed+1, ...): the spread of Tables 4-7
    test_limit: int | None = None  # pairs per test set (None: all)
    baselines: tuple[str, ...] = ("rp", "dwt", "dtcwt", "msvd", "gtf", "cbf", "mgff", "ifcnn-max", "ifcnn-mean",
                                  "ifcnn-sum", "didfuse", "jcae", "aenetv2")  # each table runs those it lists
    convention: str = "fmmf"  # metric convention of Tables 1-7: the paper's (docs/studies/fmmf.md#metric-conventions)
    figure_pairs: int = 1  # fused images kept per test set for the figures
    test_crop: int | None = None  # centre crop of every test image (None: whole images; smoke: small inputs)
    PRESETS: ClassVar = {
        "smoke": dict(epochs=1, batch_size=2, crop=32, max_steps_per_epoch=2, train_limit=2, test_limit=2,
                      baselines=("dwt", "ifcnn-max"), test_crop=96),
        # quick (docs/studies/fmmf.md#presets): 128x128 crops, batch 8, 40 epochs (~1560 steps), lr 1e-3 /10 after 30:
        # 0.53 s a step (mapping, bf16, eager) on 2 cores, ~14 min a training; provisional until the trainings show
        # their plateau
        "quick": dict(epochs=40, batch_size=8, crop=128, lr=1e-3, lr_step=30),
    }


config = Config.preset
PRESETS = Config.PRESETS


@dataclass(frozen=True)
class FMMFRun(RunSpec):
    """One FMMF (or VIF-Net) training: network ``net`` with ``fusion`` and ``depth``, Var-SSIM with
    ``criterion`` ('var': FMMF's eq. 4; 'mean': VIF-Net's) on random ``crop`` crops (and flips)."""

    study = "fmmf"
    net_name: str = "fmmf"
    fusion: str = "mapping"
    depth: int = 3
    criterion: str = "var"
    epochs: int = 505
    lr: float = 1e-4
    crop: int = 256
    flips: bool = True
    train_limit: int | None = None

    def __post_init__(self):
        if self.net_name not in ("fmmf", "vifnet"):
            raise ValueError(f"FMMFRun: net_name={self.net_name!r}, expected 'fmmf' or 'vifnet'")

    def label(self) -> str:
        name = "vifnet" if self.net_name == "vifnet" else f"{self.fusion}-d{self.depth}"
        return f"{name}-{self.criterion}-seed{self.seed}"

    def net(self) -> tuple[str, dict[str, Any]]:
        if self.net_name == "vifnet":
            return "vifnet", {}
        return "fmmf", {"fusion": self.fusion, "depth": self.depth}

    def loss(self):
        from ..losses import fmmf_training_loss

        return fmmf_training_loss(self.criterion)

    def train_options(self) -> dict[str, Any]:
        """Eager: on 2 cores (AMD EPYC, bf16) a compiled step was slower, 0.67 s against 0.53 s (mapping, 128x128,
        batch 8; docs/studies/fmmf.md#presets)."""
        return {"compile": False}

    def dataset(self):
        return LazyDataset(lambda: RandomCropPairs(TRAIN_SETS, self.crop, self.train_limit, self.seed,
                                                   flips=self.flips), count_pairs(TRAIN_SETS, self.train_limit))


def run_spec(cfg: Config, variant: str = MAIN, i: int = 0) -> FMMFRun:
    """Training ``i`` (seed ``cfg.seed + i``) of ``variant`` (a key of :data:`VARIANTS`) under ``cfg``."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown FMMF variant {variant!r}; valid: {', '.join(VARIANTS)}")
    v = VARIANTS[variant]
    return FMMFRun.from_config(cfg, net_name=v["net"], fusion=v["fusion"], criterion=v["criterion"],
                               depth=v.get("depth", 3), seed=cfg.seed + i)


#: Groups of `fusionkit train --select`: the main model first, the ablations, then the spread trainings.
PLAN_GROUPS = ("main", "ablations", "spread")


def training_plan(cfg: Config, select: Sequence[str] | None = None) -> dict[str, FMMFRun]:
    """Every training the notebooks use, by zoo name: 'mapping' (the main model: Tables 1-3, 6, 7), the
    other variants of ``cfg.variants`` (Tables 4-7), then 'mapping-<i>' (further seeds of the main model)."""
    select = select or PLAN_GROUPS
    plan = {MAIN: run_spec(cfg)} if "main" in select else {}
    if "ablations" in select:
        plan |= {v: run_spec(cfg, v) for v in cfg.variants if v != MAIN}
    if "spread" in select:
        plan |= {f"{MAIN}-{i}": run_spec(cfg, MAIN, i) for i in range(1, cfg.spread_runs)}
    return plan


def training_note(cfg: Config) -> str:
    """How the models behind a table were trained, against the paper's setting."""
    spec = run_spec(cfg)
    return (f"Trained here ({cfg.profile} profile): random {cfg.crop}x{cfg.crop} crops"
            f"{' and flips' if cfg.flips else ''} of FLIR-Train + RoadScene train "
            f"({count_pairs(TRAIN_SETS, cfg.train_limit)} pairs), {spec.schedule(count_pairs(TRAIN_SETS, cfg.train_limit))}; "
            f"paper: 40,000 KAIST pairs at 256x256, 4 epochs, Adam 1e-4 constant.")


def trainings(cfg: Config) -> Section:
    """Every training of the plan: its summary (the last-third loss drop shows the plateau) and the loss
    curves, one line per variant."""
    from .. import viz

    runs = {name: train(cfg, spec) for name, spec in training_plan(cfg).items()}
    from ..train import drop_since

    s = summary(runs).assign(**{"paper row": [PAPER_ROWS.get(n, PAPER_ROWS[MAIN] + " (another seed)") for n in runs]})
    after = ""
    if cfg.lr_step:  # the learning-rate step falls in the last third: the plateau is what follows it
        s[f"drop after epoch {cfg.lr_step + 1} %"] = [drop_since(r.history, cfg.lr_step + 1) for r in runs.values()]
        after = (f" After the learning-rate step (epoch {cfg.lr_step}), from the mean of epochs {cfg.lr_step + 2}-"
                 f"{cfg.lr_step + 4} to that of the last three, it fell by at most "
                 f"{s[f'drop after epoch {cfg.lr_step + 1} %'].max():.1f} %.")
    curves = pd.DataFrame([{"run": n, "epoch": h["epoch"], "Var-SSIM loss": h["total"]}
                           for n, r in runs.items() for h in r.history])
    drop = s["last-third drop %"].max()
    return Section("FMMF trainings", {
        "data_substitutes": Table(SUBSTITUTES, "FMMF data: the paper's and ours", False),
        "training_runs": Table(s, "FMMF trainings. " + training_note(cfg), False),
        "loss_curves": Table(curves, "Loss (eq. 5, or VIF-Net's mean criterion) per epoch and training", False)},
        {"loss_curves": viz.loss_curves({n: r.history for n, r in runs.items()},
                                        title=f"FMMF trainings: loss per epoch ({cfg.profile} profile)")},
        f"{len(runs)} trainings; the loss still fell by at most {drop:.1f} % over the last third of the epochs."
        + after + precision_note(s),
        data={"runs": runs}, show=("training_runs",))


def precision_note(s: pd.DataFrame) -> str:
    """A warning when the trainings of a summary ran in different precisions (e.g. bf16 autocast on a CPU that
    has it, fp32 on one that does not): Tables 4-7 and the seed spread then mix precision with the variant."""
    by = s.groupby("precision", dropna=False)["run"].apply(list)
    if len(by) < 2:
        return ""
    return (" Precisions differ: " + "; ".join(f"{p}: {', '.join(r)}" for p, r in by.items())
            + " (the CPU of each training; a comparison across them mixes precision with the variant).")


def fuser_of(model: torch.nn.Module, cfg: Config):
    """An evaluation fuser for an FMMF / VIF-Net network in memory."""
    from .. import evaluation as E
    from ..methods.trained import FMMFTrained

    return E.method_fuser(FMMFTrained.from_model(model, device=cfg.device))


# Tables 1-3 (notebook 41) live in .fmmf_comparison
from .fmmf_comparison import (fig3_fig5, fig6_fig8, fig_maps, fig_sources, metric_conventions, table1,  # noqa: E402, F401
                              table2, table3)
# Tables 4-7 (notebook 40) live in .fmmf_ablations
from .fmmf_ablations import ablation_scores, ablation_table, score_variants, tables4_to_7  # noqa: E402, F401
from .fmmf_claims import CLAIMS, LEDGER  # noqa: E402, F401  (the claims ledger: report.ledger(fmmf))
