"""FMMF study, notebook 41: Tables 1-3, every method we can run beside the paper's rows, on the three tasks
(ir-vis, multi-focus, medical) with the one model trained on ir-vis pairs (the rest of the study:
:mod:`.fmmf`). Every function returns a :class:`fusionkit.report.Section`."""
from __future__ import annotations

import pandas as pd

from .. import evaluation as E
from .. import methods, paper_tables
from ..report import Section, Table, compare_with_paper
from ..report.ledger import higher_is_better
from ..runs import train
from .fmmf import MAIN, TEST_SETS, Config, fuser_of, run_spec, training_note

OURS = "FMMF (ours)"
#: Per table: its task, metrics (the paper's columns) and the methods we run -> the paper's row each stands for
#: (None: not in the paper's table; our other studies' models and the released IFCNN variants not listed there).
TABLES = {
    1: ("ir-vis", ("EI", "CE", "SF", "EN", "Qabf", "MS_SSIM", "SD", "VIF"),
        {"rp": "RP", "dwt": "Wavelet", "dtcwt": "DTCWT", "msvd": "MSVD", "gtf": "GTF", "ifcnn-max": "IFCNN",
         "didfuse": None, "jcae": None, "aenetv2": None}),
    2: ("multi-focus", ("EI", "SF", "EN", "SCD", "MI", "SD", "VIF"),
        {"cbf": "CBF", "mgff": "MGFF", "ifcnn-mean": "IFCNN(mean)", "ifcnn-max": "IFCNN(max)",
         "ifcnn-sum": "IFCNN(sum)"}),
    3: ("medical", ("EI", "SF", "EN", "Qabf", "SCD", "MS_SSIM", "MI", "SD", "VIF"),
        {"cbf": "CBF", "dtcwt": "DTCWT", "gtf": "GTF", "msvd": "MSVD", "ifcnn-max": "IFCNN(max)",
         "ifcnn-mean": "IFCNN(mean)", "ifcnn-sum": "IFCNN(sum)"}),
}


def method_label(name: str, paper_row: str | None) -> str:
    """A row label: the paper's name when the method stands for a row of it, else the registry name."""
    released = " (released)" if name.startswith("ifcnn") else ""
    ours = " (ours, zoo)" if name in ("didfuse", "jcae", "aenetv2") else ""
    return f"{paper_row or name}{released}{ours}"


def table_fusers(cfg: Config, n: int, paper_rows_only: bool = False) -> dict[str, E.Fuser]:
    """Our main model and the methods of :data:`TABLES` [n] that ``cfg.baselines`` lists (``paper_rows_only``:
    only those standing for a row of the paper's table), by row label."""
    fusers = {OURS: fuser_of(train(cfg, run_spec(cfg, MAIN)).model, cfg)}
    return fusers | {method_label(m, row): E.method_fuser(methods.get(m, device=cfg.device) if m.startswith("ifcnn")
                                                          else methods.get(m))
                     for m, row in TABLES[n][2].items() if m in cfg.baselines and (row or not paper_rows_only)}


def score_task(cfg: Config, n: int) -> tuple[pd.DataFrame, dict]:
    """Our main model and every method of :data:`TABLES` [n] that ``cfg.baselines`` lists, on the whole test
    set of Table ``n``'s task: (per-pair frame, kept images)."""
    task, metrics, _ = TABLES[n]
    fusers = table_fusers(cfg, n)
    return E.score(fusers, {task: TEST_SETS[task]}, metrics, limit=cfg.test_limit, keep=cfg.figure_pairs,
                   convention=cfg.convention, crop=cfg.test_crop)


