"""DIDFuse study (extended paper, ../shared/papers/002_ecde006f96d54dd5.txt): data roles and
substitutes, the typed config with its presets, the run spec, the training plan, and one function per
table/figure (each returns a :class:`fusionkit.report.Section`). Claims and tests: :mod:`.didfuse_claims`.

Data substitutes (the paper's NIR Mountain/Water/Urban/Street scenes are not obtainable): training
= FLIR-Train + RoadScene *train* split (for NIR Mountain/Water); validation = RoadScene *val* split
(for NIR Urban/Street); tests = TNO, FLIR-Test, NIR-Country as in the paper (NIR Forest/Field
unavailable). The RoadScene split never overlaps a test set (data_manifest.yaml).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

import pandas as pd
import torch

from .. import evaluation as E
from .. import methods, paper_tables, viz
from ..data.crops import CropPairs, RandomCropPairs, count_pairs
from ..report import Section, Table
from ..runs import LazyDataset, RunSpec, probe_pair, summary, train
from .config import StudyConfig, substitutes
from .didfuse_claims import CLAIMS, LEDGER  # noqa: F401  (the claims ledger: report.ledger(didfuse))

METRICS = ("EN", "SD", "SF", "VIF", "AG", "SCD")
TRAIN_SETS: tuple[tuple[str, str], ...] = (("didfuse-flir-train", "train"), ("roadscene", "train"))
#: Training data by name: the paper's (FLIR-Train + the RoadScene stand-in for NIR) or FLIR-Train
#: alone (what the released IJCAI code trains on).
TRAIN_DATA = {"paper": TRAIN_SETS, "flir": (("didfuse-flir-train", "train"),)}
VAL_SETS = {"RoadScene-val": ("roadscene", "val")}
TEST_SETS = {"TNO": ("didfuse-tno", "test"), "FLIR": ("didfuse-flir-test", "test"),
             "NIR-Country": ("didfuse-nir-country", "test")}
#: Manifest entries whose checksums go into every DIDFuse report (and that `reproduce` fetches).
DATASETS = ("didfuse-flir-train", "roadscene", "didfuse-tno", "didfuse-flir-test", "didfuse-nir-country",
            "didfuse-ijcai", "ifcnn-max")
SUBSTITUTES = substitutes("didfuse")  # fusionkit/studies/substitutes/didfuse.csv
#: Table III column order and the paper's labels; the paper picks Sal-Att & CAM after Table III.
STRATEGIES = {"weighted": "Ave w/o CAM", "l1_attention": "l1-Att w/o CAM", "saliency": "Sal-Att w/o CAM",
              "weighted+cam": "Ave & CAM", "l1_attention+cam": "l1-Att & CAM", "saliency+cam": "Sal-Att & CAM"}
#: Table IV: experiment number -> (ablation, description).
ABLATIONS = {1: ("no_base", "no base branch (conv3), eq. (26)"),
             2: ("no_detail", "no detail branch (conv4), eq. (27)"),
             3: ("no_decomposition", "no decomposition loss, eq. (28)"),
             4: ("plain_ae", "plain auto-encoder (no conv4, single images), eq. (29)"),
             5: ("no_skip", "no skip connections")}
ABLATION_NAMES = ("none",) + tuple(a for a, _ in ABLATIONS.values())
CLASSICAL = ("avg", "lp", "dwt", "dtcwt", "msvd", "gff", "cbf", "mgff", "adf", "tif", "fpde", "gtf", "vsmwls")


@dataclass(frozen=True)
class Config(StudyConfig):
    """Defaults = the paper (Sec. IV-A): 25 trainings (20 for Fig. 6), 120 epochs, batch 24, 128x128
    crops, Adam 1e-3 /10 every 40 epochs, loss 'paper', Sal-Att & CAM, full sets."""

    runs: int = 25  # trainings averaged in Table III
    ablation_runs: int = 25  # trainings per side of Table IV
    repro_runs: int = 20  # trainings in Fig. 6
    epochs: int = 120
    batch_size: int = 24
    crop: int = 128
    lr: float = 1e-3
    lr_step: int | None = 40
    max_steps_per_epoch: int | None = None
    train_limit: int | None = None  # pairs per training set (None: all)
    random_crops: bool = False  # a new random crop of each pair every epoch (else one centre crop)
    train_data: str = "paper"  # 'paper' (FLIR-Train + RoadScene train) or 'flir' (the released code's)
    variant: str = "paper"  # loss variant: 'paper' or 'released' (fusionkit.losses)
    convention: str = "didfuse"  # metric convention of Tables III-V (SD/SF/AG as the paper's code: docs/metrics.md)
    ijcai_epochs: int = 120  # the ijcai-setup model (loss 'released', FLIR-Train; issue 10 item 2)
    ijcai_lr_step: int | None = 40
    ijcai_limit: int | None = None  # TNO pairs of the trained-vs-released table (None: all 40)
    rule: str = "saliency+cam"
    ablation_rule: str | None = None  # Table IV's rule (None: rule)
    val_limit: int | None = None  # pairs per validation / test set (None: all)
    test_limit: int | None = None
    baselines: tuple[str, ...] = CLASSICAL + ("hybrid_msd",)
    baseline_limit: int | None = None  # pairs per FLIR / NIR set for the classical baselines (TNO: always test_limit)
    figure_pairs: int = 3
    tile: int = 128
    device: str | None = None
    PRESETS: ClassVar = {
        # smoke: the real path in seconds; the cheap weighted+cam rule (saliency costs ~10 s/pair here)
        "smoke": dict(runs=1, ablation_runs=1, repro_runs=1, epochs=1, batch_size=4, crop=32, lr_step=None,
                      ijcai_epochs=1, ijcai_lr_step=None, ijcai_limit=1,
                      max_steps_per_epoch=2, train_limit=4, val_limit=1, test_limit=1, rule="weighted+cam",
                      baselines=("avg",), figure_pairs=1),
        # quick: the CPU schedule chosen by benchmarks/didfuse_schedule.py (reports/quick/didfuse/schedule_search.md):
        # ~1300 steps of batch 8 on fresh random 64x64 crops, bf16, lr /10 for the last third (~18 min per training
        # on 2 cores). The same pixels in ~455 steps of batch 24 left the base-feature gap of eq. (1) 5x larger
        # (the loss's largest term, still falling when the learning rate dropped) and every TNO metric further
        # from the paper's. Every network row on the full sets, the classical baselines on all TNO pairs.
        "quick": dict(runs=1, ablation_runs=3, repro_runs=5, epochs=33, batch_size=8, crop=64, random_crops=True,
                      lr_step=22, ijcai_epochs=60, ijcai_lr_step=40, baseline_limit=10, baselines=CLASSICAL),
    }


config = Config.preset
PRESETS = Config.PRESETS


@dataclass(frozen=True)
class DIDFuseRun(RunSpec):
    """One DIDFuse training (defaults: the paper's schedule) or a Table IV ablation of it."""

    study = "didfuse"
    ablation: str = "none"
    variant: str = "paper"
    epochs: int = 120
    batch_size: int = 24
    crop: int = 128
    lr_step: int | None = 40
    train_limit: int | None = None
    random_crops: bool = False  # False: one centre crop per pair; True: a new random crop every epoch
    train_data: str = "paper"  # a key of TRAIN_DATA

    def __post_init__(self):
        if self.ablation not in ABLATION_NAMES:
            raise ValueError(f"unknown ablation {self.ablation!r}; valid: {', '.join(ABLATION_NAMES)}")
        if self.train_data not in TRAIN_DATA:
            raise ValueError(f"unknown train_data {self.train_data!r}; valid: {', '.join(TRAIN_DATA)}")

    def label(self) -> str:
        return f"{self.ablation}-{self.variant}-seed{self.seed}"

    def net(self) -> tuple[str, dict[str, Any]]:
        branches = {"no_base": "detail", "no_detail": "base", "plain_ae": "base"}.get(self.ablation, "both")
        return "didfuse", {"skip_connections": self.ablation != "no_skip", "branches": branches}

    def loss(self):
        from ..losses import didfuse_training_loss

        return didfuse_training_loss(self.variant, "none" if self.ablation == "no_skip" else self.ablation)

    def dataset(self):
        sets, n = TRAIN_DATA[self.train_data], count_pairs(TRAIN_DATA[self.train_data], self.train_limit)
        if self.random_crops:
            return LazyDataset(lambda: RandomCropPairs(sets, self.crop, self.train_limit, self.seed), n)
        return LazyDataset(lambda: CropPairs(sets, self.crop, self.train_limit), n)

    def probe(self, model: torch.nn.Module) -> torch.Tensor:
        """The zoo's fp16 check: the probe corner fused with the sum rule."""
        from ..fusion_rules import RULES

        with torch.inference_mode():
            return model.cpu().eval().fuse(*probe_pair(), RULES.get("sum"))


def run_spec(cfg: Config, ablation: str = "none", i: int = 0) -> DIDFuseRun:
    """Training ``i`` (seed ``cfg.seed + i``) of ``ablation`` under ``cfg``."""
    return DIDFuseRun.from_config(cfg, ablation=ablation, seed=cfg.seed + i)


def ijcai_spec(cfg: Config) -> DIDFuseRun:
    """The network trained the way the released IJCAI code trains it (loss 'released', FLIR-Train only) at
    ``cfg``'s schedule; compared with the authors' checkpoint."""
    return DIDFuseRun.from_config(cfg, variant="released", train_data="flir", epochs=cfg.ijcai_epochs,
                                  lr_step=cfg.ijcai_lr_step)


def ijcai_paper_spec(cfg: Config) -> DIDFuseRun:
    """The released IJCAI code's own schedule (issue 25): loss 'released', FLIR-Train, 128x128 random crops,
    batch 24, 120 epochs, Adam 1e-3 /10 at epochs 40 and 80, seed ``cfg.seed``; the same at every profile."""
    return DIDFuseRun(seed=cfg.seed, variant="released", train_data="flir", crop=128, batch_size=24, epochs=120,
                      lr=1e-3, lr_step=40, random_crops=True)


def ijcai_center_spec(cfg: Config) -> DIDFuseRun:
    """:func:`ijcai_paper_spec` with the released train.py's crop sampling: one fixed 128x128 centre crop of
    each pair (``transforms.CenterCrop(128)``) instead of a new random crop every epoch (issue 25's
    diagnosis). The released loader's fixed order and partial last batch are not copied (docs/studies/didfuse.md)."""
    return dataclasses.replace(ijcai_paper_spec(cfg), random_crops=False)


#: Trainings of hours, by zoo name, trained only when selected by name (`fusionkit train --select NAME`).
OPT_IN_SPECS = {"ijcai-paper": ijcai_paper_spec, "ijcai-center": ijcai_center_spec}
OPT_IN_GROUPS = tuple(OPT_IN_SPECS)
#: Groups of `fusionkit train --select`; the default selection leaves out OPT_IN_GROUPS.
PLAN_GROUPS = ("ijcai-setup",) + ABLATION_NAMES + OPT_IN_GROUPS


def training_plan(cfg: Config, select: Sequence[str] | None = None) -> dict[str, DIDFuseRun]:
    """Every training the notebooks use, by zoo name, in the order the reports need them: 'table5' (the
    full model of Tables III/V) and 'ijcai-setup' first, then '<ablation>-<i>' (one of each ablation, then
    the further ones; 'none-<i>': further full-model trainings)."""
    select = select or [g for g in PLAN_GROUPS if g not in OPT_IN_GROUPS]
    n = {a: max(cfg.runs, cfg.repro_runs, cfg.ablation_runs) if a == "none" else cfg.ablation_runs
         for a in ABLATION_NAMES if a in select}
    plan = {"table5": run_spec(cfg)} if "none" in n else {}
    plan |= {"ijcai-setup": ijcai_spec(cfg)} if "ijcai-setup" in select else {}
    plan |= {name: spec(cfg) for name, spec in OPT_IN_SPECS.items() if name in select}
    for i in range(max(n.values(), default=0)):
        plan |= {f"{a}-{i}": run_spec(cfg, a, i) for a in n if i < n[a] and (a, i) != ("none", 0)}
    return plan


def training_note(cfg: Config) -> str:
    """How the models behind a table were trained, against the paper's setting."""
    crops = "random crops (new each epoch)" if cfg.random_crops else "centre crops"
    n = count_pairs(TRAIN_DATA[cfg.train_data], cfg.train_limit)
    return (f"Trained here ({cfg.profile} profile): loss '{cfg.variant}', {cfg.crop}x{cfg.crop} {crops}, "
            f"{run_spec(cfg).schedule(n)}; paper: 120 epochs of batch 24 (~1300 steps on its 286 pairs), "
            f"128x128, lr 1e-3 /10 every 40 epochs.")


def fuser(model: torch.nn.Module, rule: str, cfg: Config) -> E.Fuser:
    """``fuse(a, b)`` of a trained model through the fast path (the ``didfuse`` method)."""
    from ..methods.trained import DIDFuseTrained

    return E.method_fuser(DIDFuseTrained.from_model(model, rule=rule, tile=cfg.tile, device=cfg.device))


def _encode(model: torch.nn.Module, a: torch.Tensor, b: torch.Tensor, cfg: Config):
    from ..devices import select_device
    from ..nets.didfuse_fast import FastDIDFuse

    dev = select_device(cfg.device)
    fast = FastDIDFuse(model.to(dev).eval(), tile=cfg.tile)
    return fast, fast.encode(torch.cat([a, b]).to(dev))


# ----------------------------------------------------------------------------- Figs 3-4
def trainings(cfg: Config) -> Section:
    """The full model's ``cfg.runs`` trainings, their summary, and run 0's loss terms per epoch (Fig. 3)."""
    runs = {f"run {i}": train(cfg, run_spec(cfg, "none", i)) for i in range(cfg.runs)}
    h = runs["run 0"].history
    s = summary(runs)
    return Section("DIDFuse trainings and Fig. 3", {
        "data_substitutes": Table(SUBSTITUTES, "DIDFuse data: the paper's sets and ours", False),
        "training_runs": Table(s, "DIDFuse trainings (full model). " + training_note(cfg), False),
        "fig3_loss_log": Table(pd.DataFrame(h), "Loss terms per epoch, run 0", False)},
        {"fig3_loss_curves": viz.loss_terms(h, f"Fig. 3: DIDFuse loss terms per epoch ({cfg.profile} profile)")},
        f"Run 0's total loss went from {h[0]['total']:.3f} to {h[-1]['total']:.3f} in {len(h)} epochs and still fell "
        f"{s['last-third drop %'].iloc[0]:.1f} % over the last third.", data={"runs": runs}, show=("training_runs",))


def decomposition_numbers(models: dict[str, torch.nn.Module], it: dict, cfg: Config, k: int = 8
                          ) -> tuple[pd.DataFrame, tuple[torch.Tensor, torch.Tensor]]:
    """Per model, on pair ``it``: :func:`fusionkit.feature_stats.source_gaps` of its base and detail maps (the
    gaps of eq. (1), correlations, low-frequency shares); and the first model's (B, D) maps."""
    from ..feature_stats import source_gaps

    rows, maps = [], None
    for name, model in models.items():
        with torch.inference_mode():
            _, (_, _, b, d) = _encode(model, it["a"][None], it["b"][None], cfg)
        maps = maps or (b.cpu(), d.cpu())
        rows.append({"model": name, **source_gaps({"B": b.cpu(), "D": d.cpu()}, k)})
    return pd.DataFrame(rows), maps


def fig4(cfg: Config, channel: int = 0, k: int = 8) -> Section:
    """Fig. 4: a TNO pair and channel ``channel`` of B_I, D_I, B_V, D_V (conv3/conv4 outputs), the base maps
    on one grey scale and the detail maps on another; and in numbers (:func:`decomposition_numbers`), for our
    run 0 and the released IJCAI checkpoint."""
    it = E.open_set(*TEST_SETS["TNO"], limit=1)[0]
    t, (b, d) = decomposition_numbers({"ours (run 0)": train(cfg, run_spec(cfg)).model,
                                       "released IJCAI checkpoint": methods.get("didfuse-ijcai").model}, it, cfg, k)
    fig = viz.feature_map_grid([("infrared", it["a"][0]), ("visible", it["b"][0]), ("$B_I$", b[0, channel]),
                                ("$D_I$", d[0, channel]), ("$B_V$", b[1, channel]), ("$D_V$", d[1, channel])],
                               scales=[None, None, "B", "D", "B", "D"],
                               title=f"Fig. 4: base and detail maps (channel {channel}) of TNO {it['name']}, run 0")
    return Section("Fig. 4: deep image decomposition", {"fig4_decomposition": Table(t, (
        f"Fig. 4 in numbers (TNO {it['name']}): the loss's feature gaps (eq. (1)), channel-mean correlation of the "
        f"base and detail maps of the two sources, and the share of spectral energy in the lowest {k}x{k} "
        "frequencies"), False)}, {"fig4_feature_maps": fig},
        f"Ours: corr(B_I, B_V) {t.iloc[0]['corr(B_I, B_V)']:.2f} against corr(D_I, D_V) "
        f"{t.iloc[0]['corr(D_I, D_V)']:.2f} (released checkpoint: {t.iloc[1]['corr(B_I, B_V)']:.2f} and "
        f"{t.iloc[1]['corr(D_I, D_V)']:.2f}).")


# ----------------------------------------------------------------------------- Table III
def table3(cfg: Config) -> Section:
    """Table III: the six strategies (each pair encoded once), mean ± std over ``cfg.runs`` trainings,
    beside the paper's; the best strategy per metric, ours and the paper's."""
    from ..fusion_rules import RULES

    frames = []
    for i in range(cfg.runs):
        model = train(cfg, run_spec(cfg, "none", i)).model
        enc = {}

        def encode(a, b):
            enc["fast"], feats = _encode(model, a, b, cfg)
            return feats

        variants = {r: (lambda f, r=r: enc["fast"].decode(*(enc["fast"].fuse_maps(x[:1], x[1:], RULES.get(r))
                                                             for x in f))) for r in STRATEGIES}
        frames.append(E.score_variants(VAL_SETS, encode, variants, METRICS, cfg.val_limit, cfg.convention,
                                       column="strategy").assign(run=i))
    per_pair = pd.concat(frames, ignore_index=True)
    ds = next(iter(VAL_SETS))
    a = E.mean_std_over_runs(per_pair, ["strategy"], METRICS)
    t = E.pm(a["mean"], a["std"]).T[list(STRATEGIES)].rename(columns=STRATEGIES)
    rep = paper_tables.load("didfuse", 3)
    winners = pd.DataFrame([{"metric": m, f"best (ours, {ds})": STRATEGIES[a["mean"][m].idxmax()],
                             **{f"best (paper, {d})": STRATEGIES.get(b := r.set_index("strategy")["mean"].idxmax(), b)
                                for d, r in rep[rep.metric == m].groupby("dataset", sort=False)}} for m in METRICS])
    reported = paper_tables.pivot("didfuse", 3, ["dataset", "metric"], columns="strategy", values="mean",
                                  order=list(STRATEGIES)).rename(columns=STRATEGIES)
    n, spread = per_pair.pair.nunique(), "mean ± std over trainings" if cfg.runs > 1 else "one training: no spread"
    ours_best = winners[f"best (ours, {ds})"].value_counts()
    rel = (100 * (a["mean"].div(a["mean"].loc["weighted"]) - 1)).drop(index="weighted").T.rename(columns=STRATEGIES)
    fig = viz.grouped_bars(rel.rename_axis(columns="strategy"), title=f"Table III on {ds}: each strategy vs Ave w/o CAM",
                           ylabel="difference from Ave w/o CAM (%)", xlabel="metric")
    return Section("Table III: fusion strategies", {
        "table3": Table(t, f"Table III on {ds} ({n} pairs, {cfg.runs} training(s); {spread}). " + training_note(cfg)),
        "table3_numeric": Table(a["mean"].T[list(STRATEGIES)], f"Table III on {ds}: means"),
        "table3_winners": Table(winners, "Table III: best strategy per metric, ours vs the paper", False),
        "table3_reported": Table(reported, "Table III as reported (means; NIR-Street, NIR-Urban; the paper's order)"),
        "table3_per_pair": Table(per_pair, "Table III: metrics per pair, strategy and training", False)},
        figures={"table3_strategies": fig},
        finding=f"Best strategy on most metrics here: {ours_best.index[0]} ({ours_best.iloc[0]} of {len(METRICS)}); "
                f"the paper: Sal-Att & CAM on all.", show=("table3", "table3_winners"))


# ----------------------------------------------------------------------------- Table IV
def table4(cfg: Config) -> Section:
    """Table IV: each ablation vs the full model (``cfg.ablation_runs`` trainings a side), larger value in
    bold, the 'overall # larger value' row, the counts beside the paper's, and each effect's Welch test."""
    rule = cfg.ablation_rule or cfg.rule
    per_pair = pd.concat([E.score_runs({i: fuser(train(cfg, run_spec(cfg, abl, i)).model, rule, cfg)
                                        for i in range(cfg.ablation_runs)}, VAL_SETS, METRICS, abl, cfg.val_limit,
                                       cfg.convention) for abl in ABLATION_NAMES], ignore_index=True)
    per_pair = per_pair.rename(columns={"method": "ablation"})
    a = per_pair.groupby(["ablation", "run"], sort=False)[list(METRICS)].mean().groupby(level=0, sort=False).mean()
    t4, counts = E.larger_value_table(a, "none", {k: abl for k, (abl, _) in ABLATIONS.items()})
    rep = paper_tables.load("didfuse", 4)
    vs = pd.DataFrame([{"experiment": k, "ablation": desc, "ours: full / ablation wins": "%d/%d" % counts[k],
                        "paper: full / ablation wins": "%d/%d" % E.larger_value_counts(
                            rep[rep.experiment == k].ours, rep[rep.experiment == k].test)}
                       for k, (_, desc) in ABLATIONS.items()])
    reported = rep.assign(ablation=rep.experiment.map({k: a for k, (a, _) in ABLATIONS.items()}))
    effects = E.run_effects(per_pair, "ablation", "none", METRICS,
                            reported.rename(columns={"ours": "reference", "test": "variant"}))
    ds, sig = next(iter(VAL_SETS)), effects[effects["p (Welch)"] < 0.05]
    rel = effects.assign(pct=100 * effects.difference / effects.variant).pivot_table(
        index="metric", columns="ablation", values="pct", sort=False)[[a for a, _ in ABLATIONS.values()]]
    fig = viz.grouped_bars(rel, title=f"Table IV on {ds}: full model vs each ablation ({cfg.ablation_runs} trainings a side)",
                           ylabel="full minus ablation (% of ablation)", xlabel="metric")
    return Section("Table IV: ablations", {
        "table4_effects": Table(effects, (
            f"Table IV, effect of each ablation over independent trainings ({ds}, rule {rule}): full model minus "
            f"ablation (mean over {cfg.ablation_runs} training(s) a side), Welch t-test over the per-training "
            "means, and the direction beside the paper's on NIR-Street/NIR-Urban (+1: the full model larger)."), False),
        "table4": Table(t4, f"Table IV on {ds}: full model (Ours) vs ablation (Test), mean over {cfg.ablation_runs} "
                            f"training(s), rule {rule}. " + training_note(cfg)),
        "table4_vs_paper": Table(vs, "Table IV: overall # larger value, ours vs the paper", False),
        "table4_reported": Table(rep.pivot_table(index=["dataset", "metric"], columns="experiment",
                                                 values=["ours", "test"], sort=False), "Table IV as reported"),
        "table4_per_pair": Table(per_pair, f"Table IV: metrics per pair (rule {rule})", False)},
        figures={"table4_chart": fig},
        finding=f"{len(sig)} of {len(effects)} (ablation, metric) effects reach p < 0.05 over the trainings.",
        show=("table4", "table4_vs_paper", "table4_effects"))


# Table V and Figs 5-6 (notebook 13) live in .didfuse_comparison
from .didfuse_comparison import fig5, fig6, table5  # noqa: E402, F401
# The trained-vs-released comparison (notebook 14) lives in .didfuse_retraining
from .didfuse_retraining import (AUTHORS, IJCAI_TARGET, decomposition_gaps, released_training,  # noqa: E402, F401
                                 seed_spread, trained_vs_released)
