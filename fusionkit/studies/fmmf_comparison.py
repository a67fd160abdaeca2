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


def task_table(cfg: Config, n: int, sets: dict[str, tuple] | None = None) -> Section:
    """Table ``n`` (1, 2 or 3): our main model and every method of :data:`TABLES` we can run on the task's test
    set (``sets``: label -> (dataset, split[, pairs]), default the whole set), the paper's rows beside; ours
    vs the paper's 'Ours' row; paired t-tests of ours against each method."""
    task, metrics, runnable = TABLES[n]
    sets = sets or {task: TEST_SETS[task]}
    fusers = {OURS: fuser_of(train(cfg, run_spec(cfg, MAIN)).model, cfg)}
    fusers |= {method_label(m, row): E.method_fuser(methods.get(m, device=cfg.device) if m.startswith("ifcnn")
                                                    else methods.get(m))
               for m, row in runnable.items() if m in cfg.baselines}
    per_pair, kept = E.score(fusers, sets, metrics, limit=cfg.test_limit, keep=cfg.figure_pairs,
                             convention=cfg.convention)
    c = E.comparison(per_pair, OURS, metrics)
    paper = paper_tables.pivot("fmmf", n, "method", order=list(metrics)).astype(float)
    label = next(iter(sets))
    means = c["means"].xs(label)
    key = f"table{n}"
    tables = {
        key: Table(c["best"].xs(label), f"Table {n} ({task}, {per_pair.pair.nunique()} pairs of {sets[label][0]}, "
                                        f"{cfg.convention} convention): every method run here (best bold, second "
                                        f"underlined). " + training_note(cfg)),
        f"{key}_with_reported": Table(pd.concat([means.assign(source="run here"),
                                                 paper.assign(source="reported")]).rename_axis("method"),
                                      f"Table {n}: methods run here and the paper's reported rows", False),
        f"{key}_ours_vs_paper": Table(compare_with_paper(means.loc[[OURS]].rename(index={OURS: "Ours"}),
                                                         paper.loc[["Ours"]]), f"Table {n}: our FMMF vs the paper's "
                                      f"'Ours' row. " + training_note(cfg)),
        f"{key}_ttests": Table(c["ttests"], f"Table {n}: paired t-tests, ours minus each method", False),
        f"{key}_per_pair": Table(per_pair, f"Table {n}: metrics per test pair and method", False)}
    rank = pd.Series({m: means[m].rank(ascending=not higher_is_better(m))[OURS] for m in metrics})
    first = [m for m in metrics if (means[m].idxmax() if higher_is_better(m) else means[m].idxmin()) == OURS]
    return Section(f"Table {n}: {task}", tables, finding=(
        f"Ours first among the {len(means)} methods run here on {len(first)} of {len(metrics)} metrics"
        f"{' (' + ', '.join(first) + ')' if first else ''}; best rank {int(rank.min())}."),
        data={"per_pair": per_pair, "kept": kept, "means": means}, show=(key, f"{key}_ours_vs_paper"))


def table1(cfg: Config) -> Section:
    """Table 1 (ir-vis) on all 40 didfuse-tno pairs, and on the ten that stand for the paper's ten
    (:data:`fusionkit.studies.fmmf.TABLE1_PAIRS`) as ``table1_ten``."""
    from .fmmf import TABLE1_PAIRS

    full = task_table(cfg, 1)
    ten = task_table(cfg, 1, {"ir-vis (10)": (*TEST_SETS["ir-vis"], list(TABLE1_PAIRS))})
    full.tables |= {f"table1_ten{k.removeprefix('table1')}": t for k, t in ten.tables.items()}
    return full


def table2(cfg: Config) -> Section:
    """Table 2: multi-focus, IFCNN's 20 Lytro pairs (the paper's set), without retraining."""
    return task_table(cfg, 2)


def table3(cfg: Config) -> Section:
    """Table 3: medical, IFCNN's 8 CT/MR pairs (the paper's set), without retraining."""
    return task_table(cfg, 3)