def task_tables(cfg: Config, n: int, per_pair: pd.DataFrame, key: str, what: str) -> tuple[dict, pd.DataFrame]:
    """Table ``n``'s tables (named ``key``...) from a per-pair frame of ``what`` (e.g. '40 pairs of didfuse-tno'):
    the ranked table (best bold, second underlined), ours and the paper's reported rows, ours vs the paper's
    'Ours' row, paired t-tests of ours against each method, the per-pair scores; and the means."""
    task, metrics, _ = TABLES[n]
    c = E.comparison(per_pair.assign(dataset=task), OURS, metrics)
    paper = paper_tables.pivot("fmmf", n, "method", order=list(metrics)).astype(float)
    means = c["means"].xs(task)
    note = f"Table {n} ({task}, {what}, {cfg.convention} convention)"
    return {
        key: Table(c["best"].xs(task), f"{note}: every method run here (best bold, second underlined). "
                   + training_note(cfg)),
        f"{key}_with_reported": Table(pd.concat([means.assign(source="run here"),
                                                 paper.assign(source="reported")]).rename_axis("method"),
                                      f"{note}: methods run here and the paper's reported rows"),
        f"{key}_ours_vs_paper": Table(compare_with_paper(means.loc[[OURS]].rename(index={OURS: "Ours"}),
                                                         paper.loc[["Ours"]]),
                                      f"{note}: our FMMF vs the paper's 'Ours' row. " + training_note(cfg)),
        f"{key}_ttests": Table(c["ttests"], f"{note}: paired t-tests, ours minus each method", False),
        f"{key}_per_pair": Table(per_pair, f"{note}: metrics per test pair and method", False)}, means


def _finding(means: pd.DataFrame, metrics: tuple[str, ...]) -> str:
    first = [m for m in metrics if (means[m].idxmax() if higher_is_better(m) else means[m].idxmin()) == OURS]
    rank = pd.Series({m: means[m].rank(ascending=not higher_is_better(m))[OURS] for m in metrics})
    return (f"Ours first among the {len(means)} methods run here on {len(first)} of {len(metrics)} metrics"
            f"{' (' + ', '.join(first) + ')' if first else ''}; best rank {int(rank.min())}.")


def task_table(cfg: Config, n: int) -> Section:
    """Table ``n`` (1, 2 or 3) on the task's whole test set (:func:`score_task`, :func:`task_tables`)."""
    task, metrics, _ = TABLES[n]
    per_pair, kept = score_task(cfg, n)
    tables, means = task_tables(cfg, n, per_pair, f"table{n}",
                                f"{per_pair.pair.nunique()} pairs of {TEST_SETS[task][0]}")
    return Section(f"Table {n}: {task}", tables, finding=_finding(means, metrics),
                   data={"per_pair": per_pair, "kept": kept, "means": means},
                   show=(f"table{n}", f"table{n}_ours_vs_paper"))


def table1(cfg: Config) -> Section:
    """Table 1 (ir-vis) on all 40 didfuse-tno pairs, and (``table1_ten``...) on the ten that stand for the
    paper's ten (:data:`fusionkit.studies.fmmf.TABLE1_PAIRS`), from the same scores."""
    from .fmmf import TABLE1_PAIRS

    full = task_table(cfg, 1)
    per_pair = full.data["per_pair"]
    ten = per_pair[per_pair.pair.isin(TABLE1_PAIRS)]
    tables, means = task_tables(cfg, 1, ten, "table1_ten", f"{ten.pair.nunique()} of the ten pairs "
                                f"{', '.join(TABLE1_PAIRS)} of didfuse-tno that stand for the paper's ten")
    full.tables |= tables
    full.data["means_ten"] = means
    full.finding += f" On the ten pairs: {_finding(means, TABLES[1][1])}"
    return full


def table2(cfg: Config) -> Section:
    """Table 2: multi-focus, IFCNN's 20 Lytro pairs (the paper's set), without retraining."""
    return task_table(cfg, 2)


def table3(cfg: Config) -> Section:
    """Table 3: medical, IFCNN's 8 CT/MR pairs (the paper's set), without retraining."""
    return task_table(cfg, 3)


#: The released IFCNN variants (same weights, same images as the paper's rows) and the tables that print them.
IFCNN_ROWS = {"ifcnn-max": "IFCNN(max)", "ifcnn-mean": "IFCNN(mean)", "ifcnn-sum": "IFCNN(sum)"}
#: How IFCNN's own code fuses each table's images, which the paper's IFCNN rows presumably followed: the Lytro
#: pairs in colour (then scored grey, MATLAB rgb2gray), the CT/MR pairs grey. Table 2 is also scored from grey inputs.
IFCNN_INPUTS = {2: ("colour", "grey"), 3: ("grey",)}


