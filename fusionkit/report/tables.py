"""The table type study functions return, and the paper-beside-ours comparison."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


def compare_with_paper(ours: pd.DataFrame, paper: pd.DataFrame, ours_label: str = "ours",
                       paper_label: str = "paper") -> pd.DataFrame:
    """Put the paper's reported numbers beside ours, column by column, with the difference.

    Both frames are indexed by row (e.g. method) with one column per quantity (e.g. metric).
    For each quantity the result has ``<q> (ours)``, ``<q> (paper)``, ``<q> (Δ)`` = ours − paper and
    ``<q> (Δ %)`` = 100 (ours / paper − 1), in the paper's row and column order (the paper's rows first,
    then ours it lacks). Rows present in only one frame keep NaN on the other side.
    """
    rows = list(dict.fromkeys(list(paper.index) + list(ours.index)))
    cols = list(dict.fromkeys(list(paper.columns) + list(ours.columns)))
    o = ours.reindex(index=rows, columns=cols)
    p = paper.reindex(index=rows, columns=cols)
    parts = {}
    for c in cols:
        parts[f"{c} ({ours_label})"] = o[c]
        parts[f"{c} ({paper_label})"] = p[c]
        on, pn = pd.to_numeric(o[c], errors="coerce"), pd.to_numeric(p[c], errors="coerce")
        parts[f"{c} (Δ)"] = on - pn
        parts[f"{c} (Δ %)"] = 100 * (on / pn.where(pn != 0) - 1)
    out = pd.DataFrame(parts, index=rows)
    out.index.name = ours.index.name or paper.index.name
    return out


@dataclass
class Table:
    """A table a study function returns: the frame, its caption, and whether its index is data."""

    df: pd.DataFrame
    caption: str = ""
    index: bool = True

    def _repr_html_(self) -> str:  # shown inline when a notebook cell ends with it
        return self.df._repr_html_()
