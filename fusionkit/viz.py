"""Figures shared by the studies: image grids, zoomed qualitative grids, per-training plots,
feature-map grids, loss curves, bubble charts and the smoke-profile note. Each returns a matplotlib
Figure (pyplot, so a notebook shows it inline; the package never picks a backend).

Conventions: a figure has a title, labelled axes (with units where there are any) and at most one
legend; a blank grid cell is ``None`` (left empty, never drawn as a black image)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TASK_ROLES = {
    "ir-vis": ("infrared (a)", "visible (b)"),
    "multi-focus": ("near focus (a)", "far focus (b)"),
    "medical": ("source a", "source b"),
    "multi-exposure": ("first exposure (a)", "last exposure"),
}


def _to_hwc(t) -> np.ndarray:
    a = t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)
    if a.ndim == 3 and a.shape[0] in (1, 3):
        a = np.moveaxis(a, 0, -1)
    return a[..., 0] if a.ndim == 3 and a.shape[-1] == 1 else a


def _suptitle(fig: Figure, title: str | None) -> None:
    if title:
        fig.suptitle(title, fontsize=10)


def image_grid(rows: Sequence[Sequence[Any]], titles: Sequence[Sequence[str]] | None = None,
               row_labels: Sequence[str] | None = None, cell: float = 2.6, title: str | None = None) -> Figure:
    """A grid of images (tensors C x H x W or arrays on [0, 1]), grey shown with a grey colour map.

    A ``None`` cell (and the cells past a short row's end) is left blank: axis off, no image, no title.
    ``title``: the figure's title (suptitle)."""
    import matplotlib.pyplot as plt

    nr, nc = len(rows), max(len(r) for r in rows)
    fig, axes = plt.subplots(nr, nc, figsize=(cell * nc, cell * nr), squeeze=False)
    for i, r in enumerate(rows):
        for j in range(nc):
            ax = axes[i][j]
            ax.axis("off")
            if j < len(r) and r[j] is not None:
                img = np.clip(_to_hwc(r[j]), 0, 1)
                ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
                if titles:
                    ax.set_title(titles[i][j], fontsize=8)
        if row_labels and row_labels[i]:
            axes[i][0].text(-0.05, 0.5, row_labels[i], transform=axes[i][0].transAxes, rotation=90,
                            ha="right", va="center", fontsize=8)
    _suptitle(fig, title)
    fig.tight_layout()
    return fig


def sample_pairs_figure(manifest, samples_per_task: int = 1, seed: int = 0,
                        tasks: Sequence[str] = tuple(TASK_ROLES)):
    """Sample source pairs per task (drawn with ``seed``) laid out one pair per row.

    Returns (figure, list of (task, dataset, item name)) so the caller can report what was drawn.
    """
    from .data import FusionDataset

    rng = np.random.default_rng(seed)
    rows, titles, labels, drawn = [], [], [], []
    for task in tasks:
        cands = []
        for e in manifest.datasets(available=True):
            if e.task != task:
                continue
            kind = "pairs" if e.pairs else "sequences"
            n = len(e.pairs) if e.pairs else len(e.sequences)
            cands += [(e.name, kind, i) for i in range(n)]
        if not cands:
            continue
        for k in rng.choice(len(cands), size=min(samples_per_task, len(cands)), replace=False):
            name, kind, i = cands[int(k)]
            item = FusionDataset(name, split=None, mode="native", kind=kind, manifest=manifest)[i]
            srcs = item["sources"]
            pair = (srcs[0], srcs[-1])
            roles = TASK_ROLES[task]
            rows.append(pair)
            titles.append([f"{roles[0]}", f"{roles[1]}"])
            labels.append(f"{task}\n{name}/{item['name']}")
            drawn.append((task, name, item["name"]))
    return image_grid(rows, titles, labels), drawn


def _fmt_value(v: float) -> str:
    return f"{v:.3f}" if v == 0 or 1e-3 <= abs(v) < 1e6 else f"{v:.3g}"


def feature_map_grid(panels: Sequence[tuple[str, Any]], cell: float = 2.5,
                     scales: Sequence[Any] | None = None, title: str | None = None) -> Figure:
    """One row of (title, 2-D map) panels on grey scales (e.g. DIDFuse Fig. 4).

    ``scales`` gives each panel a group label: panels with the same label share one grey scale (the min
    and max over the group), so that "these two maps look alike" is judged on common values; a panel
    labelled ``None`` (or every panel when ``scales`` is None) is stretched to its own min and max.
    A constant map (e.g. an all-zero feature map) says so: its title gains ``constant: <value>``.
    ``title``: the figure's title (suptitle)."""
    import matplotlib.pyplot as plt

    if scales is not None and len(scales) != len(panels):
        raise ValueError(f"scales has {len(scales)} labels for {len(panels)} panels")
    maps = [np.asarray(_to_hwc(img), dtype=float) for _, img in panels]
    labels = list(scales) if scales is not None else [None] * len(panels)
    lim = {g: (min(m.min() for m, h in zip(maps, labels) if h == g), max(m.max() for m, h in zip(maps, labels) if h == g))
           for g in set(labels) - {None}}
    fig, axes = plt.subplots(1, len(panels), figsize=(cell * len(panels), cell * 1.1), squeeze=False)
    for ax, (name, _), img, g in zip(axes[0], panels, maps, labels):
        vmin, vmax = lim.get(g, (img.min(), img.max()))
        ax.imshow(img, cmap="gray", vmin=vmin, vmax=vmax)
        lo, hi = float(np.min(img)), float(np.max(img))
        if hi - lo <= 1e-12 * max(1.0, abs(lo), abs(hi)):  # else an unexplained flat square
            name = f"{name}\nconstant: {_fmt_value(lo)}"
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    _suptitle(fig, title)
    fig.tight_layout()
    return fig


Box = tuple[float, float, float, float, str]  # (top, left, height, width) as fractions of the image, colour


def zoom_grid(columns: Sequence[Mapping[str, np.ndarray | None]], rows: Sequence[str], box: float = 0.22,
              boxes: Sequence[Sequence[Box]] | None = None, titles: Sequence[Sequence[str]] | None = None,
              row_labels: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Qualitative comparison: one column per pair, one row per image (sources then methods); two
    boxes per column drawn on every image and enlarged as insets.

    ``columns[j][row]`` is a 2-D array on [0, 255] (or [0, 1]). Default boxes: ``box`` x the image size,
    orange at the centre and blue at the lower left; ``boxes[j]`` instead gives column j's two boxes as
    (top, left, height, width) fractions of the image and a colour (e.g. a paper's boxed regions).
    ``titles[i][j]``: a title over the image of row i, column j; ``row_labels`` (default: ``rows``) are
    drawn left of the first column where non-empty. A ``None`` image is a blank cell (axis off; no image,
    box, inset or title), e.g. to fill the last row. ``title``: the figure's title (suptitle)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    nr, nc = len(rows), len(columns)
    if boxes is not None and len(boxes) != nc:
        raise ValueError(f"boxes has {len(boxes)} entries for {nc} columns")
    fig, axes = plt.subplots(nr, nc, figsize=(2.8 * nc, 2.3 * nr), squeeze=False)
    for j, col in enumerate(columns):
        present = [v for v in col.values() if v is not None]
        if not present:  # a wholly blank column (row labels still drawn left of the first)
            for i in range(nr):
                axes[i][j].axis("off")
                label = (row_labels or rows)[i]
                if j == 0 and label:
                    axes[i][j].text(-0.04, 0.5, label, transform=axes[i][j].transAxes, rotation=90, ha="right",
                                    va="center", fontsize=8)
            continue
        h, w = np.asarray(present[0]).shape[:2]
        if boxes is None:
            bh, bw = max(int(h * box), 8), max(int(w * box), 8)
            spec = [((h - bh) // 2, (w - bw) // 2, bh, bw, "tab:orange"), (h - bh - 2, 2, bh, bw, "tab:blue")]
        else:
            spec = [(int(t * h), int(lf * w), max(int(bh * h), 4), max(int(bw * w), 4), c)
                    for t, lf, bh, bw, c in boxes[j]]
        for i, r in enumerate(rows):
            ax = axes[i][j]
            ax.axis("off")
            label = (row_labels or rows)[i]
            if j == 0 and label:
                ax.text(-0.04, 0.5, label, transform=ax.transAxes, rotation=90, ha="right", va="center", fontsize=8)
            if col[r] is None:
                continue
            img = np.asarray(col[r], dtype=float)
            img = img / 255.0 if img.max() > 1.5 else img
            ax.imshow(img, cmap="gray", vmin=0, vmax=1)
            for k, (y, x, bh, bw, c) in enumerate(spec[:2]):
                ax.add_patch(Rectangle((x, y), bw, bh, fill=False, ec=c, lw=1))
                ins = ax.inset_axes([0.62, 0.0, 0.38, 0.38] if k == 0 else [0.62, 0.62, 0.38, 0.38])
                ins.imshow(img[y:y + bh, x:x + bw], cmap="gray", vmin=0, vmax=1)
                ins.set_xticks([])
                ins.set_yticks([])
                for s in ins.spines.values():
                    s.set_edgecolor(c)
            if titles:
                ax.set_title(titles[i][j], fontsize=8)
    _suptitle(fig, title)
    fig.tight_layout()
    return fig


def per_training_figure(per_run: pd.DataFrame, reference: pd.DataFrame, metrics: Sequence[str],
                        label: str = "ours", title: str | None = None, note: str | None = None) -> Figure:
    """Value of each metric over independent trainings (black), per dataset (rows) and metric
    (columns), against the best (red dashed) and second-best (blue dotted) compared method
    (e.g. DIDFuse Fig. 6).

    ``per_run``: columns dataset, run (or seed: the x axis, "training (seed)"), metrics; ``reference``:
    index (dataset, method), columns metrics (higher is better). The best / 2nd-best method differs per
    panel: its name is in the panel's title, and the figure has one legend (ours, "best compared method",
    "2nd best compared method"). ``title``: the figure's title; ``note``: a caption under it, e.g. that
    the compared methods were scored on a different number of pairs than ours."""
    import textwrap

    import matplotlib.pyplot as plt

    sets = list(dict.fromkeys(per_run["dataset"]))
    xcol = "seed" if "seed" in per_run else "run"
    nr, nc = len(sets), len(metrics)
    fig_w = 2.6 * nc
    note_lines = textwrap.wrap(note, max(40, int(fig_w * 15))) if note else []
    head_in = (0.4 if title else 0.1) + 0.2 * len(note_lines)
    foot_in = 0.4
    fig_h = 2.3 * nr + head_in + foot_in
    fig, axes = plt.subplots(nr, nc, figsize=(fig_w, fig_h), squeeze=False)
    ref_sets = set(reference.index.get_level_values(0)) if len(reference) else set()
    for i, ds in enumerate(sets):
        sub = per_run[per_run["dataset"] == ds].sort_values(xcol)
        x = sub[xcol].to_numpy()
        for j, m in enumerate(metrics):
            ax = axes[i][j]
            ax.plot(x, sub[m].to_numpy(), "k-o", ms=3, label=label)
            named = []
            if ds in ref_sets:
                vals = reference.loc[ds][m].dropna().sort_values(ascending=False)
                if len(vals) > 0:
                    ax.axhline(vals.iloc[0], color="red", ls="--", lw=1, label="best compared method")
                    named.append(f"best: {vals.index[0]}")
                if len(vals) > 1:
                    ax.axhline(vals.iloc[1], color="blue", ls=":", lw=1, label="2nd best compared method")
                    named.append(f"2nd: {vals.index[1]}")
            ax.set_title("\n".join([m, "; ".join(named)]) if named else m, fontsize=7)
            ax.set_xticks(x)
            ax.tick_params(labelsize=7)
            if j == 0:
                ax.set_ylabel(f"{ds}\n(dataset mean)", fontsize=8)
            if i == nr - 1:
                ax.set_xlabel("training (seed)", fontsize=8)
    handles: dict[str, Any] = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=max(1, len(handles)),
               fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 0.05 / fig_h, va="top")
    if note_lines:
        fig.text(0.5, 1 - ((0.4 if title else 0.05) / fig_h), "\n".join(note_lines), ha="center", va="top",
                 fontsize=8, style="italic", color="0.25")
    fig.tight_layout(rect=(0, foot_in / fig_h, 1, 1 - head_in / fig_h))
    return fig


def _epochs(history: Sequence[Mapping[str, float]]) -> list[float]:
    return [float(r.get("epoch", k + 1)) for k, r in enumerate(history)]


def _finite(v: Any) -> bool:
    try:
        return bool(np.isfinite(float(v)))
    except (TypeError, ValueError):
        return False


def _loss_figure(series: Mapping[str, Sequence[tuple[float, float]]], ylabel: str, title: str,
                 marks: Mapping[str, float] | None, log: bool) -> Figure:
    """One line per series (markers on every point), vertical marks, the legend outside on the right."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for name, pts in series.items():
        xs, ys = ([p[0] for p in pts], [p[1] for p in pts])
        ax.plot(xs, ys, marker="o", ms=3.5, lw=1.2, label=name if pts else f"{name} (no data)")
    values = [v for pts in series.values() for _, v in pts]
    if log and values and all(v > 0 for v in values):
        ax.set_yscale("log")
    epochs = [e for pts in series.values() for e, _ in pts]
    lo, hi = (min(epochs), max(epochs)) if epochs else (0.0, 1.0)
    styles = ("--", ":", "-.")
    for k, (lab, xv) in enumerate((marks or {}).items()):
        ls = styles[k % len(styles)]
        if lo - 0.5 <= xv <= hi + 0.5:
            ax.axvline(xv, color="0.35", ls=ls, lw=1, label=lab)
        else:  # not reached by these runs (e.g. a smoke run of 2 epochs): said, not drawn
            ax.add_line(Line2D([], [], color="0.35", ls=ls, lw=1, label=f"{lab} (epoch {xv:g}, not reached)"))
    if hi - lo < 3:  # a smoke run of 1-2 epochs: whole-epoch ticks around its points
        ax.xaxis.set_major_locator(MultipleLocator(1))
        ax.set_xlim(lo - 0.5, hi + 0.5)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def loss_curves(histories: Mapping[str, Sequence[Mapping[str, float]]], key: str = "total",
                title: str | None = None, marks: Mapping[str, float] | None = None, log: bool = True) -> Figure:
    """Training loss ``key`` per epoch, one line per run (``{run label: history}``; a history is a list
    of per-epoch dicts with ``epoch`` and the loss terms, as :class:`fusionkit.train.Trainer` keeps).

    Every point has a marker (a 1-2 epoch smoke run still shows its points); ``marks`` draws vertical
    lines (e.g. ``{"lr / 10": 10.5}``; a mark past the runs' epochs is listed in the legend, not drawn);
    ``log``: a log y axis when every value is positive. The legend sits outside the axes, on the right.
    ``title`` defaults to ``"training loss (<key>) per epoch"``."""
    series = {run: [(e, float(r[key])) for e, r in zip(_epochs(h), h) if key in r and _finite(r[key])]
              for run, h in histories.items()}
    if not any(series.values()):
        keys = sorted({k for h in histories.values() for r in h for k in r})
        raise ValueError(f"no history has finite values of {key!r}; keys: {', '.join(keys) or 'none'}")
    return _loss_figure(series, f"training loss ({key})", title or f"training loss ({key}) per epoch", marks, log)


def loss_terms(history: Sequence[Mapping[str, float]], title: str | None = None,
               marks: Mapping[str, float] | None = None, log: bool = True) -> Figure:
    """Every loss term of one training history (one line per term; not ``epoch``, ``lr``, ``steps``), with
    :func:`loss_curves`'s styling. ``title`` defaults to ``"loss terms per epoch"``."""
    from .train import NOT_LOSSES

    terms = [k for k in dict.fromkeys(k for r in history for k in r) if k not in NOT_LOSSES]
    series = {k: [(e, float(r[k])) for e, r in zip(_epochs(history), history) if k in r and _finite(r[k])]
              for k in terms}
    series = {k: v for k, v in series.items() if v}
    if not series:
        raise ValueError("the history has no loss values (empty, or only epoch/lr/steps)")
    return _loss_figure(series, "training loss (per term)", title or "loss terms per epoch", marks, log)


def _reference_values(lo: float, hi: float, n: int = 3) -> list[float]:
    """``n`` round values (2 significant digits) from ``lo`` to ``hi`` for a size legend."""
    def round2(v: float) -> float:
        if v <= 0:
            return 0.0
        e = int(np.floor(np.log10(v))) - 1
        return float(round(v / 10 ** e) * 10 ** e)

    vals = [round2(v) for v in np.linspace(lo, hi, n)]
    return [v for v in dict.fromkeys(vals) if v > 0] or [hi]


def _fit_limits(vals: np.ndarray, frac_r: np.ndarray, pad: float = 0.05) -> tuple[float, float]:
    """Axis limits (lo, hi) such that every bubble (centre ``vals``, radius ``frac_r`` as a fraction of
    the axis length) lies inside, with ``pad`` of the axis free at each end."""
    lo_d, hi_d = float(vals.min()), float(vals.max())
    base = (hi_d - lo_d) if hi_d > lo_d else max(abs(hi_d) * 0.2, 1e-6)
    span = base / (1 - 2 * pad)
    for _ in range(200):
        ext = float((vals + frac_r * span).max() - (vals - frac_r * span).min())
        new = max(base, ext) / (1 - 2 * pad)
        if abs(new - span) <= 1e-9 * span:
            break
        span = new
    ext_lo = float((vals - frac_r * span).min())
    ext_hi = float((vals + frac_r * span).max())
    lo = ext_lo - (span - (ext_hi - ext_lo)) / 2
    return lo, lo + span


def _fmt_ref(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:.3g}"


def bubble_chart(df: pd.DataFrame, x: str, y: str, size: str, labels: str | Sequence[str] | None = None,
                 title: str | None = None, xlabel: str | None = None, ylabel: str | None = None,
                 size_label: str | None = None, max_area: float = 1500.0) -> Figure:
    """Bubble chart (e.g. AE-Netv2 Fig. 10): ``df[x]`` against ``df[y]``, bubble area proportional to
    ``df[size]`` (the largest: ``max_area`` pt^2).

    ``labels``: a column name, one string per row, or None (the index). Every bubble is drawn whole
    inside the axes (the limits are fitted to the bubbles' radii); labels sit above (or below) their
    bubble and are nudged vertically until no two overlap, with a leader line when moved; a size legend
    (3 reference bubbles and their values, titled ``size_label``) sits outside the axes on the right.
    Rows with a missing x, y or size are left out. Axis labels default to the column names."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.transforms import Bbox

    if labels is None:
        names = [str(v) for v in df.index]
    elif isinstance(labels, str):
        names = [str(v) for v in df[labels]]
    else:
        names = [str(v) for v in labels]
    if len(names) != len(df):
        raise ValueError(f"{len(names)} labels for {len(df)} rows")
    xs, ys, vs = (pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float) for c in (x, y, size))
    ok = np.isfinite(xs) & np.isfinite(ys) & np.isfinite(vs) & (vs >= 0)
    xs, ys, vs = xs[ok], ys[ok], vs[ok]
    names = [n for n, k in zip(names, ok) if k]
    vmax = float(vs.max()) if len(vs) and vs.max() > 0 else 1.0
    areas = max_area * vs / vmax
    color = "tab:blue"

    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    ax.set(xlabel=xlabel or x, ylabel=ylabel or y)
    ax.set_title(title or f"{ylabel or y} against {xlabel or x} (bubble area: {size_label or size})", fontsize=10)
    ax.grid(alpha=0.3, zorder=0)
    if not len(xs):
        ax.text(0.5, 0.5, "no rows with finite values", transform=ax.transAxes, ha="center", va="center")
        fig.tight_layout()
        return fig
    ax.scatter(xs, ys, s=areas, alpha=0.4, color=color, edgecolors=color, linewidths=0.8, zorder=2)
    ax.scatter(xs, ys, s=4, color="black", zorder=3)  # the centre: where a moved label's leader line points
    refs = _reference_values(float(vs[vs > 0].min()) if (vs > 0).any() else vmax, vmax)
    d_max = float(np.sqrt(max_area * max(refs) / vmax))  # diameter (pt) of the largest legend bubble
    handles = [Line2D([], [], ls="", marker="o", markersize=float(np.sqrt(max_area * v / vmax)), alpha=0.4,
                      color=color, markeredgecolor=color, label=_fmt_ref(v)) for v in refs]
    fs = 8.0
    ax.legend(handles=handles, title=size_label or size, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              borderaxespad=0.0, frameon=False, fontsize=fs, title_fontsize=fs,
              labelspacing=0.3 + 0.9 * d_max / fs, handlelength=d_max / fs, handletextpad=0.8,
              borderpad=0.2 + 0.5 * d_max / fs)

    r_pt = np.sqrt(areas) / 2  # marker size is an area in pt^2: the diameter is its square root
    px = fig.dpi / 72.0
    for _ in range(2):  # the layout moves the axes; fit the limits to the bubbles' pixel radii twice
        fig.tight_layout()
        bb = ax.get_window_extent()
        ax.set_xlim(*_fit_limits(xs, r_pt * px / bb.width))
        ax.set_ylim(*_fit_limits(ys, r_pt * px / bb.height))
    fig.tight_layout()
    bb = ax.get_window_extent()
    ax.set_xlim(*_fit_limits(xs, r_pt * px / bb.width))
    ax.set_ylim(*_fit_limits(ys, r_pt * px / bb.height))

    # greedy repel: each label in turn takes the nearest free spot above/below its bubble
    renderer = fig.canvas.get_renderer()
    centres = ax.transData.transform(np.column_stack([xs, ys]))
    axbox = ax.get_window_extent()
    placed: list[Bbox] = []
    for k in np.argsort(-ys, kind="stable"):
        probe = ax.text(0, 0, names[k], fontsize=7, ha="center", va="center")
        ext = probe.get_window_extent(renderer)
        probe.remove()
        w, h = ext.width + 2, ext.height + 2
        cx, cy = centres[k]
        gap = r_pt[k] * px + 2 * px
        best, inside = None, False
        for step in range(200):
            for sign in (1, -1):
                off = sign * (gap + h / 2 + step * h / 3)
                cand = Bbox.from_bounds(cx - w / 2, cy + off - h / 2, w, h)
                if any(cand.overlaps(b) for b in placed):
                    continue
                inside = axbox.y0 <= cand.y0 and cand.y1 <= axbox.y1
                if inside or best is None:  # the first free spot inside the axes, else the first free one
                    best = (cand, off, step)
                if inside:
                    break
            if inside:
                break
        cand, off, step = best or (cand, off, step)
        placed.append(cand)
        moved = step > 0
        ax.annotate(names[k], (xs[k], ys[k]), xytext=(0, off / px), textcoords="offset points", ha="center",
                    va="center", fontsize=7, annotation_clip=False, zorder=4,
                    arrowprops=dict(arrowstyle="-", color="0.35", lw=0.6, shrinkA=1, shrinkB=r_pt[k])
                    if moved else None)
    return fig


SMOKE_NOTE = "smoke profile: a test of the code path on a few pairs/steps, not a result"


def smoke_note(fig: Figure, profile: str) -> Figure:
    """Mark ``fig`` as a smoke-profile figure when ``profile == "smoke"``: :data:`SMOKE_NOTE` across its
    centre, large and translucent (it never depends on the figure's layout and hides nothing); any other
    profile leaves the figure unchanged. Idempotent; returns ``fig``."""
    if profile != "smoke" or any(t.get_gid() == "smoke-note" for t in fig.texts):
        return fig
    width_in = float(fig.get_size_inches()[0])
    t = fig.text(0.5, 0.5, SMOKE_NOTE.replace(" code path ", " code path\n"), ha="center", va="center",
                 fontsize=min(2.6 * width_in, 28.0), color="red", alpha=0.35, fontweight="bold",
                 zorder=100, gid="smoke-note", multialignment="center")
    w = t.get_window_extent(fig.canvas.get_renderer()).width
    if w > 0.9 * fig.bbox.width:  # shrink to fit the figure's width
        t.set_fontsize(max(t.get_fontsize() * 0.9 * fig.bbox.width / w, 5.0))
    return fig


def grouped_bars(table: pd.DataFrame, title: str, ylabel: str, xlabel: str = "") -> Figure:
    """One group of bars per row of ``table`` (one bar per column, one legend), e.g. a metric per task and
    training; the axes labelled, the legend outside the bars."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    table.plot.bar(ax=ax, rot=0)
    ax.set(title=title, ylabel=ylabel, xlabel=xlabel)
    ax.legend(title=table.columns.name, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def wrapped_zoom_grid(images: Sequence[tuple[str, np.ndarray]], per_row: int, boxes: Sequence[Box] | None = None,
                      title: str | None = None) -> Figure:
    """:func:`zoom_grid` of one image per cell, ``per_row`` a row (a paper's (a)-(j) layout): ``images`` are
    (title, image) pairs; cells past the last image stay blank; ``boxes``: the two boxed regions of every cell."""
    nrows = -(-len(images) // per_row)
    cells = list(images) + [("", None)] * (nrows * per_row - len(images))
    cols = [{str(i): cells[i * per_row + j][1] for i in range(nrows)} for j in range(per_row)]
    titles = [[cells[i * per_row + j][0] for j in range(per_row)] for i in range(nrows)]
    return zoom_grid(cols, [str(i) for i in range(nrows)], boxes=[boxes] * per_row if boxes else None, titles=titles,
                     row_labels=[""] * nrows, title=title)
