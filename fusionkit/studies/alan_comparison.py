"""ALAN study, Figs 7-11 as measured tables and figures (notebooks 50 and 51; the rest of the study:
:mod:`.alan`). Every function returns a :class:`fusionkit.report.Section`; the table names and columns are
those :mod:`.alan_claims` reads.

The paper prints no number: Fig. 9 is a bar chart of CPBD, JNB, VIF (Han et al.'s VIFF) and AG, Figs 10-11 are
images. Every figure is scored here on the same metrics plus EN, SD and the noise estimate that §4.2's
sentences need, on both test sets (:data:`fusionkit.studies.alan.TEST_SETS`). The full network's scores are
computed once per config and shared by Figs 9, 10 ('learned') and 11 ('full').
"""
from __future__ import annotations

from typing import Callable

import pandas as pd

from .. import evaluation as E
from .. import methods
from ..report import Section, Table
from ..runs import train
from .alan import MAIN, TEST_SETS, Config, run_spec, training_note
from .alan_claims import FIG9, IFCNN, OURS

#: Fig. 9's metrics, then those §4.2's sentences need (EN and AG on multi-focus, SD as contrast, noise)
METRICS = (*FIG9, "EN", "SD", "Noise")
#: The paper's methods we run (Figs 7-9 compare 20; CVT, NSCT, ... are not in fusionkit), by registry name ->
#: label; then our zoo models of the other studies.
BASELINES = {"lp": "LP", "dtcwt": "DTCWT", "cbf": "CBF", "gtf": "GTF", "vsmwls": "WLS", "rp": "RP", "dwt": "Wavelet",
             "msvd": "MSVD", "ifcnn-max": IFCNN, "didfuse": "DIDFuse (ours, zoo)", "jcae": "JCAE (ours, zoo)",
             "aenetv2": "AE-Netv2 (ours, zoo)", "fmmf": "FMMF (ours, zoo)"}
CRITERIA = ("learned", "max", "sum", "mean")  # Fig. 10: (a) ours, (b) max, (c) sum, (d) weighted average
FIG11 = ("single", "single-recon", "focus", "focus-recon", "full", "no-attention")
SPREAD = ("single", MAIN)  # the networks trained cfg.spread_runs times
_SCORES: dict[tuple, tuple[pd.DataFrame, dict]] = {}


def _alan_fuser(cfg: Config, variant: str, i: int = 0, rule: str = "learned") -> E.Fuser:
    from ..methods.trained import ALANTrained

    model = train(cfg, run_spec(cfg, variant, i)).model
    return E.method_fuser(ALANTrained.from_model(model, rule=rule, device=cfg.device))


def _baseline_fuser(cfg: Config, name: str) -> E.Fuser:
    trained = name.startswith("ifcnn") or name in ("didfuse", "jcae", "aenetv2", "fmmf")
    return E.method_fuser(methods.get(name, device=cfg.device) if trained else methods.get(name))


def _scores(cfg: Config, key: tuple, label: str, make: Callable[[], E.Fuser]) -> tuple[pd.DataFrame, dict]:
    """Per-pair scores on both test sets and the kept images of one fuser, computed once per (config, ``key``)
    and relabelled ``label`` (the full network is Fig. 9's ALAN, Fig. 10's 'learned' and Fig. 11's 'full')."""
    memo = (repr(cfg), key)
    if memo not in _SCORES:
        _SCORES[memo] = E.score({"_": make()}, TEST_SETS, METRICS, limit=cfg.test_limit, keep=cfg.figure_pairs,
                                convention=cfg.convention, crop=cfg.test_crop)
    per_pair, kept = _SCORES[memo]
    return per_pair.assign(method=label), {(ds, label): v for (ds, _), v in kept.items()}


def _score_all(cfg: Config, entries: dict[str, tuple[tuple, Callable[[], E.Fuser]]]) -> tuple[pd.DataFrame, dict]:
    frames, kept = [], {}
    for label, (key, make) in entries.items():
        f, k = _scores(cfg, key, label, make)
        frames.append(f)
        kept |= k
    return pd.concat(frames, ignore_index=True), kept


def _what(cfg: Config, per_pair: pd.DataFrame) -> str:
    sets = ", ".join(f"{ds}: {per_pair[per_pair.dataset == ds].pair.nunique()} pairs of {TEST_SETS[ds][0]}"
                     for ds in TEST_SETS)
    crop = "" if cfg.test_crop is None else f", {cfg.test_crop}x{cfg.test_crop} centre crops"
    return f"{sets}{crop}; {cfg.convention} metrics, 8-bit levels"


def _mean_std(per_pair: pd.DataFrame) -> pd.DataFrame:
    g = per_pair.groupby(["dataset", "method"], sort=False)[list(METRICS)]
    return E.pm(g.mean(), g.std(ddof=1), digits=3)


