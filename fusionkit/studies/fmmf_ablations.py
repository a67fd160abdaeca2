"""FMMF study, notebook 40: Tables 4-7, the ablation chain (network, loss criterion, fusion, depth), each
variant trained here and scored on the ir-vis test set with Table 1's metrics, beside the paper's rows and
against the spread between two trainings of the main model (the rest of the study: :mod:`.fmmf`)."""
from __future__ import annotations

import pandas as pd

from .. import evaluation as E
from .. import paper_tables
from ..report import Section, Table
from ..report.ledger import higher_is_better
from ..runs import summary, train
from .fmmf import (MAIN, PAPER_ROWS, TEST_SETS, Config, fuser_of, precision_note, run_spec, training_note,
                   training_plan)

METRICS = ("EI", "CE", "SF", "EN", "Qabf", "MS_SSIM", "SD", "VIF")
#: Table -> (what it varies, the variants in the paper's row order)
ABLATIONS = {4: ("network", ("vifnet", "concat-mean")), 5: ("loss criterion", ("concat-mean", "concat")),
             6: ("fusion", ("add", "concat", MAIN)), 7: ("depth", (MAIN, "depth4", "depth5"))}
#: The paper's row names of Table 5 (the others: PAPER_ROWS)
TABLE5_ROWS = {"concat-mean": "Ours(Mean)", "concat": "Ours(Var)"}
TABLE7_ROWS = {MAIN: "3-layers", "depth4": "4-layers", "depth5": "5-layers"}


def paper_row(table: int, variant: str) -> str:
    if table == 5:
        return TABLE5_ROWS[variant]
    if table == 7:
        return TABLE7_ROWS[variant]
    return PAPER_ROWS[variant]


def score_variants(cfg: Config) -> pd.DataFrame:
    """Every training of the plan (the variants and the main model's further seeds) on the ir-vis test set,
    Table 1's metrics: the per-pair frame (``method`` = the zoo name)."""
    fusers = {name: fuser_of(train(cfg, spec).model, cfg) for name, spec in training_plan(cfg).items()}
    task = "ir-vis"
    return E.score(fusers, {task: TEST_SETS[task]}, METRICS, limit=cfg.test_limit, convention=cfg.convention,
                   crop=cfg.test_crop)[0]


def seed_spread(per_pair: pd.DataFrame) -> pd.Series | None:
    """Per metric, the absolute difference between the means of the main model's first two trainings
    ('mapping', 'mapping-1'): what one retraining moves a mean by; None with one training."""
    means = per_pair.groupby("method")[list(METRICS)].mean()
    if f"{MAIN}-1" not in means.index:
        return None
    return (means.loc[MAIN] - means.loc[f"{MAIN}-1"]).abs()


def ablation_table(cfg: Config, n: int, per_pair: pd.DataFrame) -> Section:
    """Table ``n`` (4-7): the variants' means beside the paper's rows; for each variant after the first its
    difference to the previous row (ours and the paper's), the paired t-test over pairs, and whether our
    difference exceeds the seed-to-seed spread of the main model."""
    what, variants = ABLATIONS[n]
    present = [v for v in variants if v in set(per_pair.method)]
    if len(present) < 2:
        from ..report import not_run

        return not_run(f"Table {n}: {what}", f"table{n}", f"variants {variants} not all in cfg.variants at the "
                       f"{cfg.profile} profile")
    sub = per_pair[per_pair.method.isin(present)]
    means = sub.groupby("method", sort=False)[list(METRICS)].mean().loc[present]
    paper = paper_tables.pivot("fmmf", n, "method", order=list(METRICS)).astype(float)
    spread = seed_spread(per_pair)
    rows = []
    for prev, cur in zip(present, present[1:]):
        t = E.paired_tests(sub[sub.method.isin([cur, prev])], cur, METRICS, by="dataset")
        for m in METRICS:
            d, pd_ = means.loc[cur, m] - means.loc[prev, m], paper.loc[paper_row(n, cur), m] - paper.loc[paper_row(n, prev), m]
            p = float(t[t.metric == m].p.iloc[0])
            rows.append({"comparison": f"{cur} - {prev}", "paper rows": f"{paper_row(n, cur)} - {paper_row(n, prev)}",
                         "metric": m, "ours": d, "paper": pd_, "p (paired, pairs)": p,
                         "same sign as the paper": bool((d > 0) == (pd_ > 0)),
                         "better (metric's direction)": bool((d > 0) == higher_is_better(m)),
                         "seed spread": float(spread[m]) if spread is not None else float("nan"),
                         "beyond the spread": bool(abs(d) > spread[m]) if spread is not None else None})
    diffs = pd.DataFrame(rows)
    both = pd.concat([means.rename(index=lambda v: f"{v} (ours)"),
                      paper.loc[[paper_row(n, v) for v in present]].rename(index=lambda r: f"{r} (paper)")])
    agree = int(diffs["same sign as the paper"].sum())
    real = int(diffs["beyond the spread"].fillna(False).astype(bool).sum()) if spread is not None else None
    return Section(f"Table {n}: {what}", {
        f"table{n}": Table(both, f"Table {n} ({what}): our variants (ir-vis, {sub.pair.nunique()} pairs of "
                                 f"{TEST_SETS['ir-vis'][0]}, {cfg.convention} convention) and the paper's rows. "
                                 + training_note(cfg)),
        f"table{n}_differences": Table(diffs, f"Table {n}: each variant minus the previous row, ours and the paper's; "
                                              "paired t-test over pairs; the main model's seed-to-seed difference "
                                              f"({MAIN} vs {MAIN}-1) as the spread", False)},
        finding=(f"Our differences have the paper's sign in {agree} of {len(diffs)} (comparison, metric) cells"
                 + (f"; {real} exceed the seed-to-seed spread." if real is not None else "; no second seed trained.")),
        data={"means": means, "differences": diffs})


def ablation_scores(cfg: Config) -> Section:
    """Every training of the plan scored once (:func:`score_variants`): the per-pair table the claims of
    Tables 4-7 are decided on, and the main model's trainings side by side (the yardstick of the tables)."""
    per_pair = score_variants(cfg)
    runs = [m for m in per_pair.method.unique() if m == MAIN or m.startswith(f"{MAIN}-")]
    means = per_pair[per_pair.method.isin(runs)].groupby("method", sort=False)[list(METRICS)].mean()
    spread = seed_spread(per_pair)
    spec = run_spec(cfg)
    precisions = precision_note(summary({n: train(cfg, sp) for n, sp in training_plan(cfg).items()}))
    return Section("Tables 4-7: the variants scored", {
        "ablations_per_pair": Table(per_pair, "Every variant's metrics per ir-vis test pair (method = zoo name). "
                                              + training_note(cfg), False),
        "seed_spread": Table(means, f"The main model ({MAIN}) trained with seeds {spec.seed}.."
                                    f"{spec.seed + len(runs) - 1}: means on the ir-vis test set")},
        finding=(f"{per_pair.method.nunique()} trainings scored on {per_pair.pair.nunique()} pairs; "
                 + ("the main model's two seeds differ by " + ", ".join(f"{m} {spread[m]:.3g}" for m in METRICS)
                    if spread is not None else "one training of the main model (no spread)") + "." + precisions),
        data={"per_pair": per_pair})


def tables4_to_7(cfg: Config) -> dict[int, Section]:
    """Tables 4-7 from one scoring of every training (0: :func:`ablation_scores`)."""
    scores = ablation_scores(cfg)
    return {0: scores} | {n: ablation_table(cfg, n, scores.data["per_pair"]) for n in ABLATIONS}
