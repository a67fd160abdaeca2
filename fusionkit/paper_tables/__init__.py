"""Numbers reported in the papers, transcribed into CSV files next to this module.

Each file is named ``<paper>_table<N>.csv`` and holds one table in long form. Values are copied
from the paper text in ``../shared/papers`` (DIDFuse: 002_ecde006f96d54dd5.txt, Tables III-V;
JCAE: 001_6362801b0cc60012.txt, Table 1; AE-Netv2: 004_7c5282c5fbda296f.txt, Tables V-VII, '×' where the
paper gives no value; FMMF: 003_c3d5f9f507403807.txt, Tables 1-7, ``mark`` = the text's only bold mark);
they are the *reported* numbers, shown beside ours in every report and never recomputed.
"""
from __future__ import annotations

from importlib import resources

import pandas as pd

SOURCES = {
    "didfuse": "Zhao, Zhang, Xu, Sun, Zhang & Liu, 'When Image Decomposition Meets Deep Learning: A Novel "
               "Infrared and Visible Image Fusion Method' (../shared/papers/002_ecde006f96d54dd5.txt)",
}


def load(paper: str, table: str | int) -> pd.DataFrame:
    """The transcribed table, e.g. ``load("didfuse", 5)`` (Table V, long form)."""
    name = f"{paper}_table{table}.csv"
    path = resources.files(__name__).joinpath(name)
    if not path.is_file():
        have = sorted(p.name for p in resources.files(__name__).iterdir() if p.name.endswith(".csv"))
        raise FileNotFoundError(f"no transcribed table {name}; available: {', '.join(have)}")
    with path.open() as fh:
        return pd.read_csv(fh, keep_default_na=False)


def pivot(paper: str, table: str | int, index: str | list[str], columns: str = "metric", values: str = "value",
          order: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """A transcribed long-form table as rows x columns in the paper's own row and column order (first
    appearance in the file), e.g. ``pivot("didfuse", 5, ["dataset", "method"])``; ``order``: a column order."""
    t = load(paper, table)
    out = t.pivot_table(index=index, columns=columns, values=values, aggfunc="first", sort=False)
    cols = list(order) if order is not None else list(dict.fromkeys(t[columns]))
    out = out[[c for c in cols if c in out.columns]]
    out.columns.name = None
    return out
