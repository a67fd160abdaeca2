"""ALAN study (Fang, Zhao & Zhang, "A cross-modal image fusion theory guided by human visual
characteristics", ../shared/papers/000_16b15fdaa67320e9.txt): data roles and substitutes, the typed config
with its presets, the run specs of the three tasks and the training plan behind Figs 9-11. Networks:
:mod:`fusionkit.nets.alan`; loss: :func:`fusionkit.losses.alan_loss`; data of the sub-tasks:
:mod:`fusionkit.data.synthetic`; every reading of the text: docs/studies/alan.md.

Figs 7-11 (notebooks 50 and 51): :mod:`.alan_comparison`; the claims ledger: :mod:`.alan_claims`.

Substitutes: the CVS data (4,000 pairs) is private and the 2,999 unnamed ir-vis pairs are not identified
(manifest ``cvs``): the main task trains on FLIR-Train + the RoadScene train split (never a test set). COCO
(reconstruction) is not obtainable (``coco-2014``) and Lytro (the paper's multi-focus training set) is our
multi-focus test set: both sub-tasks train on the visible images of the same train-only pairs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

import pandas as pd

from ..report import Section, Table
from ..runs import LazyDataset, RunSpec, train_cached
from .config import StudyConfig, substitutes

TRAIN_SETS: tuple[tuple[str, str], ...] = (("didfuse-flir-train", "train"), ("roadscene", "train"))
#: Test sets of Figs 7-11: TNO (ir-vis) and the 20 Lytro pairs (multi-focus)
TEST_SETS = {"ir-vis": ("didfuse-tno", "test"), "multi-focus": ("ifcnn-lytro", None)}
DATASETS = ("didfuse-flir-train", "roadscene", "didfuse-tno", "ifcnn-lytro", "ifcnn-max")  # + the released IFCNN
TASKS = ("recon", "focus", "main")
#: Fig. 11's five networks and the ablations, by zoo name: (task, lateral columns, network options)
VARIANTS: dict[str, tuple[str, tuple[str, ...], dict[str, Any]]] = {
    "recon": ("recon", (), {}),                        # sub-task 1 (a column of the others)
    "focus": ("focus", (), {}),                        # sub-task 2 = Fig. 11 column 3 (multi-focus alone)
    "single": ("main", (), {}),                        # Fig. 11 column 1: the single unsupervised task
    "single-recon": ("main", ("recon",), {}),          # Fig. 11 column 2: + reconstruction
    "focus-recon": ("focus", ("recon",), {}),          # Fig. 11 column 4: multi-focus + reconstruction
    "full": ("main", ("recon", "focus"), {}),          # Fig. 11 column 5: ALAN, the full auxiliary network
    "no-attention": ("main", ("recon", "focus"), {"attention": False}),  # §4.1's channel-attention ablation
}
MAIN = "full"
#: Feature extractors of the content loss (eq. 3): the frozen reconstruction encoder (our substitute), VGG19
#: from a path (the paper's, at :data:`VGG_LAYERS`), or none (the term is dropped).
CONTENT = ("recon", "vgg19", "none")
#: VGG19 layers of the content loss: the paper names none; Johnson et al. [15] take one mid-level ReLU for content
#: (relu3_3 of VGG16); relu2_2 keeps the 80x64 patches at 40x32 and the CPU cost low (docs/studies/alan.md).
VGG_LAYERS = ("relu2_2",)


@dataclass(frozen=True)
class Config(StudyConfig):
    """Defaults = the paper where it says (§3.4): 80x64 grey patches of the main and multi-focus tasks,
    20,000 samples per task, 256x256 reconstruction images. It gives no optimiser, learning rate, batch or
    epoch count: Adam 1e-3, batch 32 and 10 passes over the 20,000 samples are ours (docs/studies/alan.md)."""

    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-3
    lr_step: int | None = None
    max_steps_per_epoch: int | None = None
    samples: int = 20000  # samples per epoch of each task (crops drawn afresh from the training images)
    patch: tuple[int, int] = (64, 80)  # (h, w): the paper's "80x64"
    recon_size: int = 256
    train_limit: int | None = None  # pairs per training set (None: all)
    depth: int = 4
    width: int = 32
    growth: int = 16  # reconstruction network's dense growth
    weights: str = "sigmoid"
    fuse_at: str = "image"
    content: str = "recon"  # the content loss's features: 'recon' (frozen reconstruction encoder), 'vgg19', 'none'
    psnr: str = "joint"  # L_PSNR against the two sources: 'joint' (PSNR of the mean MSE) or 'mean' (degenerate)
    vgg19: str | None = None  # with content='vgg19': torchvision's ImageNet VGG19 state dict (vgg19-dcbb9e9d.pth)
    spread_runs: int = 2  # trainings of 'single' and 'full' (seeds seed, seed+1): the spread of Fig. 11
    test_limit: int | None = None  # pairs per test set (None: all)
    test_crop: int | None = None  # centre crop of every test image (None: whole images; smoke: small inputs)
    baselines: tuple[str, ...] = ("lp", "dtcwt", "cbf", "gtf", "vsmwls", "rp", "dwt", "msvd", "ifcnn-max", "didfuse",
                                  "jcae", "aenetv2", "fmmf")  # Figs 7-9's other methods (registry names)
    figure_pairs: int = 1  # pairs of each test set shown in Figs 7, 8, 10 and 11
    convention: str = "standard"  # metric convention of Figs 9-11 (the paper names no evaluation code)

    def __post_init__(self):
        if self.content not in CONTENT:
            raise ValueError(f"ALAN config: content={self.content!r}, expected one of {', '.join(CONTENT)}")
        if self.psnr not in ("joint", "mean"):
            raise ValueError(f"ALAN config: psnr={self.psnr!r}, expected 'joint' or 'mean'")
        if (self.content == "vgg19") != (self.vgg19 is not None):
            raise ValueError("ALAN config: content='vgg19' needs vgg19=PATH (torchvision's VGG19 state dict) and "
                             f"vgg19=PATH needs content='vgg19'; got content={self.content!r}, vgg19={self.vgg19!r}")

    PRESETS: ClassVar = {
        "smoke": dict(epochs=1, batch_size=2, samples=4, patch=(32, 40), recon_size=32, max_steps_per_epoch=2,
                      train_limit=2, depth=3, width=8, growth=4, spread_runs=1, test_limit=2, test_crop=96,
                      baselines=("dwt", "cbf", "gtf", "rp", "ifcnn-max")),
        # quick (docs/studies/alan.md): width 16 (32 took 1.25 s a step), 96x96 reconstruction crops, batch 16,
        # 12 epochs of 1600 samples (1200 steps), lr 1e-3 /10 after 9. Per step on 2 Zen 2 cores (fp32): recon
        # 0.21 s, focus 0.48 s, single 0.42 s, full 0.61 s, so 4-12 min a training. Provisional until the
        # trainings show their plateau.
        "quick": dict(epochs=12, batch_size=16, samples=1600, recon_size=96, width=16, growth=8, lr_step=9),
    }


config = Config.preset
PRESETS = Config.PRESETS


@dataclass(frozen=True)
class AlanRun(RunSpec):
    """One ALAN training: ``task`` 'recon' (the reconstruction network, supervised), 'focus' (the main
    skeleton on synthetic multi-focus pairs, supervised) or 'main' (unsupervised, both sources), with the
    frozen sub-task runs ``column_specs`` (their run records: task, seed, ...) as lateral columns."""

    study = "alan"
    task: str = "main"
    epochs: int = 10
    lr: float = 1e-3
    samples: int = 20000
    patch: tuple[int, int] = (64, 80)
    recon_size: int = 256
    train_limit: int | None = None
    depth: int = 4
    width: int = 32
    growth: int = 16
    weights: str = "sigmoid"
    fuse_at: str = "image"
    attention: bool = True
    content: str = "recon"
    vgg19: str | None = None  # the VGG19 file of content='vgg19' (enters the key only when set)
    psnr: str = "joint"  # how L_PSNR takes the two sources (main task only; losses.alan_loss)
    columns: tuple[str, ...] = ()  # the sub-task variants feeding laterals ('recon', 'focus')
    column_keys: tuple[str, ...] = ()  # their run keys: a retrained sub-task changes this run's key
    content_key: str | None = None  # the reconstruction run whose encoder gives the content features
    root_seed: int = 0  # the seed of the sub-task runs this one uses

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"AlanRun: task={self.task!r}, expected one of {', '.join(TASKS)}")
        if self.task == "recon" and self.columns:
            raise ValueError("AlanRun: the reconstruction task takes no lateral columns")

    def as_dict(self) -> dict[str, Any]:
        """The key's fields. Two were added after the first sub-task trainings, whose keys they keep: ``vgg19``
        enters only when set, ``psnr`` only for the main task (with one reference both readings agree)."""
        d = super().as_dict()
        if d["vgg19"] is None:
            del d["vgg19"]
        if self.task != "main":
            del d["psnr"]
        return d

    def label(self) -> str:
        return f"{self.task}{'+' + '+'.join(self.columns) if self.columns else ''}-seed{self.seed}"

    def probe(self, model):
        """The zoo's fp16 check: the reconstruction network restores the probe's visible image; the others fuse."""
        if self.task != "recon":
            return super().probe(model)
        import torch

        from ..runs import probe_pair

        with torch.inference_mode():
            return model.cpu().eval()(probe_pair()[1])

    # -- the pieces the trainer needs
    def _column_desc(self, variant: str) -> dict[str, Any]:
        task = VARIANTS[variant][0]
        if task == "recon":
            return {"net": "alan-recon", "depth": self.depth, "growth": self.growth}
        return {"net": "alan", "depth": self.depth, "width": self.width, "weights": self.weights,
                "fuse_at": self.fuse_at}

    def net(self) -> tuple[str, dict[str, Any]]:
        if self.task == "recon":
            return "alan-recon", {"depth": self.depth, "growth": self.growth}
        return "alan", {"depth": self.depth, "width": self.width, "weights": self.weights, "fuse_at": self.fuse_at,
                        "attention": self.attention, "columns": [self._column_desc(c) for c in self.columns]}

    def _sub_run(self, variant: str) -> RunSpec:
        """The spec of a sub-task run this one depends on (the same shared fields, ``root_seed``)."""
        return _spec({k: getattr(self, k) for k in SHARED}, self.root_seed, variant)

    def build(self):
        """The network; its lateral columns get the trained sub-task weights (trained now if not yet)."""
        model = super().build()
        for col, variant in zip(getattr(model, "columns", ()), self.columns):
            col.load_state_dict(train_cached(self._sub_run(variant)).model.state_dict())
            col.requires_grad_(False)
            col.eval()
        return model

    def _features(self):
        if self.content == "none" or self.task == "recon":
            return None
        if self.content == "vgg19":
            from ..nets.vgg import load_vgg19_features

            return load_vgg19_features(self.vgg19, VGG_LAYERS)
        recon = train_cached(self._sub_run("recon")).model.eval().requires_grad_(False)
        return recon.activations

    def loss(self):
        from ..losses import alan_loss

        features = self._features()
        if self.task == "recon":
            return lambda model, batch: alan_loss(model(batch["input"]), (batch["target"],))
        if self.task == "focus":
            return lambda model, batch: alan_loss(model(batch["a"], batch["b"]), (batch["target"],), features)
        return lambda model, batch: alan_loss(model(batch["a"], batch["b"]), (batch["a"], batch["b"]), features,
                                              psnr=self.psnr)

    def dataset(self):
        from ..data.crops import RandomCropPairs
        from ..data.synthetic import DegradedImages, MultiFocusPairs

        n = self.samples
        if self.task == "recon":
            return LazyDataset(lambda: DegradedImages(TRAIN_SETS, self.recon_size, limit=self.train_limit,
                                                      seed=self.seed, per_epoch=n), n)
        if self.task == "focus":
            return LazyDataset(lambda: MultiFocusPairs(TRAIN_SETS, self.patch, limit=self.train_limit,
                                                       seed=self.seed, per_epoch=n), n)
        return LazyDataset(lambda: RandomCropPairs(TRAIN_SETS, self.patch, self.train_limit, self.seed, flips=True,
                                                   per_epoch=n), n)


SHARED = ("epochs", "batch_size", "lr", "lr_step", "max_steps_per_epoch", "samples", "patch", "recon_size",
          "train_limit", "depth", "width", "growth", "weights", "fuse_at", "content", "vgg19", "psnr")


def _spec(fields: dict[str, Any], root_seed: int, variant: str, i: int = 0) -> AlanRun:
    """The run of ``variant`` (a key of :data:`VARIANTS`) with seed ``root_seed + i``. The sub-task runs it
    depends on (lateral columns, the content features) are always those of ``root_seed``; their keys
    enter this run's key."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown ALAN variant {variant!r}; valid: {', '.join(VARIANTS)}")
    task, columns, opts = VARIANTS[variant]
    deps = tuple(_spec(fields, root_seed, c).key() for c in columns)
    content_key = (_spec(fields, root_seed, "recon").key()
                   if task != "recon" and fields["content"] == "recon" else None)
    return AlanRun(task=task, columns=columns, column_keys=deps, content_key=content_key, root_seed=root_seed,
                   seed=root_seed + i, **fields, **opts)


