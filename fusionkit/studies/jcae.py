"""JCAE study (Zhang et al., ../shared/papers/001_6362801b0cc60012.txt): data roles and substitutes, the
typed config with its presets, the run spec and plan, and one function per table/figure (each returns a
:class:`fusionkit.report.Section`); claims: :mod:`.jcae_claims`. Substitutes: the IFCNN training set (1,400+
grey pairs) is not released, so we train on FLIR-Train + the RoadScene *train* split (never a test set),
resized to 360x280; we test on our 40 TNO pairs (the paper: 48); VGG19 ImageNet weights cannot be downloaded
here: random initialisation by default, ``vgg19=PATH`` loads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

import pandas as pd
import torch

from .. import evaluation as E
from .. import methods, paper_tables, viz
from ..data.crops import RandomCropPairs, count_pairs
from ..report import Section, Table, compare_with_paper
from ..runs import LazyDataset, Run, RunSpec, probe_pair, summary, train
from .config import StudyConfig, substitutes
from .jcae_claims import CLAIMS, LEDGER  # noqa: F401  (the claims ledger: report.ledger(jcae))

METRICS = ("MI", "CC", "Qcv", "SCD", "SSIM")
TRAIN_SETS: tuple[tuple[str, str], ...] = (("didfuse-flir-train", "train"), ("roadscene", "train"))
TEST_SET = ("didfuse-tno", "test")
#: Manifest entries whose checksums go into every JCAE report (and that `reproduce` fetches).
DATASETS = ("didfuse-flir-train", "roadscene", "didfuse-tno", "didfuse-ijcai", "ifcnn-max")
SUBSTITUTES = substitutes("jcae")  # fusionkit/studies/substitutes/jcae.csv
#: The TNO pairs the paper names, found in didfuse-tno by looking at the images (notebooks 20/21 show them):
#: name -> (pair or None, how well it matches the paper's description); fusionkit/studies/substitutes/.
NAMED_PAIRS = {r.name: (r.pair or None, r.match) for r in substitutes("jcae_named_pairs").fillna("").itertuples()}
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
    """Defaults = the paper (Sec. 3.1-3.2): Adam lr 3e-4, grey 360x280, lam 100, eq. 8/9 rules; batch and
    epochs are not given (Fig. 5 converges within 30 epochs): we take batch 8, 50 epochs of whole images."""

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
    PRESETS: ClassVar = {
        "smoke": dict(epochs=1, batch_size=2, resize=(70, 90), crop=32, max_steps_per_epoch=2, train_limit=2,
                      fig5_lams=(1.0, 100.0), rules=("eq8+eq9", "sum"), baselines=("lp",), test_limit=2,
                      figure_pairs=("street", "Fog")),
        # quick: random 64x64 crops of the 360x280 images, batch 8, lr /10 for the last third (docs/studies/jcae.md)
        "quick": dict(epochs=24, batch_size=8, crop=64, lr_step=16),
    }


config = Config.preset
PRESETS = Config.PRESETS


@dataclass(frozen=True)
class JCAERun(RunSpec):
    """One JCAE training (eq. 5 with weight ``lam``; defaults: the paper's setting)."""

    study = "jcae"  # epochs, batch_size, lr, lr_step: RunSpec's fields, set from the config (from_config)
    lam: float = 100.0
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

    def probe(self, model: torch.nn.Module) -> torch.Tensor:
        """The zoo's fp16 check: the probe corner fused with eq. 8/9."""
        from ..fusion_rules import RULES as R

        with torch.inference_mode():
            return model.cpu().eval().fuse(*probe_pair(), R.get("max"), R.get("jcae-common"))


def run_spec(cfg: Config, lam: float | None = None, i: int = 0) -> JCAERun:
    """Training ``i`` (seed ``cfg.seed + i``) with loss weight ``lam`` (default ``cfg.lam``) under ``cfg``."""
    return JCAERun.from_config(cfg, lam=float(cfg.lam if lam is None else lam), seed=cfg.seed + i)


PLAN_GROUPS = ("table1", "lambdas")


def training_plan(cfg: Config, select: Sequence[str] | None = None) -> dict[str, JCAERun]:
    """Every training the notebooks use, by zoo name: the Table 1 model(s) ('table1', 'table1-<i>') first,
    then MSE only (lam 0, Fig. 4) and the Fig. 5 lambdas ('lam<value>')."""
    select = select or PLAN_GROUPS
    plan = {("table1" if i == 0 else f"table1-{i}"): run_spec(cfg, None, i) for i in range(cfg.runs)} \
        if "table1" in select else {}
    if "lambdas" in select:
        plan |= {f"lam{lam:g}": run_spec(cfg, lam) for lam in (0.0, *cfg.fig5_lams) if float(lam) != cfg.lam}
    return plan


def training_note(cfg: Config) -> str:
    """How the models behind a table were trained, against the paper's setting."""
    spec, h, w = run_spec(cfg), *cfg.resize
    what = f"random {cfg.crop}x{cfg.crop} crops (new each epoch)" if cfg.crop else "whole images"
    return (f"Trained here ({cfg.profile} profile): pairs resized to {w}x{h}, {what}, "
            f"{spec.schedule(count_pairs(TRAIN_SETS, cfg.train_limit))}, lam {cfg.lam:g}, "
            f"{f'VGG19 weights from {cfg.vgg19}' if cfg.vgg19 else 'random initialisation (no VGG19 weights)'}; "
            f"paper: 1,400+ IFCNN pairs at 360x280, Adam 3e-4, lam 100, VGG19 init.")


def fuser(model: torch.nn.Module, rule: str, cfg: Config) -> E.Fuser:
    from ..methods.trained import JCAETrained

    return E.method_fuser(JCAETrained.from_model(model, rule=rule, device=cfg.device))


def named_pair(name: str) -> dict:
    pair, note = NAMED_PAIRS[name]  # the TNO pair the paper calls ``name``; an error if we have none
    if pair is None:
        raise ValueError(f"no TNO pair for the paper's {name!r}: {note}")
    return E.open_set(*TEST_SET, pairs=[pair])[0]


# ----------------------------------------------------------------------------- trainings, Figs 4-5
def _runs(cfg: Config) -> dict[float, Run]:  # the Table 1 model, lam 0 and the Fig. 5 lambdas
    return {float(lam): train(cfg, run_spec(cfg, lam)) for lam in dict.fromkeys((cfg.lam, 0.0, *cfg.fig5_lams))}


def trainings(cfg: Config) -> Section:
    """The Table 1 model and the Fig. 4/5 trainings (lam 0 and ``cfg.fig5_lams``): their summary, the
    Table 1 model's loss terms, and Fig. 5 (total loss per epoch for each lam, and relative to epoch 1)."""
    runs = _runs(cfg)
    s = summary({f"lam {k:g}": r for k, r in runs.items()}).assign(initialisation="VGG19" if cfg.vgg19 else "random")
    curves = pd.DataFrame([{"lam": lam, "epoch": h["epoch"], "total": h["total"],
                            "relative to epoch 1": h["total"] / runs[lam].history[0]["total"]}
                           for lam in map(float, cfg.fig5_lams) for h in runs[lam].history])
    main = runs[float(cfg.lam)]
    drop = s["last-third drop %"].max()
    return Section("JCAE trainings and Fig. 5", {
        "data_substitutes": Table(SUBSTITUTES, "JCAE data: the paper's and ours", False),
        "training_runs": Table(s.assign(lam=list(runs)), "JCAE trainings. " + training_note(cfg), False),
        "loss_log": Table(pd.DataFrame(main.history), f"Loss terms per epoch, lam {cfg.lam:g}", False),
        "fig5_curves": Table(curves, "Fig. 5 data: total loss per epoch for each lam", False),
        "named_pairs": Table(substitutes("jcae_named_pairs"), "The TNO images the paper names, found in didfuse-tno "
                                                             "by looking at them (pair: didfuse-tno name)", False)},
        {"loss_terms": viz.loss_terms(main.history, f"JCAE loss terms (lam {cfg.lam:g}, {cfg.profile} profile)"),
         "fig5_lambda": viz.loss_curves({f"λ = {lam:g}": runs[float(lam)].history for lam in cfg.fig5_lams},
                                        title="Fig. 5: total loss (eq. 5) per λ", log=True)},
        f"{len(runs)} trainings; the total loss still fell by up to {drop:.1f} % over the last third of the epochs.",
        data={"runs": runs}, show=("training_runs",))


def fig4(cfg: Config, runs: dict[float, Run] | None = None) -> Section:
    """Fig. 4: street and bunker fused by the MSE-only model (lam 0) and the MSE+SSIM model (lam
    ``cfg.lam``), eq. 8/9 rules; and the two pairs' metrics for both models."""
    runs = runs or _runs(cfg)
    rows, grid, titles = [], [], []
    for name in ("street", "bunker"):
        it = named_pair(name)
        out = {lbl: fuser(runs[lam].model, cfg.rule, cfg)(it["a"][None], it["b"][None])[0, 0]
               for lbl, lam in (("MSE only", 0.0), (f"MSE + {cfg.lam:g}(1-SSIM)", float(cfg.lam)))}
        grid.append([it["a"][0], it["b"][0], *out.values()])
        titles.append([f"{name} infrared", f"{name} visible", *(f"{name}: {k}" for k in out)])
        rows += [{"pair": f"{name} (TNO {it['name']})", "loss": k,
                  **E.pair_metrics(f, it["a"][0], it["b"][0], METRICS)} for k, f in out.items()]
    t = pd.DataFrame(rows)
    d = t.groupby("loss", sort=False)["SSIM"].mean()
    return Section("Fig. 4: MSE only vs MSE + SSIM", {"fig4_metrics": Table(t, "Fig. 4 in numbers (eq. 8/9 rules)",
                                                                              False)},
                   {"fig4_mse_vs_ssim": viz.image_grid(grid, titles, title="Fig. 4: MSE only vs MSE + SSIM")},
                   f"Mean SSIM of the two pairs: {d.iloc[0]:.4f} (MSE only) vs {d.iloc[1]:.4f} (MSE + SSIM).")


# ----------------------------------------------------------------------------- Table 1, rule ablation
def table1(cfg: Config) -> Section:
    """Table 1 on TNO: means, JCAE's paired t-test p against each method, best bold; the paper's rows;
    our JCAE against the paper's 'Proposed' row; the fused images of the paper's named pairs (Figs 7-8)."""
    fusers = {OURS: fuser(train(cfg, run_spec(cfg)).model, cfg.rule, cfg)} | {
        COMPARISON[m][0]: E.method_fuser(methods.get(m, device=cfg.device)) for m in cfg.baselines}
    per_pair, _ = E.score(fusers, {"TNO": TEST_SET}, METRICS, limit=cfg.test_limit)
    c = E.comparison(per_pair, OURS, METRICS)
    means, tests, n = c["means"].xs("TNO"), c["ttests"], per_pair.pair.nunique()
    rep = paper_tables.pivot("jcae", 1, "method", values="mean", order=list(METRICS))
    ours_vs = compare_with_paper(means.loc[[OURS]].rename(index={OURS: "JCAE"}),
                                 rep.loc[["Proposed"]].rename(index={"Proposed": "JCAE"}))
    stand_in = pd.DataFrame([{"ours": lbl, "paper's row": paper or "-", **{
        m: f"{means.loc[lbl, m]:.4f} vs {rep.loc[paper, m]:.4f}" if paper else f"{means.loc[lbl, m]:.4f}"
        for m in METRICS}} for key, (lbl, paper) in COMPARISON.items() if lbl in means.index])
    ranks = means.rank(ascending=False).loc[OURS]
    return Section("Table 1 on TNO", {
        "table1": Table(E.mean_with_p(means, tests), f"Table 1 on TNO ({n} pairs; the paper: 48): mean ± p of the paired "
                                               f"t-test of JCAE against the method (as the paper prints it). "
                                               + training_note(cfg)),
        "table1_best": Table(c["best"].xs("TNO"), "Table 1: means, best bold, second underlined (Qcv: lower is "
                                                  "better)"),
        "table1_reported": Table(rep, "Table 1 as reported (the paper's row and column order)"),
        "table1_ours_vs_paper": Table(ours_vs, "Our JCAE vs the paper's 'Proposed' row. " + training_note(cfg)),
        "table1_methods_vs_paper": Table(stand_in, "Comparison methods run here vs the paper's rows they stand for "
                                                   "(LP for LPSR; the paper's CSR, MFCNN, DeepFuse, FusionGAN and "
                                                   "DenseFuse are not run)", False),
        "table1_ttests": Table(tests, "Paired t-tests, JCAE minus each method (scipy ttest_rel)", False),
        "table1_per_pair": Table(per_pair, "Table 1: metrics per TNO pair and method", False)},
        finding=f"Our JCAE's SSIM ranks {int(ranks['SSIM'])} of {len(means)} methods on {n} TNO pairs (the paper: "
                f"first).",
        data={"per_pair": per_pair, "kept": E.kept_images(fusers, {k: named_pair(k) for k in cfg.figure_pairs})},
        show=("table1", "table1_ours_vs_paper", "table1_methods_vs_paper"))


def metric_scale(cfg: Config) -> Section:
    """Which convention puts Qcv, MI, SSIM on the paper's scale: IFCNN-MAX on TNO, beside the paper's row."""
    t = E.convention_scale(methods.get("ifcnn-max", device=cfg.device), {"TNO": TEST_SET}, METRICS,
                           limit=cfg.test_limit)
    t.loc["paper (IFCNN row)"] = paper_tables.pivot("jcae", 1, "method", values="mean").loc["IFCNN", list(METRICS)]
    q = t["Qcv"]
    return Section("Which convention puts the metrics on the paper's scale", {"metric_scale": Table(
        t, "Metric conventions on IFCNN-MAX, TNO: Table 1 uses 'standard, 8-bit levels' (Qcv on [0, 1] images "
           "would be 255^2 = 65,025 times smaller)")},
        finding=f"Qcv of IFCNN-MAX: {q.iloc[0]:.1f} (standard, 8-bit levels); the paper's IFCNN row: {q.iloc[-1]:.1f}.")


def rule_ablation(cfg: Config) -> Section:
    """Eq. 8/9 (both readings of L^m) against sum / average / max on both feature sets, same trained
    model, TNO, Table 1's metrics, paired t-tests against eq. 8/9; and how often eq. (9) takes its
    weighted branch under each reading."""
    from ..devices import select_device
    from ..fusion_rules import RULES as R
    from ..methods.trained import JCAE_RULES

    model = train(cfg, run_spec(cfg)).model.to(select_device(cfg.device)).eval()
    dev = next(model.parameters()).device
    variants = {r: (lambda f, r=r: model.fuse_features(f, *(R.get(n) for n in JCAE_RULES[r]), f["size"]))
                for r in cfg.rules}

    def encode(a, b):
        return {**model.encode(a.to(dev), b.to(dev)), "size": tuple(a.shape[-2:])}

    per_pair = E.score_variants({"TNO": TEST_SET}, encode, variants, METRICS, limit=cfg.test_limit)
    c = E.comparison(per_pair, cfg.rule, METRICS)
    share = weighted_share(model, cfg)
    return Section("Fusion-rule ablation", {
        "rule_ablation": Table(c["best"].xs("TNO"), f"Fusion-rule ablation on TNO ({per_pair.pair.nunique()} pairs), "
                                                    f"one trained model: best bold. " + training_note(cfg)),
        "rule_ablation_ttests": Table(c["ttests"], f"Paired t-tests, {cfg.rule} minus each rule", False),
        "rule_ablation_weighted_share": Table(share, "Eq. (9): fraction (0-1) of the common feature maps that take "
                                                     "the weighted branch (L^m >= T), per reading of L^m", False),
        "rule_ablation_per_pair": Table(per_pair, "Rule ablation: metrics per TNO pair and rule", False)},
        finding=f"Eq. (9) takes its weighted branch on {100 * share.iloc[-1, 1]:.0f} % of the common maps under "
                f"the count reading and {100 * share.iloc[-1, 2]:.1f} % under the sum reading.")


def weighted_share(model: torch.nn.Module, cfg: Config) -> pd.DataFrame:
    """Per TNO pair (and the mean), the fraction of common maps with L^m >= T under each reading of L^m."""
    from ..fusion_rules import weighted_branch_share

    ds, rows = E.open_set(*TEST_SET, limit=cfg.test_limit), []
    for i in range(len(ds)):
        with torch.inference_mode():
            f = model.cpu().eval().encode(ds[i]["a"][None], ds[i]["b"][None])
        rows.append({"pair": ds[i]["name"], **{f"{r} reading": weighted_branch_share(f["common_a"], f["common_b"], r)
                                               for r in ("count", "sum")}})
    df = pd.DataFrame(rows)
    return pd.concat([df, df.drop(columns="pair").mean().to_frame().T.assign(pair="mean")], ignore_index=True)


# ----------------------------------------------------------------------------- Figs 6-8
def fig6(cfg: Config) -> Section:
    """Fig. 6: one channel of the private and common features of 'street' and their fused maps (eq. 8,
    eq. 9). The channel shown: the one whose weaker source map varies most, so that both sources show
    structure on the shared grey scale (the paper does not say which channel it shows)."""
    from ..feature_stats import most_active_shared_channel
    from ..fusion_rules import jcae_common

    it = named_pair("street")
    model = train(cfg, run_spec(cfg)).model.cpu().eval()
    with torch.inference_mode():
        f = model.encode(it["a"][None], it["b"][None])
        fp = torch.maximum(f["private_a"], f["private_b"])
        fc = jcae_common(f["common_a"], f["common_b"], "count")

    (kp, np_), (kc, nc) = (most_active_shared_channel(f["private_a"], f["private_b"]),
                           most_active_shared_channel(f["common_a"], f["common_b"]))
    panels = [("(a) infrared", it["a"][0]), ("(b) visible", it["b"][0]),
              (f"(c) private IR #{kp}", f["private_a"][0, kp]), (f"(d) private VIS #{kp}", f["private_b"][0, kp]),
              ("(e) fused, eq. 8", fp[0, kp]), (f"(f) common IR #{kc}", f["common_a"][0, kc]),
              (f"(g) common VIS #{kc}", f["common_b"][0, kc]), ("(h) fused, eq. 9", fc[0, kc])]
    fig = viz.feature_map_grid(panels, scales=[None, None, "p", "p", "p", "c", "c", "c"], title="Fig. 6: 'street'")
    return Section("Fig. 6: private and common features of 'street'", figures={"fig6_features": fig},
        finding=f"{np_} of {fp.shape[1]} private and {nc} of {fc.shape[1]} common channels are active in both "
                f"sources; channels {kp} and {kc} are shown.")


def fig7(t1: Section, per_row: int = 5) -> Section:
    """Fig. 7: 'street', sources and every method (``per_row`` a row, as the paper's (a)-(j)), two boxed
    regions enlarged (:data:`STREET_BOXES`)."""
    return Section("Fig. 7: 'street' by every method", figures={"fig7_street": viz.wrapped_zoom_grid(
        list(t1.data["kept"]["street"].items()), per_row, STREET_BOXES, title="Fig. 7: 'street' (TNO "
        f"{NAMED_PAIRS['street'][0]}, our stand-in) by every method")}, finding="Boxes: street lamp (red), road (green).")


def fig8(t1: Section, cfg: Config) -> Section:
    kept = t1.data["kept"]  # Fig. 8: the other named pairs (columns) by every method (rows)
    names = [n for n in cfg.figure_pairs if n != "street" and n in kept]
    rows = list(next(iter(kept.values())))
    grid = [[kept[n][r] / 255.0 for n in names] for r in rows]
    titles = [[f"{n} (TNO {NAMED_PAIRS[n][0]})" if i == 0 else "" for n in names] for i in range(len(rows))]
    fig = viz.image_grid(grid, titles, row_labels=rows, cell=2.0, title="Fig. 8: the paper's other named pairs")
    return Section("Fig. 8: the other named pairs", figures={"fig8_pairs": fig},
                   finding=f"{len(names)} of the paper's 7 pairs (Boat is not among our TNO pairs).")
