"""AE-Netv2 study, notebook 31: Tables V-VII, Figs 4-5 and 10 (the rest of the study: :mod:`.aenetv2`).
Every function returns a :class:`fusionkit.report.Section`."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from .. import evaluation as E
from .. import methods, paper_tables, viz
from ..checkpoints import CheckpointError
from ..report import Section, Table
from ..runs import Run, train
from .aenetv2 import ARCHITECTURES, METRICS, TABLE5_ROWS, Config, run_spec, task_sets, training_note


def _number(text: str) -> float:
    """A transcribed cell as a number ('0.32(170)' -> 0.32; '×' or empty -> NaN)."""
    try:
        return float(str(text).split("(")[0])
    except ValueError:
        return float("nan")


def fuser(model: torch.nn.Module, cfg: Config) -> E.Fuser:
    from ..methods.trained import AENetTrained

    return E.method_fuser(AENetTrained.from_model(model, device=cfg.device))


def test_sets(cfg: Config, tasks: Sequence[str] | None = None) -> dict[str, tuple]:
    """label -> test set, over ``tasks`` (default ``cfg.tasks``; labels 'task/dataset')."""
    return {f"{task}/{s[0]}": s for task in tasks or cfg.tasks for s in task_sets(task, "test")}


def test_scores(fusers: dict[str, E.Fuser], cfg: Config, tasks: Sequence[str] | None = None) -> pd.DataFrame:
    """Table VII's metrics for every fuser on every test pair, with a ``task`` column."""
    df, _ = E.score(fusers, test_sets(cfg, tasks), METRICS, limit=cfg.test_limit)
    df.insert(0, "task", df.dataset.str.split("/").str[0])
    return df


def task_means(per_pair: pd.DataFrame, column: str = "method") -> pd.DataFrame:
    """Mean per (``column``, task) over the task's pairs, then the mean over tasks (the paper's average)."""
    return per_pair.groupby([column, "task"], sort=False)[list(METRICS)].mean().groupby(level=0, sort=False).mean()


def trained_nets(cfg: Config) -> dict[str, Run]:
    """The mixture trainings of ``cfg.nets`` (zoo, run cache or trained)."""
    return {n: train(cfg, run_spec(cfg, n)) for n in cfg.nets}


def complexity_rows(size: int = 400) -> pd.DataFrame:
    """Measured parameters and MACs at ``size`` x ``size`` (fusionkit.complexity) of every network of the
    study and of the other studies (IFCNN, DIDFuse with the sum rule, JCAE with eq. 8/9)."""
    from ..complexity import complexity
    from ..fusion_rules import RULES
    from ..nets import build

    grey = torch.rand(1, 1, size, size)
    rgb = grey.expand(1, 3, size, size)
    rows = [complexity(n, build(n), (grey, grey)).row() for n in ARCHITECTURES]
    rows.append(complexity("ifcnn", build("ifcnn"), (rgb, rgb)).row())
    rows.append(complexity("didfuse", build("didfuse"), (grey, grey),
                           call=lambda m, a, b: m.fuse(a, b, RULES.get("sum"))).row())
    rows.append(complexity("jcae", build("jcae"), (grey, grey),
                           call=lambda m, a, b: m.fuse(a, b, RULES.get("max"), RULES.get("jcae-common"))).row())
    return pd.DataFrame(rows).set_index("name")


def table6(cfg: Config) -> Section:
    """Table VI: FLOPs and parameters at ``cfg.time_size`` (the paper: 400x400), measured, beside the paper's
    (its 'Flops' for its own networks are parameters x pixels; ours: true MACs and 2 x MACs, and that convention)."""
    ours = complexity_rows(cfg.time_size)
    paper = paper_tables.load("aenetv2", 6).set_index("network")
    names = {"ifcnn": "IFCNN", "aenetv2-gcb": "AE-Netv2", "aenetv2-regular": "AE-Netv2+", "aenetv2-pp": "AE-Netv2++"}
    t = ours[["parameters", "macs", "flops", "paper_flops", "size_mb"]].copy()
    t["paper: parameters"] = pd.array([paper.parameters.get(names.get(n)) for n in t.index], dtype="Int64")
    t["paper: Flops"] = pd.array([paper.flops.get(names.get(n)) for n in t.index], dtype="Int64")
    t["parameters vs paper %"] = 100 * (t.parameters / t["paper: parameters"] - 1)
    same = int((t["parameters vs paper %"].dropna() == 0).sum())
    return Section("Table VI: parameters and FLOPs", {"table6": Table(t, (
        f"Table VI at {cfg.time_size}x{cfg.time_size}, measured (torch.utils.flop_counter): MACs, FLOPs = 2 x MACs, "
        "and the paper's convention 'parameters x pixels' (paper_flops); the paper's columns where it has the "
        "network (U2Fusion and AE-Net are not implemented here)"))},
        finding=f"Parameter counts equal the paper's for {same} of {int(t['paper: parameters'].notna().sum())} "
                f"networks it lists.")