def run_spec(cfg: Config, variant: str = MAIN, i: int = 0) -> AlanRun:
    """Training ``i`` (seed ``cfg.seed + i``) of ``variant`` under ``cfg``."""
    return _spec({k: getattr(cfg, k) for k in SHARED}, cfg.seed, variant, i)


PLAN_GROUPS = ("subtasks", "main", "ablations", "spread")


def training_plan(cfg: Config, select: Sequence[str] | None = None) -> dict[str, AlanRun]:
    """Every training, in dependency order: the sub-tasks ('recon', 'focus'), the main model ('full'), the
    other Fig. 11 networks and the no-attention ablation, then 'single-<i>' and 'full-<i>' (further seeds)."""
    select = select or PLAN_GROUPS
    plan: dict[str, AlanRun] = {}
    if "subtasks" in select:
        plan |= {v: run_spec(cfg, v) for v in ("recon", "focus")}
    if "main" in select:
        plan[MAIN] = run_spec(cfg)
    if "ablations" in select:
        plan |= {v: run_spec(cfg, v) for v in ("single", "single-recon", "focus-recon", "no-attention")}
    if "spread" in select:
        plan |= {f"{v}-{i}": run_spec(cfg, v, i) for v in ("single", MAIN) for i in range(1, cfg.spread_runs)}
    return plan


