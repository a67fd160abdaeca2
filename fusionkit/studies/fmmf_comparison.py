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


def score_task(cfg: Config, n: int) -> tuple[pd.DataFrame, dict]:
    """Our main model and every method of :data:`TABLES` [n] that ``cfg.baselines`` lists, on the whole test
    set of Table ``n``'s task: (per-pair frame, kept images)."""
    task, metrics, runnable = TABLES[n]
    fusers = {OURS: fuser_of(train(cfg, run_spec(cfg, MAIN)).model, cfg)}
    fusers |= {method_label(m, row): E.method_fuser(methods.get(m, device=cfg.device) if m.startswith("ifcnn")
                                                    else methods.get(m))
               for m, row in runnable.items() if m in cfg.baselines}
    return E.score(fusers, {task: TEST_SETS[task]}, metrics, limit=cfg.test_limit, keep=cfg.figure_pairs,
                   convention=cfg.convention)


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
                                      f"{note}: methods run here and the paper's reported rows", False),
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