def timing_pairs(cfg: Config, n: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``n + 1`` grey ``time_size``-square pairs: the TNO test pairs resized, repeated as needed."""
    from ..data import FusionDataset
    from ..data.transforms import Resize

    ds = FusionDataset("didfuse-tno", "test", mode="gray", transform=Resize((cfg.time_size, cfg.time_size)))
    items = [ds[i % len(ds)] for i in range(min(n + 1, len(ds)))]
    return [(items[i % len(items)]["a"][None], items[i % len(items)]["b"][None]) for i in range(n + 1)]


def table5(cfg: Config, trained: dict[str, Run] | None = None) -> Section:
    """Table V: ms per ``time_size``-square grey pair for every method we have (classical, released, trained
    here) on this machine, and model size, beside the paper's time and size."""
    import time

    from ..complexity import state_dict_bytes
    from ..methods.trained import AENetTrained
    from ..timing import time_per_item

    trained = trained_nets(cfg) if trained is None else trained
    dev = torch.device(cfg.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    sync = torch.cuda.synchronize if dev.type == "cuda" else None
    import os

    pairs = timing_pairs(cfg, cfg.time_pairs)
    load = f"{torch.get_num_threads()} torch thread(s), 1-min load average {os.getloadavg()[0]:.1f} at the start"
    fusers: dict[str, tuple[Any, torch.nn.Module | None]] = {}
    others = cfg.time_methods if cfg.time_methods is not None else methods.names()
    untrained = []  # trained-here methods whose zoo model is not committed yet: named in the caption
    for name in (n for n in others if not n.startswith("aenetv2")):  # ours: the models of this run
        try:
            m = methods.get(name, device=cfg.device)
        except CheckpointError:
            if cfg.time_methods is not None:  # asked for by name: an error
                raise
            untrained.append(name)
            continue
        fusers[name] = (m, getattr(m, "model", None))
    for net, run in trained.items():
        fusers[net] = (AENetTrained.from_model(run.model, device=cfg.device), run.model)
    paper = paper_tables.load("aenetv2", 5).set_index("method")
    rows = []
    for name, (m, model) in fusers.items():
        t0 = time.perf_counter()
        m.fuse_batch(*pairs[0])
        slow = time.perf_counter() - t0 > 1.0
        n = cfg.time_pairs_slow if slow else cfg.time_pairs
        tm = time_per_item(m.fuse_batch, pairs[:n + 1], sync)
        ref = TABLE5_ROWS.get(name)
        rows.append({"method": name, **tm, "model size MB (fp32)": state_dict_bytes(model) / 1e6 if model else np.nan,
                     "paper's row": ref or "-",
                     "paper: time ms": 1000 * float(paper.time_s[ref]) if ref and paper.time_s[ref] != "×" else np.nan,
                     "paper: size MB": _number(paper.model_size_mb[ref]) if ref else np.nan})
    df = pd.DataFrame(rows).set_index("method")
    ours = df.loc[[n for n in trained if n in df.index], "median ms"]
    return Section("Table V: time per pair", {"table5": Table(df, (
                     f"Table V on {dev.type} ({load}): ms per {cfg.time_size}x{cfg.time_size} grey pair (first pair excluded, "
                     f"saving excluded; methods slower than 1 s: {cfg.time_pairs_slow} pairs, else {cfg.time_pairs}); "
                     f"model size of the fp32 state dict. The paper: RTX 2070 / its CPU, 300 pairs; its AE-Netv2 sizes "
                     f"are ~12 bytes per parameter (e.g. 0.069 MB for 5,378), IFCNN's 0.32 MB is 4 bytes per parameter"
                     + (f"; not timed (no zoo model yet): {', '.join(untrained)}" if untrained else "")))},
        finding=f"Our networks: {ours.min():.1f}-{ours.max():.1f} ms per pair on {dev.type} (the paper: 9.7-12.8 ms on "
                f"an RTX 2070); {int((df['median ms'] < ours.min()).sum())} other methods are faster here.",
        data={"times": df})


def table7(cfg: Config, trained: dict[str, Run] | None = None, times: pd.DataFrame | None = None) -> Section:
    """Table VII: every trained architecture x Combined, NIQE, SSIM, EN, PSNR, Brenner, VIFF averaged over the
    tasks (mean of the task means), time and size; beside the paper's; per task and per pair."""
    from ..complexity import parameter_count, state_dict_bytes

    trained = trained_nets(cfg) if trained is None else trained
    per_pair = test_scores({n: fuser(r.model, cfg) for n, r in trained.items()}, cfg)
    t = task_means(per_pair)
    t["parameters"] = [parameter_count(trained[n].model) for n in t.index]
    t["size MB (fp32)"] = [state_dict_bytes(trained[n].model) / 1e6 for n in t.index]
    if times is not None:
        t["time ms"] = [times.loc[n, "median ms"] if n in times.index else np.nan for n in t.index]
    paper = paper_tables.pivot("aenetv2", 7, "architecture")
    paper.index = paper.index.map({v: k for k, v in ARCHITECTURES.items()})
    by_task = per_pair.groupby(["task", "method"], sort=False)[list(METRICS)].mean().reset_index()
    best = t["Combined"].idxmax()
    return Section("Table VII: architectures", {
        "table7": Table(t, f"Table VII: mean over the tasks ({', '.join(cfg.tasks)}) of each task's mean on its "
                           f"test pairs. PSNR and NIQE are raw (the paper normalises PSNR and 1/NIQE without saying "
                           f"how). " + training_note(cfg)),
        "table7_reported": Table(paper, "Table VII as reported (its PSNR and NIQE rows are normalised)"),
        "table7_per_task": Table(by_task, "Table VII's metrics per task and architecture (means over the task's test "
                                          "pairs)", False),
        "table7_per_pair": Table(per_pair, "Table VII: metrics per test pair", False)},
        finding=f"Highest Combined: {ARCHITECTURES.get(best, best)} ({t.loc[best, 'Combined']:.3f}); the paper: "
                f"Squeeze2+GCB (1.67, normalised).", data={"table7": t}, show=("table7", "table7_reported"))


def fig_tasks(cfg: Config, trained: dict[str, Run] | None = None) -> Section:
    """Figs 4-5: the first test pair of each task, fused by our networks and ``cfg.figure_methods``."""
    trained = trained_nets(cfg) if trained is None else trained
    fusers = {n: fuser(r.model, cfg) for n, r in trained.items()}
    fusers |= {m: E.method_fuser(methods.get(m, device=cfg.device)) for m in cfg.figure_methods}
    grid, titles = [], []
    for task in cfg.tasks:
        it = E.open_set(*task_sets(task, "test")[0], limit=1)[0]
        a, b = it["a"][None], it["sources"][-1][None]
        grid.append([a[0, 0], b[0, 0], *(f(a, b)[0, 0] for f in fusers.values())])
        titles.append([f"{task}: a", "b", *fusers])
    return Section("Figs 4-5: one test pair per task", figures={"fig4_5_tasks": viz.image_grid(
        grid, titles, cell=1.8, title="Figs 4-5: the first test pair of each task, by our networks and three methods")},
        finding=f"{len(cfg.tasks)} tasks x {len(fusers)} fusers.")


def fig10(t7: Section) -> Section:
    """Fig. 10: quality (Combined) against time, bubble area proportional to the model's parameters."""
    t = t7.data["table7"].rename(index=lambda n: ARCHITECTURES.get(n, n))
    fig = viz.bubble_chart(t, "Combined", "time ms" if "time ms" in t else "parameters", "parameters",
                           title="Fig. 10: quality, time and size (bubble area: parameters)",
                           xlabel="Combined (mean over tasks, unitless)", ylabel="ms per 400x400 pair (this machine)",
                           size_label="parameters")
    return Section("Fig. 10: quality, time and size", figures={"fig10_quality_time_size": fig},
                   finding=f"{len(t)} architectures.")