SUBSTITUTES = substitutes("alan")  # fusionkit/studies/substitutes/alan.csv
#: What each training of the plan is in the paper (Fig. 11's columns, §4.1's ablation, the spread)
PAPER_ROLES = {"recon": "sub-task 1 (reconstruction)", "focus": "sub-task 2 = Fig. 11 (c) multi-focus alone",
               "full": "ALAN = Fig. 11 (e), Figs 7-10", "single": "Fig. 11 (a) single unsupervised task",
               "single-recon": "Fig. 11 (b) + reconstruction", "focus-recon": "Fig. 11 (d) multi-focus + reconstruction",
               "no-attention": "§4.1 without channel attention"}


def content_note(cfg: Config) -> str:
    """Which features the content loss (eq. 3) used: every report says so (the paper's are VGG's)."""
    return {"recon": "content loss on the frozen reconstruction encoder's layers (our substitute for VGG)",
            "vgg19": f"content loss on VGG19 {', '.join(VGG_LAYERS)} (ImageNet weights from {cfg.vgg19})",
            "none": "no content loss (the term dropped)"}[cfg.content]


def training_note(cfg: Config) -> str:
    """How the models behind a table were trained, against the paper's setting."""
    from ..data.crops import count_pairs

    n = count_pairs(TRAIN_SETS, cfg.train_limit)
    h, w = cfg.patch
    step = f", lr /10 after epoch {cfg.lr_step}" if cfg.lr_step else ""
    return (f"Trained here ({cfg.profile} profile) on FLIR-Train + RoadScene train ({n} pairs): the main task on "
            f"random {w}x{h} patches and flips, the reconstruction task on {cfg.recon_size}x{cfg.recon_size} "
            f"degraded crops of their visible images, the multi-focus task on synthetic {w}x{h} pairs of them; "
            f"{cfg.epochs} epochs of {cfg.samples} samples per task, batch {cfg.batch_size}, Adam {cfg.lr:g}{step}; "
            f"width {cfg.width}; {content_note(cfg)}; L_PSNR {cfg.psnr}. Paper: CVS + 2,999 ir-vis pairs, COCO, "
            "Lytro; 80x64 patches, 256x256 reconstruction, 20,000 samples per task; no optimiser given.")


