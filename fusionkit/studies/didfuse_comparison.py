"""DIDFuse study, notebook 13: Table V and Figs 5-6 (the rest of the study: :mod:`.didfuse`,
:mod:`.didfuse_retraining`). Every function returns a :class:`fusionkit.report.Section`."""
from __future__ import annotations

import pandas as pd
import torch

from .. import evaluation as E
from .. import methods, paper_tables, viz
from ..report import Section, Table, compare_with_paper
from ..runs import train
from .didfuse import METRICS, TEST_SETS, Config, fuser, run_spec, training_note


def comparison_fusers(cfg: Config, model: torch.nn.Module) -> dict[str, E.Fuser]:
    """Table V's networks: our DIDFuse (rule ``cfg.rule``), the released DIDFuse IJCAI and IFCNN-MAX."""
    return {"DIDFuse (ours)": fuser(model, cfg.rule, cfg),
            "DIDFuse-IJCAI (released)": E.method_fuser(methods.get("didfuse-ijcai", device=cfg.device)),
            "IFCNN-MAX (released)": E.method_fuser(methods.get("ifcnn-max", device=cfg.device))}


def table5(cfg: Config) -> Section:
    """Table V: every method on the test sets, ranked on the pairs all of them were run on (best bold,
    second underlined); the paper's rows beside; ours vs the paper's DIDFuse row; paired t-tests of our
    DIDFuse against every other method. The classical baselines run on every TNO pair and on the first
    ``cfg.baseline_limit`` pairs of the other sets."""
    nets, kept = E.score(comparison_fusers(cfg, train(cfg, run_spec(cfg)).model), TEST_SETS, METRICS,
                         limit=cfg.test_limit, keep=1, convention=cfg.convention)
    frames = [nets]
    for part, limit in ((dict(list(TEST_SETS.items())[:1]), cfg.test_limit),
                        (dict(list(TEST_SETS.items())[1:]), min(x for x in (cfg.baseline_limit, cfg.test_limit, 10**9)
                                                               if x is not None))):
        df, k = E.score({m: E.method_fuser(methods.get(m)) for m in cfg.baselines}, part, METRICS, limit=limit,
                        keep=1, convention=cfg.convention)
        frames.append(df)
        kept |= k
    per_pair = pd.concat(frames, ignore_index=True)
    c, same = E.comparison(per_pair, "DIDFuse (ours)", METRICS), E.comparison(E.on_common_pairs(per_pair),
                                                                            "DIDFuse (ours)", METRICS)
    rep = paper_tables.pivot("didfuse", 5, ["dataset", "method"], order=list(METRICS))
    ours = c["means"].xs("DIDFuse (ours)", level="method")
    npairs = E.on_common_pairs(per_pair).groupby("dataset", sort=False).pair.nunique()
    tables = {f"table5_{ds.lower().replace('-', '_')}": Table(same["best"].xs(ds), (
        f"Table V, {ds}: every method on the {npairs[ds]} pairs all of them were run on (best bold, second "
        f"underlined; the networks on all pairs: table5_numeric). " + training_note(cfg))) for ds in TEST_SETS}
    both = pd.concat([c["means"].reset_index().assign(source="run here"), rep.reset_index().assign(source="reported")])
    rank = same["means"].rank(ascending=False).xs("DIDFuse (ours)", level="method")
    return Section("Table V: comparison on the test sets", tables | {
        "table5_numeric": Table(c["means"].join(c["pairs"]), "Table V: mean per test set and method, and the pairs "
                                                            "each was scored on"),
        "table5_with_reported": Table(both[["dataset", "source", "method", *METRICS]], "Table V: methods run here "
                                      "(all their pairs) and the paper's reported rows", False),
        "table5_didfuse_vs_paper": Table(compare_with_paper(ours, rep.xs("DIDFuse", level="method").reindex(ours.index)),
                                         "Our trained DIDFuse vs the paper's DIDFuse row. " + training_note(cfg)),
        "table5_ttests": Table(c["ttests"], "Paired t-tests, our DIDFuse minus each method, per test set (pairs both "
                                            "methods were run on)", False),
        "table5_per_pair": Table(per_pair, "Table V: metrics per test pair and method", False)},
        finding="Best rank of our DIDFuse per set (same pairs): " + ", ".join(
            f"{ds} {int(rank.loc[ds].min())} of {per_pair[per_pair.dataset == ds].method.nunique()}" for ds in TEST_SETS)
        + " (the paper: first on almost all metrics).", data={"per_pair": per_pair, "kept": kept, "means": c["means"]},
        show=tuple(tables) + ("table5_didfuse_vs_paper",))