def metric_conventions(cfg: Config, conventions: tuple[str, ...] = ("standard", "fmmf")) -> Section:
    """The metric-convention check (issue 26): the released IFCNN max / mean / sum on the very test sets of
    Tables 2 (Lytro) and 3 (medical), scored in each of ``conventions``, beside the paper's IFCNN rows. The
    same weights on the same images leave only the metric definitions and the images' colour handling
    (:data:`IFCNN_INPUTS`; the first of each table is IFCNN's own) to explain a difference;
    docs/studies/fmmf.md#metric-conventions reads the result."""
    rows = []
    for n, inputs in IFCNN_INPUTS.items():
        task, metrics, _ = TABLES[n]
        paper = paper_tables.pivot("fmmf", n, "method").astype(float)
        for how in inputs:
            for m, label in IFCNN_ROWS.items():
                t = E.convention_scale(methods.get(m, device=cfg.device), {task: TEST_SETS[task]}, metrics,
                                       conventions, limit=cfg.test_limit, crop=cfg.test_crop, colour=how == "colour")
                for metric in metrics:
                    row = {"table": n, "task": task, "inputs": how, "IFCNN's own": how == inputs[0], "method": label,
                           "metric": metric, "paper": paper.at[label, metric]}
                    for c in conventions:
                        v = t.at[f"{c}, 8-bit levels", metric]
                        row[c] = v
                        row[f"{c} Δ %"] = 100 * (v / row["paper"] - 1)
                    rows.append(row)
    df = pd.DataFrame(rows)
    gaps = df.groupby(["table", "inputs", "metric"], sort=False)[[f"{c} Δ %" for c in conventions]].agg(
        lambda x: x.abs().mean()).rename(columns=lambda c: c.replace("Δ %", "mean |Δ %|"))
    own = df[df["IFCNN's own"]].groupby(["table", "metric"], sort=False)[f"{conventions[-1]} Δ %"].agg(
        lambda x: x.abs().mean())
    near = [f"{m} (T{t})" for (t, m), v in own.items() if v < 1]
    closer = gaps.idxmin(axis=1).str.replace(" mean |Δ %|", "", regex=False)
    gaps = gaps.assign(closer=closer.where(gaps.max(axis=1) - gaps.min(axis=1) > 1e-9, "same"))
    pairs = "all pairs" if cfg.test_limit is None else f"{cfg.test_limit} pairs"
    note = (f"released IFCNN weights on the paper's images ({pairs}"
            f"{'' if cfg.test_crop is None else f', {cfg.test_crop}x{cfg.test_crop} centre crops'})")
    return Section("Metric conventions: which definitions reproduce the paper's IFCNN rows", {
        "conventions_gaps": Table(gaps, f"Mean |difference| (%) from the paper's three IFCNN rows per table, "
                                  f"inputs and metric, per convention ({note})"),
        "conventions_rows": Table(df, f"Each IFCNN row and metric: the paper's value, ours in each convention and "
                                  f"the difference ({note})", False)},
        finding=(f"With IFCNN's own inputs, within 1 % of the paper in the {conventions[-1]} convention (mean over "
                 f"the three rows): {len(near)} of {len(own)} (table, metric) cells: {', '.join(near) or 'none'}."),
        data={"gaps": gaps, "rows": df}, show=("conventions_gaps",))


#: The paper's figures on our closest pairs (found by looking at all 40 TNO pairs; docs/studies/fmmf.md): label ->
#: (dataset, split, pair, the two boxes as (top, left, height, width) fractions and colour).
FIGURE_PAIRS = {
    "Fig. 3 'human' (TNO 38)": ("didfuse-tno", "test", "38", ((0.55, 0.30, 0.25, 0.14, "red"),
                                                             (0.05, 0.62, 0.30, 0.25, "blue"))),
    "Fig. 5 'human and tree' (TNO 1)": ("didfuse-tno", "test", "1", ((0.48, 0.16, 0.30, 0.12, "red"),
                                                                      (0.02, 0.02, 0.30, 0.30, "blue"))),
}


SOURCE_NAMES = {"ir-vis": {}, "multi-focus": {"infrared": "source A", "visible": "source B"},
                "medical": {"infrared": "CT", "visible": "MR"}}


def _figure(cfg: Config, n: int, items: dict, boxes: list, title: str) -> object:
    from .. import viz

    fusers = table_fusers(cfg, n, paper_rows_only=True)
    sources = SOURCE_NAMES[TABLES[n][0]]
    cols = [{sources.get(k, k): v for k, v in col.items()} for col in E.kept_images(fusers, items).values()]
    return viz.zoom_grid(cols, list(cols[0]), boxes=boxes, title=title)


