"""Table helpers: summaries, paired t-tests (JCAE reports significance this way), ranks."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


def _higher_is_better(name: str) -> bool:
    from .registry import REGISTRY

    return REGISTRY[name].higher_is_better if name in REGISTRY else True


def summarize(values: pd.DataFrame) -> pd.DataFrame:
    """Per-metric mean and sample std (ddof=1) of a per-image table (one column per metric)."""
    num = values.select_dtypes("number")
    return pd.DataFrame({"mean": num.mean(), "std": num.std(ddof=1), "n": num.count()})


def paired_ttest(x: Sequence[float], y: Sequence[float], alternative: str = "two-sided") -> dict[str, float]:
    """Paired-sample t-test of per-image values x vs y (scipy.stats.ttest_rel).

    Returns t, p, the mean difference x - y, its sample std and n. ``alternative``: 'two-sided',
    'greater' (x > y) or 'less'.
    """
    from scipy import stats

    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"paired_ttest: x and y must be 1-D of equal length, got {x.shape} and {y.shape}")
    if len(x) < 2:
        raise ValueError("paired_ttest: need at least 2 pairs")
    res = stats.ttest_rel(x, y, alternative=alternative)
    d = x - y
    return {"t": float(res.statistic), "p": float(res.pvalue), "mean_diff": float(d.mean()),
            "std_diff": float(d.std(ddof=1)), "n": int(len(x))}


def rank_table(table: pd.DataFrame, directions: dict[str, bool] | None = None) -> pd.DataFrame:
    """Rank the rows (methods) in every column (metric): 1 = best, using each metric's direction."""
    ranks = {}
    for c in table.columns:
        hib = (directions or {}).get(c, _higher_is_better(c))
        ranks[c] = pd.to_numeric(table[c], errors="coerce").rank(ascending=not hib, method="min")
    return pd.DataFrame(ranks, index=table.index)


def best_in_column(table: pd.DataFrame, directions: dict[str, bool] | None = None,
                   fmt: str = "{:.3f}") -> pd.DataFrame:
    """Formatted copy with the best value of each column in **bold** and the second best _underlined_."""
    ranks = rank_table(table, directions)
    out = table.copy().astype(object)
    for c in table.columns:
        for i in table.index:
            v = table.loc[i, c]
            s = fmt.format(v) if isinstance(v, (int, float, np.floating)) and np.isfinite(v) else str(v)
            r = ranks.loc[i, c]
            out.loc[i, c] = f"**{s}**" if r == 1 else (f"_{s}_" if r == 2 else s)
    return out