def _grid(kept: dict, cfg: Config, labels: list[str], title: str, sources: bool = True):
    """One column per kept test pair (both sets), one row per image: the sources, then each of ``labels``."""
    from .. import viz

    cols, heads = [], []
    for ds, (name, split) in TEST_SETS.items():
        items = E.open_set(name, split, limit=cfg.figure_pairs, crop=cfg.test_crop)
        for i in range(len(items)):
            it = items[i]
            col = {"source A": E.quantize(it["a"][0]), "source B": E.quantize(it["sources"][-1][0])} if sources else {}
            cols.append(col | {m: kept[(ds, m)][it["name"]] for m in labels})
            heads.append(f"{ds} {it['name']}")
    rows = list(cols[0])
    titles = [[f"{h}: {r}" for h in heads] for r in rows]
    return viz.zoom_grid(cols, rows, titles=titles, title=title)


def fig7_fig8(cfg: Config) -> Section:
    """Figs 7 (ir-vis, TNO) and 8 (multi-focus, Lytro): the sources and every method of Fig. 9 on the first
    ``cfg.figure_pairs`` pairs of each test set (the paper's pairs are not named), two regions enlarged."""
    per_pair, kept = _fig9_scores(cfg)
    labels = list(dict.fromkeys(per_pair.method))
    figs = {}
    for ds, key, n in (("ir-vis", "fig7_irvis", 7), ("multi-focus", "fig8_multifocus", 8)):
        figs[key] = _grid_one(kept, cfg, ds, labels, f"Fig. {n}: {ds}, ALAN and every method run here")
    return Section("Figs 7 and 8: ir-vis and multi-focus images", figures=figs,
                   finding=f"{len(labels)} methods on the first {cfg.figure_pairs} pair(s) of each test set.")


def _grid_one(kept: dict, cfg: Config, ds: str, labels: list[str], title: str):
    from .. import viz

    name, split = TEST_SETS[ds]
    items = E.open_set(name, split, limit=cfg.figure_pairs, crop=cfg.test_crop)
    cols = []
    for i in range(len(items)):
        it = items[i]
        cols.append({"source A": E.quantize(it["a"][0]), "source B": E.quantize(it["sources"][-1][0])}
                    | {m: kept[(ds, m)][it["name"]] for m in labels})
    images = [(f"{ds} {items[j]['name']}: {r}", cols[j][r]) for j in range(len(cols)) for r in cols[j]]
    return viz.wrapped_zoom_grid(images, per_row=min(len(images), 4), title=title)


def _fig9_scores(cfg: Config) -> tuple[pd.DataFrame, dict]:
    entries = {OURS: ((MAIN, 0, "learned"), lambda: _alan_fuser(cfg, MAIN))}
    entries |= {BASELINES[m]: (("baseline", m), lambda m=m: _baseline_fuser(cfg, m))
                for m in BASELINES if m in cfg.baselines}
    return _score_all(cfg, entries)


def fig9(cfg: Config) -> Section:
    """Fig. 9 as a table: mean ± std of CPBD, JNB, VIFF and AG (and EN, SD, noise) per dataset and method,
    the ranked means (best bold), paired t-tests of ALAN against each method, the per-pair scores, and the
    bar chart of Fig. 9's four metrics."""
    from .. import viz

    per_pair, _ = _fig9_scores(cfg)
    c = E.comparison(per_pair, OURS, METRICS)
    what = _what(cfg, per_pair)
    rank = {ds: c["means"].xs(ds)[list(FIG9)].rank(ascending=False).loc[OURS] for ds in TEST_SETS}
    bars = {f"fig9_bars_{k}": viz.grouped_bars(c["means"].xs(ds)[list(FIG9)].T.rename_axis(columns="method"),
                                               f"Fig. 9, {ds}: dataset means ({cfg.profile} profile)",
                                               "metric value (each on its own scale)", "metric")
            for ds, k in (("ir-vis", "irvis"), ("multi-focus", "multifocus"))}
    finding = " ".join(f"{ds}: ALAN ranks " + ", ".join(f"{m} {int(r[m])}" for m in FIG9)
                       + f" of {c['means'].xs(ds).shape[0]}." for ds, r in rank.items())
    return Section("Fig. 9: CPBD, JNB, VIF (VIFF) and AG", {
        "fig9": Table(_mean_std(per_pair), f"Fig. 9 as a table: mean ± std over the pairs ({what}). "
                      + training_note(cfg)),
        "fig9_best": Table(c["best"], f"Fig. 9: dataset means, best bold, second underlined ({what})"),
        "fig9_ttests": Table(c["ttests"], f"Fig. 9: paired t-tests, ALAN minus each method ({what})", False),
        "fig9_per_pair": Table(per_pair, f"Fig. 9: metrics per test pair and method ({what})", False)},
        bars, finding=finding, data={"per_pair": per_pair, "means": c["means"]}, show=("fig9_best",))


