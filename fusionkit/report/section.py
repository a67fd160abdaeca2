"""The one result type of every study table/figure function: a :class:`Section`.

A section holds named tables (:class:`~fusionkit.report.tables.Table`), named matplotlib figures, a
one-sentence finding computed from the numbers, and ``data``: objects later sections reuse (per-pair
frames, kept fused images, trained runs) that are never written. A notebook cell is
``report.add(study.table4(cfg))``: the report writes every table and figure under the names the
package chose, and the returned section shows itself inline in JupyterLab (finding, tables, figures).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from .tables import Table


@dataclass
class Section:
    """Named tables and figures of one paper table or figure, and the finding they support."""

    title: str
    tables: dict[str, Table] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    finding: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    show: tuple[str, ...] | None = None  # tables shown inline (None: every table not ending in '_per_pair')

    def __post_init__(self) -> None:
        self.tables = {k: v if isinstance(v, Table) else Table(v) for k, v in self.tables.items()}

    def __getitem__(self, name: str) -> Table:
        """A table by name (figures are in :attr:`figures`)."""
        if name not in self.tables:
            raise KeyError(f"section {self.title!r} has no table {name!r}; it has: {', '.join(self.tables)}")
        return self.tables[name]

    def shown(self) -> list[str]:
        return list(self.show) if self.show is not None else [k for k in self.tables if not k.endswith("_per_pair")]

    def __add__(self, other: "Section") -> "Section":
        """Both sections' tables, figures and data; the findings joined."""
        return Section(self.title, {**self.tables, **other.tables}, {**self.figures, **other.figures},
                       " ".join(s for s in (self.finding, other.finding) if s), {**self.data, **other.data},
                       None if self.show is None and other.show is None else tuple(self.shown() + other.shown()))

    def _ipython_display_(self) -> None:  # pragma: no cover - exercised in executed notebooks
        import matplotlib.pyplot as plt
        from IPython.display import Markdown, display

        display(Markdown(f"**{self.title}**" + (f" — {self.finding}" if self.finding else "")))
        for name in self.shown():
            t = self.tables[name]
            display(Markdown(f"`{name}`: {t.caption}" if t.caption else f"`{name}`"))
            display(t.df if t.index else t.df.style.hide(axis="index"))
        from IPython.display import Image

        for fig in self.figures.values():
            display(Image(data=inline_png(fig)))
            plt.close(fig)  # shown once: the inline backend would show it again at the end of the cell

    def _repr_markdown_(self) -> str:
        parts = [f"**{self.title}**" + (f" — {self.finding}" if self.finding else "")]
        for name in self.shown():
            t = self.tables[name]
            parts.append(f"`{name}`: {t.caption}\n\n" + t.df.to_markdown(index=t.index))
        parts += [f"(figure `{n}`)" for n in self.figures]
        return "\n\n".join(parts)


def not_run(title: str, name: str, reason: str) -> Section:
    """A section saying that an experiment was not run at this profile, and why (a one-row table)."""
    return Section(title, {name: Table(pd.DataFrame([{"not run": reason}]), f"{title}: not run", False)},
                   finding=f"Not run: {reason}")


def sections(*parts: Section | Mapping[str, Table]) -> Section:
    """One section from several (for a notebook cell that shows a few tables at once)."""
    out = Section(parts[0].title if isinstance(parts[0], Section) else "")
    for p in parts:
        out = out + (p if isinstance(p, Section) else Section(out.title, dict(p)))
    return out


#: the longer side, in pixels, of a figure shown inline (the report folder keeps the full-resolution PNG)
INLINE_MAX_PX = 1100


def inline_png(fig, max_px: int = INLINE_MAX_PX) -> bytes:
    """``fig`` as PNG bytes for a notebook output, at the figure's own dpi, lowered so that neither side
    exceeds ``max_px``. Image grids (Figs 3-9 of FMMF) at full dpi made one notebook 4 MB."""
    import io

    w, h = fig.get_size_inches()
    dpi = min(float(fig.dpi), max_px / max(w, h))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()
