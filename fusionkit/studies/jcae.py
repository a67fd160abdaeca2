"""JCAE study (Zhang et al., ../shared/papers/001_6362801b0cc60012.txt): data roles and substitutes,
the typed config with its presets, the run spec, and one function per table/figure.

Data substitutes: the paper trains on 1,400+ grey pairs of the IFCNN training set (not released:
manifest entry ``ifcnn-training-set``); we train on FLIR-Train + the RoadScene *train* split (as the
DIDFuse study does; never a test set), resized to the paper's 360x280. The paper tests on 48 TNO
pairs; we use all 40 of ``didfuse-tno``. VGG19 ImageNet weights (Sec. 2.4) cannot be downloaded here
(manifest entry ``vgg19-imagenet``): the default is random initialisation, ``vgg19=PATH`` loads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import pandas as pd
import torch

from .. import evaluation as E
from .. import paper_tables, viz
from ..data.crops import RandomCropPairs, count_pairs
from ..report import Table
from ..runs import LazyDataset, Run, RunSpec, train_cached
from ..train import late_drop
from .config import StudyConfig, make_config
from .jcae_claims import CLAIMS, LEDGER  # noqa: F401  (the claims ledger: report.ledger(study))

METRICS = ("MI", "CC", "Qcv", "SCD", "SSIM")
TRAIN_SETS: tuple[tuple[str, str], ...] = (("didfuse-flir-train", "train"), ("roadscene", "train"))
TEST_SET = ("didfuse-tno", "test")
#: Manifest entries whose checksums go into every JCAE report (and that `reproduce` fetches).
DATASETS = ("didfuse-flir-train", "roadscene", "didfuse-tno", "didfuse-ijcai", "ifcnn-max")
SUBSTITUTES = pd.DataFrame([
    ("training", "IFCNN training set (1,400+ grey pairs)", "didfuse-flir-train (180) + roadscene train split (137)",
     "not released (manifest: ifcnn-training-set)"),
    ("training size", "grey, 360x280", "grey, resized to 360x280 (width x height)", "same"),
    ("initialisation", "VGG19 ImageNet (Keras notop .h5)", "random (default) or VGG19 from a path",
     "weights not downloadable here (manifest: vgg19-imagenet)"),
    ("test", "TNO (48 pairs)", "didfuse-tno (40 pairs)", "the 40 TNO pairs we have"),
], columns=["role", "paper", "ours", "note"])
#: The TNO pairs the paper names, found in didfuse-tno by looking at the images (notebook 20/21 show
#: them): pair name or None, and how well it matches the paper's description.
NAMED_PAIRS = {
    "street": ("13", "stand-in: night street with a street lamp, road and house; the paper's 'street' (billboard, "
                     "lamp, pedestrians, car) is not among the 40 pairs"),
    "bunker": ("10", "match: concrete bunker at the edge of a forest"),
    "Fog": ("2", "match: smoke screen over a forest edge, a person hidden in it (infrared)"),
    "Forest": ("11", "closest: tree line and forest floor"),
    "Building": ("9", "closest: brick buildings, a pedestrian and bicycles"),
    "House": ("31", "closest: detached house"),
    "Boat": (None, "not found: no pair shows a boat"),
    "Soldier": ("3", "closest: soldier in a trench"),
    "Umbrella": ("17", "match: man with an umbrella by a gazebo"),
}
#: Fig. 7's boxes on our street stand-in (top, left, height, width as fractions; colour): the paper boxes
#: the billboard (red) and the pedestrians (green); ours box the street lamp (red) and the road (green).
STREET_BOXES = ((0.22, 0.20, 0.22, 0.22, "red"), (0.62, 0.30, 0.22, 0.30, "green"))
#: Rule settings of the ablation (fusionkit.methods.trained.JCAE_RULES): eq. 8/9 with both readings of
#: L^m, and sum / average / max on both feature sets.
RULES = ("eq8+eq9", "eq8+eq9-sum", "sum", "average", "max")
#: Table 1's comparison methods we can run (method name -> row label) and the paper's row each stands for.
COMPARISON = {"gff": ("GFF", "GFF"), "lp": ("LP", "LPSR"), "gtf": ("GTF", "GTF"),
              "ifcnn-max": ("IFCNN-MAX (released)", "IFCNN"), "didfuse-ijcai": ("DIDFuse-IJCAI (released)", None),
              "didfuse": ("DIDFuse (ours, zoo table5)", None)}
OURS = "JCAE (ours)"


@dataclass(frozen=True)
class Config(StudyConfig):
    """Defaults = the paper (Sec. 3.1-3.2): Adam lr 3e-4, grey 360x280 images, lam = 100, eq. 8/9 rules.
    The paper does not give the batch size or the number of epochs; Fig. 5 converges within 30 epochs:
    we take batch 8 and 50 epochs of whole images."""

    runs: int = 1  # trainings of the Table 1 model
    epochs: int = 50
    batch_size: int = 8
    resize: tuple[int, int] = (280, 360)  # (height, width) of every training image
    crop: int | None = None  # random square crops of the resized images (None: whole images)
    lr: float = 3e-4
    lr_step: int | None = None
    max_steps_per_epoch: int | None = None
    train_limit: int | None = None  # pairs per training set (None: all)
    lam: float = 100.0  # eq. (5)
    fig5_lams: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0)
    vgg19: str | None = None  # path to torchvision's VGG19 state dict (None: random initialisation)
    rule: str = "eq8+eq9"
    rules: tuple[str, ...] = RULES
    baselines: tuple[str, ...] = tuple(COMPARISON)
    test_limit: int | None = None  # TNO pairs (None: all 40)
    figure_pairs: tuple[str, ...] = ("street", "Fog", "Forest", "Building", "House", "Soldier", "Umbrella")
    device: str | None = None


PRESETS = {
    # smoke: the real path in seconds
    "smoke": dict(epochs=1, batch_size=2, resize=(70, 90), crop=32, max_steps_per_epoch=2, train_limit=2,
                  fig5_lams=(1.0, 100.0), rules=("eq8+eq9", "sum"), baselines=("lp",), test_limit=2,
                  figure_pairs=("street", "Fog")),
    # quick: the CPU schedule (benchmarks in reports/quick/jcae/training_runs.md): random 64x64 crops of the
    # 360x280 images, batch 8, lr 3e-4 /10 for the last third; every network on all 40 TNO pairs.
    "quick": dict(epochs=24, batch_size=8, crop=64, lr_step=16),
}


def config(profile: str = "paper", **overrides: Any) -> Config:
    """The config of ``profile`` with ``overrides`` (unknown names are an error listing valid ones)."""
    return make_config(Config, PRESETS, profile, **overrides)


@dataclass(frozen=True)
class JCAERun(RunSpec):
    """One JCAE training (eq. 5 with weight ``lam``; defaults: the paper's setting)."""

    study = "jcae"
    lam: float = 100.0
    lr: float = 3e-4
    epochs: int = 50
    batch_size: int = 8
    resize: tuple[int, int] = (280, 360)
    crop: int | None = None
    train_limit: int | None = None
    vgg19: str | None = None

    def label(self) -> str:
        return f"lam{self.lam:g}-{'vgg19' if self.vgg19 else 'random'}-seed{self.seed}"

    def net(self) -> tuple[str, dict[str, Any]]:
        return "jcae", {"input_norm": "imagenet" if self.vgg19 else "none"}

    def build(self) -> torch.nn.Module:
        model = super().build()
        if self.vgg19:
            from ..nets.jcae import load_vgg19

            load_vgg19(model, self.vgg19)
        return model

    def loss(self):
        from ..losses import jcae_training_loss

        return jcae_training_loss(self.lam)

    def dataset(self):
        return LazyDataset(lambda: RandomCropPairs(TRAIN_SETS, self.crop, self.train_limit, self.seed,
                                                   resize=tuple(self.resize)),
                           count_pairs(TRAIN_SETS, self.train_limit))


def run_spec(cfg: Config, lam: float | None = None, i: int = 0) -> JCAERun:
    """Training ``i`` (seed ``cfg.seed + i``) with loss weight ``lam`` (default ``cfg.lam``) under ``cfg``."""
    return JCAERun(lam=float(cfg.lam if lam is None else lam), seed=cfg.seed + i, epochs=cfg.epochs,
                   batch_size=cfg.batch_size, lr=cfg.lr, lr_step=cfg.lr_step, resize=tuple(cfg.resize),
                   crop=cfg.crop, max_steps_per_epoch=cfg.max_steps_per_epoch, train_limit=cfg.train_limit,
                   vgg19=cfg.vgg19)


def train(cfg: Config, lam: float | None = None, i: int = 0, progress: bool = True) -> Run:
    """The trained model (zoo, run cache, resumed or new training)."""
    return train_cached(run_spec(cfg, lam, i), device=cfg.device, progress=progress)


def initialisation(cfg: Config) -> str:
    return f"VGG19 ImageNet weights from {cfg.vgg19}" if cfg.vgg19 else "random initialisation (no VGG19 weights)"


def training_note(cfg: Config) -> str:
    """How the models behind a table were trained, against the paper's setting."""
    n = count_pairs(TRAIN_SETS, cfg.train_limit)
    steps = cfg.epochs * min(cfg.max_steps_per_epoch or n, max(n // cfg.batch_size, 1))
    what = f"random {cfg.crop}x{cfg.crop} crops (new each epoch)" if cfg.crop else "whole images"
    sched = f" /10 after epoch {cfg.lr_step}" if cfg.lr_step else " (constant)"
    h, w = cfg.resize
    return (f"Trained here ({cfg.profile} profile): {n} pairs resized to {w}x{h}, {what}, {cfg.epochs} epochs "
            f"(~{steps} steps) of batch {cfg.batch_size}, Adam lr {cfg.lr:g}{sched}, lam {cfg.lam:g}, "
            f"{initialisation(cfg)}; paper: 1,400+ IFCNN pairs at 360x280, Adam 3e-4, lam 100, VGG19 init.")


def zoo_name(cfg: Config, spec: JCAERun) -> str:
    """Short zoo names: 'table1' (the Table 1 model), 'lam<value>' (the other Fig. 4/5 trainings),
    'table1-<i>' (further trainings); other profiles than quick get a '<profile>-' prefix."""
    i = spec.seed - cfg.seed
    if spec.lam == cfg.lam:
        name = "table1" if i == 0 else f"table1-{i}"
    else:
        name = f"lam{spec.lam:g}" + (f"-{i}" if i else "")
    return name if cfg.profile == "quick" else f"{cfg.profile}-{name}"


def training_plan(cfg: Config, select: Sequence[str] = ("table1", "lambdas")) -> list[JCAERun]:
    """Every training the notebooks of ``cfg``'s profile use: the Table 1 model(s) first, then MSE
    only (lam 0, Fig. 4) and the Fig. 5 lambdas."""
    plan = [run_spec(cfg, None, i) for i in range(cfg.runs)] if "table1" in select else []
    if "lambdas" in select:
        plan += [run_spec(cfg, lam) for lam in (0.0, *cfg.fig5_lams)]
    return list(dict.fromkeys(plan))


def zoo_probe(model: torch.nn.Module) -> torch.Tensor:
    """What the zoo checks an fp16 copy against: a 128x160 corner of the first TNO pair, fused (eq. 8/9)."""
    from ..data import FusionDataset
    from ..fusion_rules import RULES as R

    it = FusionDataset(*TEST_SET, mode="gray", limit=1)[0]
    with torch.inference_mode():
        return model.cpu().eval().fuse(it["a"][None, :, :128, :160], it["b"][None, :, :128, :160], R.get("max"),
                                       R.get("jcae-common"))


def fuser(model: torch.nn.Module, rule: str, cfg: Config) -> E.Fuser:
    from ..methods.trained import JCAETrained

    return E.method_fuser(JCAETrained.from_model(model, rule=rule, device=cfg.device))


def named_pair(name: str) -> dict:
    """The TNO pair the paper calls ``name`` (see :data:`NAMED_PAIRS`); an error if we have none."""
    from ..data import FusionDataset

    pair, note = NAMED_PAIRS[name]
    if pair is None:
        raise ValueError(f"no TNO pair for the paper's {name!r}: {note}")
    ds = FusionDataset(*TEST_SET, mode="gray")
    return ds[ds.names.index(pair)]


def named_pairs_table() -> Table:
    rows = [{"paper's name": k, "didfuse-tno pair": v or "-", "match": note} for k, (v, note) in NAMED_PAIRS.items()]
    return Table(pd.DataFrame(rows), "The TNO images the paper names, found in didfuse-tno by looking at them", False)


# ----------------------------------------------------------------------------- trainings, Figs 4-5
def trainings(cfg: Config) -> tuple[dict[float, Run], dict[str, Table]]:
    """The Table 1 model and the Fig. 4/5 trainings (lam 0 and ``cfg.fig5_lams``), with a summary."""
    runs = {float(lam): train(cfg, lam) for lam in dict.fromkeys((cfg.lam, 0.0, *cfg.fig5_lams))}
    summary = pd.DataFrame([{"lam": lam, "run": r.spec.key(), "source": r.source, "epochs": len(r.history),
                             "precision": r.meta.get("precision"), "initialisation": initialisation(cfg),
                             "final total loss": r.history[-1]["total"],
                             "final MSE (ir, vis)": f"{r.history[-1]['mse_ir']:.4g}, {r.history[-1]['mse_vis']:.4g}",
                             "final 1-SSIM (ir, vis)": f"{r.history[-1]['ssim_loss_ir']:.4g}, "
                                                       f"{r.history[-1]['ssim_loss_vis']:.4g}",
                             "last-third drop of the total %": late_drop(r.history),
                             "train minutes": round((r.meta.get("train_seconds_total") or r.train_seconds) / 60, 1)}
                            for lam, r in runs.items()])
    return runs, {"data_substitutes": Table(SUBSTITUTES, "JCAE data: the paper's and ours", False),
                  "training_runs": Table(summary, "JCAE trainings. " + training_note(cfg), False),
                  "loss_log": Table(pd.DataFrame(runs[float(cfg.lam)].history),
                                    f"Loss terms per epoch, lam {cfg.lam:g}", False)}


def fig5(runs: dict[float, Run], cfg: Config):
    """Fig. 5: total loss per epoch for each lam of ``cfg.fig5_lams`` (log scale: the totals differ by
    orders of magnitude) and, beside it, each curve relative to its first epoch."""
    import matplotlib.pyplot as plt

    fig, (ax, rel) = plt.subplots(1, 2, figsize=(10, 3.6))
    for lam in cfg.fig5_lams:
        tot = [h["total"] for h in runs[float(lam)].history]
        ep = range(1, len(tot) + 1)
        ax.plot(ep, tot, marker=".", label=f"λ = {lam:g}")
        rel.plot(ep, [t / tot[0] for t in tot], marker=".", label=f"λ = {lam:g}")
    ax.set(xlabel="epoch", ylabel="total loss (eq. 5)", yscale="log", title="Fig. 5: total loss")
    rel.set(xlabel="epoch", ylabel="total loss / first epoch", title="relative to the first epoch")
    ax.legend()
    fig.tight_layout()
    return fig


def fig4(runs: dict[float, Run], cfg: Config) -> tuple[Any, Table]:
    """Fig. 4: street and bunker fused by the MSE-only model (lam 0) and the MSE+SSIM model (lam
    ``cfg.lam``), eq. 8/9 rules; and the two pairs' metrics for both models."""
    rows, grid, titles = [], [], []
    for name in ("street", "bunker"):
        it = named_pair(name)
        out = {lbl: fuser(runs[lam].model, cfg.rule, cfg)(it["a"][None], it["b"][None])[0, 0]
               for lbl, lam in (("MSE only", 0.0), (f"MSE + {cfg.lam:g}(1-SSIM)", float(cfg.lam)))}
        grid.append([it["a"][0], it["b"][0], *out.values()])
        titles.append([f"{name} infrared", f"{name} visible", *(f"{name}: {k}" for k in out)])
        rows += [{"pair": f"{name} (TNO {it['name']})", "loss": k,
                  **E.pair_metrics(f, it["a"][0], it["b"][0], METRICS)} for k, f in out.items()]
    return viz.image_grid(grid, titles), Table(pd.DataFrame(rows), "Fig. 4 in numbers (eq. 8/9 rules)", False)


# ----------------------------------------------------------------------------- Table 1, rule ablation
@dataclass
class Comparison:
    """Table 1's per-pair scores, kept fused images (for Figs 7-8) and its tables."""

    per_pair: pd.DataFrame
    kept: dict
    tables: dict[str, Table]


def comparison_fusers(cfg: Config, model: torch.nn.Module) -> dict[str, E.Fuser]:
    """JCAE (ours, rule ``cfg.rule``) and every comparison method of ``cfg.baselines``."""
    from .. import methods

    out = {OURS: fuser(model, cfg.rule, cfg)}
    for m in cfg.baselines:
        opts = {"device": cfg.device} if m in ("ifcnn-max", "didfuse-ijcai", "didfuse") else {}
        out[COMPARISON[m][0]] = E.method_fuser(methods.get(m, **opts))
    return out


def _with_p(means: pd.DataFrame, tests: pd.DataFrame) -> pd.DataFrame:
    """'mean ± p' cells as the paper prints them (p of the paired t-test against JCAE; none on JCAE's row)."""
    p = tests.pivot_table(index="method", columns="metric", values="p")
    return pd.DataFrame({m: [f"{means.loc[r, m]:.4f}" + (f" ± {p.loc[r, m]:.2f}" if r in p.index else "")
                             for r in means.index] for m in METRICS}, index=means.index)


def reported_table1() -> pd.DataFrame:
    """The paper's Table 1, methods x metrics (means), in the paper's row order."""
    t = paper_tables.load("jcae", 1)
    return t.pivot_table(index="method", columns="metric", values="mean", sort=False)[list(METRICS)]


def table1(cfg: Config, keep: Sequence[str] = ()) -> Comparison:
    """Table 1 on TNO: means, JCAE's paired t-test p against each method, best bold; the paper's rows;
    our JCAE against the paper's 'Proposed' row. ``keep``: TNO pair names whose fused images to keep."""
    from ..report import compare_with_paper

    fusers = comparison_fusers(cfg, train(cfg).model)
    per_pair, _ = E.score(fusers, {"TNO": TEST_SET}, METRICS, limit=cfg.test_limit)
    kept = figure_images(fusers, keep)
    means = per_pair.groupby("method", sort=False)[list(METRICS)].mean()
    tests = E.paired_tests(per_pair, OURS, METRICS)
    n = per_pair.pair.nunique()
    rep = reported_table1()
    ours_vs = compare_with_paper(means.loc[[OURS]].rename(index={OURS: "JCAE"}),
                                 rep.loc[["Proposed"]].rename(index={"Proposed": "JCAE"}))
    stand_in = pd.DataFrame([{"ours": lbl, "paper's row": paper or "-", **{
        m: f"{means.loc[lbl, m]:.4f} vs {rep.loc[paper, m]:.4f}" if paper else f"{means.loc[lbl, m]:.4f}"
        for m in METRICS}} for key, (lbl, paper) in COMPARISON.items() if lbl in means.index])
    tables = {
        "table1": Table(_with_p(means, tests), f"Table 1 on TNO ({n} pairs; the paper: 48): mean ± p of the paired "
                                              f"t-test of JCAE against the method (as the paper prints it). "
                                              + training_note(cfg)),
        "table1_best": Table(E.mark_best(means), "Table 1: means, best bold, second underlined (Qcv: lower is better)"),
        "table1_reported": Table(paper_tables.load("jcae", 1).pivot_table(
            index="method", columns="metric", values="mean", sort=False)[list(METRICS)], "Table 1 as reported"),
        "table1_ours_vs_paper": Table(ours_vs, "Our JCAE vs the paper's 'Proposed' row. " + training_note(cfg)),
        "table1_methods_vs_paper": Table(stand_in, "Comparison methods run here vs the paper's rows they stand for "
                                                   "(LP for LPSR; the paper's CSR, MFCNN, DeepFuse, FusionGAN and "
                                                   "DenseFuse are not run)", False),
        "table1_ttests": Table(tests, "Paired t-tests, JCAE minus each method (scipy ttest_rel)", False),
        "table1_per_pair": Table(per_pair, "Table 1: metrics per TNO pair and method", False)}
    return Comparison(per_pair, kept, tables)


def figure_images(fusers: dict[str, E.Fuser], names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """For each paper-named pair in ``names``: sources and every fuser's output (8-bit levels)."""
    out = {}
    for name in names:
        it = named_pair(name)
        out[name] = {"infrared": E.quantize(it["a"][0]), "visible": E.quantize(it["b"][0])} | {
            m: E.quantize(f(it["a"][None], it["b"][None])[0, 0]) for m, f in fusers.items()}
    return out


def metric_scale(cfg: Config) -> Table:
    """Which of our conventions puts Qcv (and MI, SSIM) on the paper's scale: IFCNN-MAX on TNO scored on
    8-bit levels in the standard and vifb conventions, and Qcv on [0, 1] images, beside the paper's IFCNN row."""
    from .. import methods
    from ..data import FusionDataset
    from ..metrics import evaluate
    from ..metrics.backend_numpy import qcv  # the evaluate() API rescales [0, 1] images to 8-bit levels

    m = methods.get("ifcnn-max", device=cfg.device)
    ds = FusionDataset(*TEST_SET, mode="gray", limit=cfg.test_limit)
    rows = []
    for i in range(len(ds)):
        it = ds[i]
        f = E.quantize(m.fuse_batch(it["a"][None], it["b"][None])[0, 0])
        a, b = it["a"][0].double().numpy() * 255, it["b"][0].double().numpy() * 255
        for conv in ("standard", "vifb"):
            rows.append({"scoring": f"{conv}, 8-bit levels", **evaluate(f, a, b, list(METRICS), convention=conv)})
        rows.append({"scoring": "standard, [0, 1] images", "Qcv": qcv(f / 255, a / 255, b / 255)})
    t = pd.DataFrame(rows).groupby("scoring", sort=False).mean()
    t.loc["paper (IFCNN row)"] = reported_table1().loc["IFCNN"]
    return Table(t, f"Metric conventions on IFCNN-MAX, TNO ({len(ds)} pairs): Table 1 uses 'standard, 8-bit levels'")


def rule_ablation(cfg: Config) -> dict[str, Table]:
    """Eq. 8/9 (both readings of L^m) against sum / average / max on both feature sets, same trained
    model, TNO, Table 1's metrics, paired t-tests against eq. 8/9; and how often eq. (9) takes its
    weighted branch under each reading."""
    model = train(cfg).model
    per_pair = score_rules(model, cfg)
    means = per_pair.groupby("method", sort=False)[list(METRICS)].mean()
    tests = E.paired_tests(per_pair, cfg.rule, METRICS)
    return {"rule_ablation": Table(E.mark_best(means), f"Fusion-rule ablation on TNO ({per_pair.pair.nunique()} "
                                                       f"pairs), one trained model: best bold. " + training_note(cfg)),
            "rule_ablation_ttests": Table(tests, f"Paired t-tests, {cfg.rule} minus each rule", False),
            "rule_ablation_weighted_share": Table(weighted_share(model, cfg),
                                                  "Eq. (9): share of common feature maps that take the weighted "
                                                  "branch (L^m >= T), per reading of L^m", False),
            "rule_ablation_per_pair": Table(per_pair, "Rule ablation: metrics per TNO pair and rule", False)}


def score_rules(model: torch.nn.Module, cfg: Config) -> pd.DataFrame:
    """Every rule of ``cfg.rules`` on every TNO pair, encoding each pair once (the encoder is two thirds
    of JCAE's cost; :func:`fusionkit.evaluation.score` would run it once per rule)."""
    from ..data import FusionDataset
    from ..fusion_rules import RULES as R
    from ..methods.trained import JCAE_RULES
    from ..devices import select_device

    dev = select_device(cfg.device)
    model = model.to(dev).eval()
    ds = FusionDataset(*TEST_SET, mode="gray", limit=cfg.test_limit)
    rows = []
    for i in range(len(ds)):
        it = ds[i]
        a, b = it["a"][None].to(dev), it["b"][None].to(dev)
        with torch.inference_mode():
            f = model.encode(a, b)
            for rule in cfg.rules:
                fused = model.fuse_features(f, *(R.get(n) for n in JCAE_RULES[rule]), tuple(a.shape[-2:]))[0, 0].cpu()
                rows.append({"dataset": "TNO", "method": rule, "pair": it["name"],
                             **E.pair_metrics(fused, it["a"][0], it["b"][0], METRICS)})
    return pd.DataFrame(rows)


def weighted_share(model: torch.nn.Module, cfg: Config) -> pd.DataFrame:
    """Per TNO pair, the share of the 128 common maps with L^m >= T under the count and the sum reading."""
    from ..data import FusionDataset
    from ..fusion_rules import jcae_layer_activity

    ds = FusionDataset(*TEST_SET, mode="gray", limit=cfg.test_limit)
    rows = []
    for i in range(len(ds)):
        it = ds[i]
        with torch.inference_mode():
            f = model.cpu().eval().encode(it["a"][None], it["b"][None])
        h, w = f["common_a"].shape[-2:]
        rows.append({"pair": it["name"], **{r: float((jcae_layer_activity(f["common_a"], f["common_b"], r)
                                                      >= 0.6 * h * w).float().mean()) for r in ("count", "sum")}})
    df = pd.DataFrame(rows)
    return pd.concat([df, pd.DataFrame([{"pair": "mean", "count": df["count"].mean(), "sum": df["sum"].mean()}])],
                     ignore_index=True)


# ----------------------------------------------------------------------------- Figs 6-8
def fig6(cfg: Config):
    """Fig. 6: one channel of the private and common features of 'street' and their fused maps (eq. 8,
    eq. 9). The channel shown: the one whose fused map varies most (largest std), private and common
    separately (the paper does not say which channel it shows)."""
    from ..fusion_rules import jcae_common

    it = named_pair("street")
    model = train(cfg).model.cpu().eval()
    with torch.inference_mode():
        f = model.encode(it["a"][None], it["b"][None])
        fp = torch.maximum(f["private_a"], f["private_b"])
        fc = jcae_common(f["common_a"], f["common_b"], "count")
    kp, kc = int(fp[0].flatten(1).std(1).argmax()), int(fc[0].flatten(1).std(1).argmax())
    panels = [("(a) infrared", it["a"][0]), ("(b) visible", it["b"][0]),
              (f"(c) private IR #{kp}", f["private_a"][0, kp]), (f"(d) private VIS #{kp}", f["private_b"][0, kp]),
              ("(e) fused, eq. 8", fp[0, kp]), (f"(f) common IR #{kc}", f["common_a"][0, kc]),
              (f"(g) common VIS #{kc}", f["common_b"][0, kc]), ("(h) fused, eq. 9", fc[0, kc])]
    return viz.feature_map_grid(panels, scales=[None, None, "p", "p", "p", "c", "c", "c"])


def fig7(res: Comparison, per_row: int = 5):
    """Fig. 7: 'street', sources and every method (``per_row`` images a row, as the paper's (a)-(j)), two
    boxed regions enlarged (:data:`STREET_BOXES`)."""
    images = list(res.kept["street"].items())
    nrows = -(-len(images) // per_row)
    images += [("", 0 * images[0][1])] * (nrows * per_row - len(images))  # blank cells fill the last row
    cols = [{str(i): images[i * per_row + j][1] for i in range(nrows)} for j in range(per_row)]
    titles = [[images[i * per_row + j][0] for j in range(per_row)] for i in range(nrows)]
    return viz.zoom_grid(cols, [str(i) for i in range(nrows)], boxes=[STREET_BOXES] * per_row, titles=titles,
                         row_labels=[""] * nrows)


def fig8(res: Comparison, cfg: Config):
    """Fig. 8: the other named pairs (columns) by every method (rows)."""
    names = [n for n in cfg.figure_pairs if n != "street" and n in res.kept]
    rows = list(next(iter(res.kept.values())))
    grid = [[res.kept[n][r] / 255.0 for n in names] for r in rows]
    titles = [[f"{n} (TNO {NAMED_PAIRS[n][0]})" if i == 0 else "" for n in names] for i in range(len(rows))]
    return viz.image_grid(grid, titles, row_labels=rows, cell=2.0)


if __name__ == "__main__":  # python -m fusionkit.studies.jcae --profile quick [--select table1 lambdas] [--zoo]
    from ..runs import train_main

    train_main("python -m fusionkit.studies.jcae", config, training_plan, ["table1", "lambdas"],
               zoo_name=zoo_name, zoo_probe=zoo_probe)