def fig5(t5: Section, cfg: Config) -> Section:
    """Fig. 5: one pair per test set, sources and methods, two boxes enlarged."""
    show = ["DIDFuse (ours)", "DIDFuse-IJCAI (released)", "IFCNN-MAX (released)"] + \
        [m for m in ("gff", "mgff", "tif") if m in cfg.baselines]
    cols = []
    for label, spec in list(TEST_SETS.items())[:max(1, cfg.figure_pairs)]:
        it = E.open_set(*spec, limit=1)[0]
        cols.append({"infrared": it["a"][0].numpy(), "visible": it["b"][0].numpy()}
                    | {m: t5.data["kept"][(label, m)][it["name"]] for m in show})
    return Section("Fig. 5: qualitative comparison", figures={"fig5_qualitative": viz.zoom_grid(
        cols, ["infrared", "visible"] + show, title="Fig. 5: the first pair of each test set (boxes enlarged)")},
        finding=f"{len(cols)} pair(s), {len(show)} methods.")


def fig6(cfg: Config, t5: Section) -> Section:
    """Fig. 6: our DIDFuse over ``cfg.repro_runs`` trainings (all test pairs) against the best and second-best
    compared method among those scored on the same pairs."""
    per_pair = t5.data["per_pair"]
    ours = E.score_runs({i: fuser(train(cfg, run_spec(cfg, "none", i)).model, cfg.rule, cfg)
                         for i in range(1, cfg.repro_runs)}, TEST_SETS, METRICS, "DIDFuse (ours)", cfg.test_limit,
                        cfg.convention)
    runs = pd.concat([per_pair[per_pair.method == "DIDFuse (ours)"].assign(run=0), ours])
    per_run = runs.groupby(["dataset", "run"], sort=False)[list(METRICS)].mean().reset_index()
    precision = {int(i): train(cfg, run_spec(cfg, "none", int(i))).meta.get("precision") for i in per_run.run.unique()}
    per_run.insert(2, "training precision", per_run.run.map(precision))
    pairs = t5.data["means"].join(per_pair.groupby(["dataset", "method"]).pair.nunique())
    full = pairs.groupby(level=0).pair.transform("max") == pairs.pair
    ref = pairs[full].drop(index="DIDFuse (ours)", level="method")[list(METRICS)]
    fig = viz.per_training_figure(per_run, ref, METRICS, label="DIDFuse (ours)", title="Fig. 6: our DIDFuse over "
                                  "independent trainings", note="compared methods: those scored on every pair of the "
                                  "set (the classical baselines only on TNO when they ran on 10 FLIR/NIR pairs)")
    best = ref.groupby(level=0).max()
    first = sum(int((per_run[per_run.dataset == ds][m] > best.loc[ds, m]).sum()) for ds in best.index for m in METRICS)
    return Section("Fig. 6: reproducibility", {"fig6_per_run": Table(
        per_run, f"Fig. 6 data: our DIDFuse over {cfg.repro_runs} training(s). " + training_note(cfg), False)},
        {"fig6_reproducibility": fig}, f"Ours above the best method scored on the same pairs in {first} of "
                                       f"{len(per_run) * len(METRICS)} (training, set, metric) cells.")