def fig3_fig5(cfg: Config) -> Section:
    """Figs 3 and 5: the ir-vis pairs the text discusses, on our closest TNO pairs (:data:`FIGURE_PAIRS`), the
    sources and every method of Table 1 we run, the boxed regions enlarged."""
    items = {label: E.open_set(ds, split, pairs=[p], crop=cfg.test_crop)[0] for label, (ds, split, p, _) in FIGURE_PAIRS.items()}
    fig = _figure(cfg, 1, items, [b for *_, b in FIGURE_PAIRS.values()],
                  "Figs 3 and 5 on our closest TNO pairs (red: the infrared human; blue: visible detail)")
    return Section("Figs 3 and 5: ir-vis", figures={"fig3_fig5_irvis": fig},
                   finding=f"{len(items)} pairs: " + ", ".join(items) + ".")


def fig6_fig8(cfg: Config) -> Section:
    """Fig. 6 (multi-focus, the first Lytro pair) and Fig. 8 (medical, the first CT/MR pair): sources and the
    methods of Tables 2 and 3 we run, two regions enlarged (default boxes)."""
    figs = {}
    for n, key in ((2, "fig6_multi_focus"), (3, "fig8_medical")):
        task = TABLES[n][0]
        it = E.open_set(*TEST_SETS[task], limit=1, crop=cfg.test_crop)[0]
        it["b"] = it["sources"][-1]
        figs[key] = _figure(cfg, n, {it["name"]: it}, None, f"Fig. {6 if n == 2 else 8}: {task}, pair {it['name']} "
                            "(boxes enlarged)")
    return Section("Figs 6 and 8: multi-focus and medical", figures=figs, finding="The first pair of each set.")


def fig_sources(cfg: Config) -> Section:
    """Figs 4, 7 and 9: four source pairs of each task (first row: one source; second row: the other)."""
    from .. import viz

    figs = {}
    for task, key in (("ir-vis", "fig4_sources"), ("multi-focus", "fig7_sources"), ("medical", "fig9_sources")):
        ds = E.open_set(*TEST_SETS[task], limit=4, crop=cfg.test_crop)
        items = [ds[i] for i in range(len(ds))]
        rows = [[it["a"][0].numpy() for it in items], [it["sources"][-1][0].numpy() for it in items]]
        figs[key] = viz.image_grid(rows, [[it["name"] for it in items]] * 2,
                                   title=f"{task}: source pairs (top: first source, bottom: second)")
    return Section("Figs 4, 7, 9: source examples", figures=figs, finding="Four pairs of each test set.")


def fig_maps(cfg: Config, pair: str = "38") -> Section:
    """Beyond the paper: what the mapping fusion module attends. For TNO ``pair``, per scale, the channel mean
    of Map_X (infrared) and Map_Y (visible) of our main model, each pair of panels on one grey scale."""
    import torch

    from .. import viz

    model = train(cfg, run_spec(cfg, MAIN)).model.cpu().eval()
    it = E.open_set(*TEST_SETS["ir-vis"], pairs=[pair], crop=cfg.test_crop)[0]
    maps_x, maps_y = model.maps(it["a"][None], it["b"][None])
    panels, scales, rows = [("infrared", it["a"][0].numpy()), ("visible", it["b"][0].numpy())], [None, None], []
    for s, (mx, my) in enumerate(zip(maps_x, maps_y)):
        ax, ay = (m[0].mean(0).float().numpy() for m in (mx, my))
        panels += [(f"Map_X, scale 1/{2 ** s}", ax), (f"Map_Y, scale 1/{2 ** s}", ay)]
        scales += [f"s{s}", f"s{s}"]
        rows.append({"scale": f"1/{2 ** s}", "Map_X mean": float(ax.mean()), "Map_Y mean": float(ay.mean()),
                     "Map_X std": float(ax.std()), "Map_Y std": float(ay.std()),
                     "corr(Map_X, Map_Y)": float(torch.corrcoef(torch.stack([mx.flatten(), my.flatten()]))[0, 1])})
    fig = viz.feature_map_grid(panels, scales=scales, title=f"FMMF mapping module on TNO {pair}: channel means of "
                                                            "Map_X and Map_Y per scale (each scale on one grey scale)")
    return Section("The mapping module's maps", {"fig_maps_stats": Table(pd.DataFrame(rows), f"Map_X and Map_Y of "
                   f"the main model on TNO {pair}: channel-mean statistics per scale")}, {"fig_maps": fig},
                   finding=f"{len(rows)} scales on TNO {pair}.")
