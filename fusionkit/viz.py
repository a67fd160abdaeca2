"""Figure helpers shared by the study notebooks (matplotlib, no display required)."""
from __future__ import annotations

from typing import Sequence

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
    import matplotlib

    matplotlib.use("Agg", force=False)
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