def trainings(cfg: Config) -> Section:
    """Every training of the plan: summary (the loss change over the last third and after the learning-rate
    step show the plateau), the loss curves, and the data substitutes."""
    from .. import viz
    from ..runs import summary, train

    runs = {name: train(cfg, spec) for name, spec in training_plan(cfg).items()}
    s = summary(runs).assign(**{"paper role": [PAPER_ROLES.get(n.rsplit("-", 1)[0] if n[-1].isdigit() else n, "")
                                               + (" (another seed)" if n[-1].isdigit() else "") for n in runs]})
    # the supervised losses cross 0 (L_PSNR < 0 above 50 dB): a change in loss units reads better than a %
    k = max(cfg.epochs - max(cfg.epochs // 3, 1) - 1, 0)
    s["last-third change"] = [r.history[-1]["total"] - r.history[k]["total"] if r.history else float("nan")
                              for r in runs.values()]
    after = ""
    if cfg.lr_step and cfg.epochs > cfg.lr_step + 1:  # the plateau at the lowered learning rate
        col = f"change, epochs {cfg.lr_step + 1}-{cfg.epochs}"
        s[col] = [r.history[-1]["total"] - r.history[cfg.lr_step]["total"] if len(r.history) == cfg.epochs
                  else float("nan") for r in runs.values()]
        after = (f" From epoch {cfg.lr_step + 1} (the first after the learning-rate step) to the last, the loss "
                 f"changed by at most {s[col].abs().max():.3f}.")
    curves = pd.DataFrame([{"run": n, "epoch": h["epoch"], "loss (eq. 8)": h["total"]}
                           for n, r in runs.items() for h in r.history])
    return Section("ALAN trainings", {
        "data_substitutes": Table(SUBSTITUTES, "ALAN data: the paper's and ours", False),
        "training_runs": Table(s, "ALAN trainings. " + training_note(cfg), False),
        "loss_curves": Table(curves, "Loss (eq. 8) per epoch and training", False)},
        {"loss_curves": viz.loss_curves({n: r.history for n, r in runs.items()},
                                        title=f"ALAN trainings: loss (eq. 8) per epoch ({cfg.profile} profile)")},
        f"{len(runs)} trainings; over the last third of the epochs the loss changed by at most "
        f"{s['last-third change'].abs().max():.3f} (loss units)." + after,
        data={"runs": runs}, show=("training_runs",))


# Figs 7-11 (notebooks 50 and 51) live in .alan_comparison
from .alan_comparison import fig7_fig8, fig9, fig10, fig11  # noqa: E402, F401
from .alan_claims import CLAIMS, LEDGER  # noqa: E402, F401  (the claims ledger: report.ledger(alan))