def fig10(cfg: Config) -> Section:
    """Fig. 10: the full network with its learned weights and with the fixed criteria max, sum and the 0.5/0.5
    average in their place (applied to the trained network, not retrained: docs/studies/alan.md), scored on
    both test sets, with images of the first pair of each."""
    entries = {r: ((MAIN, 0, r), lambda r=r: _alan_fuser(cfg, MAIN, rule=r)) for r in CRITERIA}
    per_pair, kept = _score_all(cfg, entries)
    c = E.comparison(per_pair, "learned", METRICS)
    what = _what(cfg, per_pair)
    fig = _grid(kept, cfg, list(CRITERIA), "Fig. 10: the fusion criteria on the full network "
                "(learned, max, sum, 0.5/0.5 mean)")
    best = {ds: [m for m in FIG9 if c["means"].xs(ds)[m].idxmax() == "learned"] for ds in TEST_SETS}
    return Section("Fig. 10: fusion criteria", {
        "fig10": Table(_mean_std(per_pair), f"Fig. 10: mean ± std per criterion ({what})"),
        "fig10_best": Table(c["best"], f"Fig. 10: dataset means per criterion, best bold ({what})"),
        "fig10_ttests": Table(c["ttests"], f"Fig. 10: paired t-tests, learned minus each criterion ({what})", False),
        "fig10_per_pair": Table(per_pair, f"Fig. 10: metrics per test pair and criterion ({what})", False)},
        {"fig10_images": fig},
        finding=" ".join(f"{ds}: learned best on {len(v)}/{len(FIG9)} of Fig. 9's metrics"
                         f"{' (' + ', '.join(v) + ')' if v else ''}." for ds, v in best.items()),
        data={"per_pair": per_pair}, show=("fig10_best",))


def fig11(cfg: Config) -> Section:
    """Fig. 11: the five networks (single task; + reconstruction; multi-focus alone; multi-focus +
    reconstruction; the full auxiliary network) and §4.1's no-attention ablation, seed 0, on both test sets;
    every training of 'single' and 'full' (``cfg.spread_runs`` seeds) for the spread of the central claim."""

    entries = {v: ((v, 0, "learned"), lambda v=v: _alan_fuser(cfg, v)) for v in FIG11}
    per_pair, kept = _score_all(cfg, entries)
    c = E.comparison(per_pair, MAIN, METRICS)
    what = _what(cfg, per_pair)
    runs = []
    for v in SPREAD:
        for i in range(cfg.spread_runs):
            f, _ = _scores(cfg, (v, i, "learned"), v, lambda v=v, i=i: _alan_fuser(cfg, v, i))
            m = f.groupby("dataset", sort=False)[list(METRICS)].mean().reset_index()
            runs.append(m.assign(network=v, seed=cfg.seed + i))
    runs = pd.DataFrame(pd.concat(runs, ignore_index=True))[["dataset", "network", "seed", *METRICS]]
    spread = runs.groupby(["dataset", "network"], sort=False)[list(FIG9)].agg(lambda x: x.max() - x.min())
    fig = _grid(kept, cfg, list(FIG11), "Fig. 11: the five networks and the no-attention ablation", sources=False)
    means = c["means"]
    return Section("Fig. 11: auxiliary tasks", {
        "fig11": Table(_mean_std(per_pair), f"Fig. 11: mean ± std per network, seed {cfg.seed} ({what})"),
        "fig11_best": Table(c["best"], f"Fig. 11: dataset means per network, best bold ({what})"),
        "fig11_ttests": Table(c["ttests"], f"Fig. 11: paired t-tests, full minus each network ({what})", False),
        "fig11_per_pair": Table(per_pair, f"Fig. 11: metrics per test pair and network ({what})", False),
        "fig11_runs": Table(runs, f"Fig. 11: dataset means of every training of {' and '.join(SPREAD)} "
                            f"({cfg.spread_runs} seeds each; {what})"),
        "fig11_spread": Table(spread, "Fig. 11: max - min of the dataset means over the trainings (the spread a "
                              "difference between networks must exceed)")},
        {"fig11_images": fig},
        finding=" ".join(f"{ds}: full - single on Fig. 9's metrics: " + ", ".join(
            f"{m} {means.loc[(ds, MAIN), m] - means.loc[(ds, 'single'), m]:+.3g}" for m in FIG9) + "."
            for ds in TEST_SETS), data={"per_pair": per_pair, "runs": runs}, show=("fig11_best", "fig11_runs"))
