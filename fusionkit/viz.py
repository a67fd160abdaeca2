"""Figures shared by the studies: image grids, zoomed qualitative grids, per-training plots,
feature-map grids. Each returns a matplotlib Figure (pyplot, so a notebook shows it inline; the
package never picks a backend)."""
from __future__ import annotations

from typing import Sequence

import pandas as pd

import numpy as np

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


def image_grid(rows: Sequence[Sequence], titles: Sequence[Sequence[str]] | None = None,
               row_labels: Sequence[str] | None = None, cell: float = 2.6):
    """A grid of images (tensors C x H x W or arrays), grey shown with a grey colour map."""
    import matplotlib.pyplot as plt

    nr, nc = len(rows), max(len(r) for r in rows)
    fig, axes = plt.subplots(nr, nc, figsize=(cell * nc, cell * nr), squeeze=False)
    for i, r in enumerate(rows):
        for j in range(nc):
            ax = axes[i][j]
            ax.axis("off")
            if j < len(r):
                img = np.clip(_to_hwc(r[j]), 0, 1)
                ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
                if titles:
                    ax.set_title(titles[i][j], fontsize=8)
        if row_labels:
            axes[i][0].text(-0.05, 0.5, row_labels[i], transform=axes[i][0].transAxes, rotation=90,
                            ha="right", va="center", fontsize=8)
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


def feature_map_grid(panels: Sequence[tuple[str, object]], cell: float = 2.5,
                     scales: Sequence[object] | None = None):
    """One row of (title, 2-D map) panels on grey scales (e.g. DIDFuse Fig. 4).

    ``scales`` gives each panel a group label: panels with the same label share one grey scale (the min
    and max over the group), so that "these two maps look alike" is judged on common values; a panel
    labelled ``None`` (or every panel when ``scales`` is None) is stretched to its own min and max."""
    import matplotlib.pyplot as plt

    if scales is not None and len(scales) != len(panels):
        raise ValueError(f"scales has {len(scales)} labels for {len(panels)} panels")
    maps = [np.asarray(_to_hwc(img), dtype=float) for _, img in panels]
    labels = list(scales) if scales is not None else [None] * len(panels)
    lim = {g: (min(m.min() for m, h in zip(maps, labels) if h == g), max(m.max() for m, h in zip(maps, labels) if h == g))
           for g in set(labels) - {None}}
    fig, axes = plt.subplots(1, len(panels), figsize=(cell * len(panels), cell * 1.1), squeeze=False)
    for ax, (title, _), img, g in zip(axes[0], panels, maps, labels):
        vmin, vmax = lim.get(g, (img.min(), img.max()))
        ax.imshow(img, cmap="gray", vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


Box = tuple[float, float, float, float, str]  # (top, left, height, width) as fractions of the image, colour


def zoom_grid(columns: Sequence[dict[str, np.ndarray]], rows: Sequence[str], box: float = 0.22,
              boxes: Sequence[Sequence[Box]] | None = None, titles: Sequence[Sequence[str]] | None = None,
              row_labels: Sequence[str] | None = None):
    """Qualitative comparison: one column per pair, one row per image (sources then methods); two
    boxes per column drawn on every image and enlarged as insets.

    ``columns[j][row]`` is a 2-D array on [0, 255] (or [0, 1]). Default boxes: ``box`` x the image size,
    orange at the centre and blue at the lower left; ``boxes[j]`` instead gives column j's two boxes as
    (top, left, height, width) fractions of the image and a colour (e.g. a paper's boxed regions).
    ``titles[i][j]``: a title over the image of row i, column j; ``row_labels`` (default: ``rows``) are
    drawn left of the first column where non-empty."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    nr, nc = len(rows), len(columns)
    if boxes is not None and len(boxes) != nc:
        raise ValueError(f"boxes has {len(boxes)} entries for {nc} columns")
    fig, axes = plt.subplots(nr, nc, figsize=(2.8 * nc, 2.3 * nr), squeeze=False)
    for j, col in enumerate(columns):
        h, w = np.asarray(next(iter(col.values()))).shape[:2]
        if boxes is None:
            bh, bw = max(int(h * box), 8), max(int(w * box), 8)
            spec = [((h - bh) // 2, (w - bw) // 2, bh, bw, "tab:orange"), (h - bh - 2, 2, bh, bw, "tab:blue")]
        else:
            spec = [(int(t * h), int(lf * w), max(int(bh * h), 4), max(int(bw * w), 4), c)
                    for t, lf, bh, bw, c in boxes[j]]
        for i, r in enumerate(rows):
            ax = axes[i][j]
            ax.axis("off")
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
            label = (row_labels or rows)[i]
            if j == 0 and label:
                ax.text(-0.04, 0.5, label, transform=ax.transAxes, rotation=90, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def per_training_figure(per_run: pd.DataFrame, reference: pd.DataFrame, metrics: Sequence[str],
                        label: str = "ours"):
    """Value of each metric over independent trainings (black), per dataset (rows) and metric
    (columns), against the best (red dashed) and second-best (blue dotted) compared method
    (e.g. DIDFuse Fig. 6). ``per_run``: columns dataset, run, metrics; ``reference``: index
    (dataset, method), columns metrics (higher is better)."""
    import matplotlib.pyplot as plt

    sets = list(dict.fromkeys(per_run["dataset"]))
    fig, axes = plt.subplots(len(sets), len(metrics), figsize=(2.6 * len(metrics), 2.1 * len(sets)), squeeze=False)
    for i, ds in enumerate(sets):
        sub = per_run[per_run["dataset"] == ds].sort_values("run")
        for j, m in enumerate(metrics):
            ax = axes[i][j]
            x = np.arange(1, len(sub) + 1)
            ax.plot(x, sub[m].to_numpy(), "k-o", ms=3, label=label)
            if ds in reference.index.get_level_values(0):
                vals = reference.loc[ds][m].sort_values(ascending=False)
                if len(vals) > 0:
                    ax.axhline(vals.iloc[0], color="red", ls="--", lw=1, label=f"best: {vals.index[0]}")
                if len(vals) > 1:
                    ax.axhline(vals.iloc[1], color="blue", ls=":", lw=1, label=f"2nd: {vals.index[1]}")
            ax.set_xticks(x)
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(m, fontsize=9)
            if j == 0:
                ax.set_ylabel(ds, fontsize=9)
            ax.legend(fontsize=5, loc="best")
    fig.tight_layout()
    return fig
