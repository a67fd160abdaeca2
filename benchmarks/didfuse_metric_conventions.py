"""Which SD, SF and AG definitions reproduce the DIDFuse papers' numbers (issue 10, item 6).

    python benchmarks/didfuse_metric_conventions.py [--cache DIR] [--out FILE.md] [--limit N] [--threads 1]

Fuses DIDFuse's TNO test set (``didfuse-tno``, split ``test``, 40 pairs, grey) with the released IJCAI
2020 checkpoint (``didfuse-ijcai``, its default ``sum`` rule), rounds the outputs to 8 bits as the
authors' saved PNGs are, and scores them with candidate definitions of SD, SF and AG (range, border
handling, gradient operator, which mean is subtracted, pooling over pairs). Prints a Markdown table:
per definition the mean over the pairs and the gap to the DIDFuse TNO value of the IJCAI paper
(Table 4: SD 42.657, SF 13.126, AG 4.294; the table is the image ``image/Quantitative.png`` of
Zhaozixiang1228/IVIF-DIDFuse) and of the extended paper (Table V, ``fusionkit.paper_tables``; a
retrained model, so its gaps are not expected to close). The last rows score the same images with
``fusionkit.metrics.evaluate(..., convention="didfuse")``, on the 8-bit images and on the float
outputs. ``--cache DIR`` keeps the fused float outputs as ``DIR/<pair>.npy`` and reuses them. ``--published
DIR ...`` also scores folders of fused 8-bit images (e.g. the authors' ``Test_result/TNO_IJCAI``,
``FLIR_IJCAI``, ``NIR_IJCAI`` of Zhaozixiang1228/IVIF-DIDFuse) with ``convention="didfuse"``.
This is the table of docs/metrics.md, "The DIDFuse SD/SF/AG puzzle (issue 10)".
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from fusionkit import methods, paper_tables
from fusionkit.data import FusionDataset
from fusionkit.metrics import evaluate

IJCAI = {"SD": 42.657, "SF": 13.126, "AG": 4.294}  # IJCAI 2020 Table 4, DIDFuse on TNO


def extended_values() -> dict[str, float]:
    t = paper_tables.load("didfuse", 5)
    t = t[(t.dataset == "TNO") & (t.method == "DIDFuse")]
    return {m: float(v) for m, v in zip(t.metric, t.value)}


def fused_outputs(cache: Path | None, limit: int | None) -> list[np.ndarray]:
    """The released checkpoint's fused TNO images, float in [0, 1] (from ``cache`` when present)."""
    ds = FusionDataset("didfuse-tno", "test", mode="gray", limit=limit)
    method = methods.get("didfuse-ijcai")
    out = []
    for i in range(len(ds)):
        path = cache / f"{ds.names[i]}.npy" if cache else None
        if path is not None and path.is_file():
            out.append(np.load(path))
            continue
        item = ds[i]
        f = method.fuse(item["a"][0].numpy().astype(np.float64), item["b"][0].numpy().astype(np.float64))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, f)
        out.append(f)
    return out


# ----------------------------------------------------------------------------- candidate definitions
def _fwd(f: np.ndarray, pad: str) -> tuple[np.ndarray, np.ndarray]:
    """Forward differences along rows (dx) and down columns (dy) with the given border handling."""
    if pad == "none":
        return f[:, 1:] - f[:, :-1], f[1:] - f[:-1]
    if pad == "trailing zeros":
        p = np.pad(f, ((0, 1), (0, 1)))
        return p[:-1, 1:] - p[:-1, :-1], p[1:, :-1] - p[:-1, :-1]
    if pad == "leading zeros":
        p = np.pad(f, ((1, 0), (1, 0)))
        return p[1:, 1:] - p[1:, :-1], p[1:, 1:] - p[:-1, 1:]
    if pad == "zeros both sides":
        p = np.pad(f, 1)
        return p[1:-1, 1:] - p[1:-1, :-1], p[1:, 1:-1] - p[:-1, 1:-1]
    if pad == "circular":
        return f - np.roll(f, 1, 1), f - np.roll(f, 1, 0)
    raise ValueError(pad)


def _sf(f, pad="none", per_count=False):
    dx, dy = _fwd(f, pad)
    if per_count:
        return np.sqrt((dx ** 2).mean() + (dy ** 2).mean())
    return np.sqrt((dx ** 2).sum() / f.size + (dy ** 2).sum() / f.size)


def _sf_diag(f):
    dx, dy = _fwd(f, "none")
    d1, d2 = f[1:, 1:] - f[:-1, :-1], f[1:, :-1] - f[:-1, 1:]
    return np.sqrt((dx ** 2).mean() + (dy ** 2).mean() + ((d1 ** 2).mean() + (d2 ** 2).mean()) / 2)


def _sf_gradient(f):
    gy, gx = np.gradient(f)
    return np.sqrt((gx ** 2).mean() + (gy ** 2).mean())


def _ag_forward(f):
    dx, dy = f[:-1, 1:] - f[:-1, :-1], f[1:, :-1] - f[:-1, :-1]
    return np.sqrt((dx ** 2 + dy ** 2) / 2).mean()


def _ag_gradient(f, norm="(M-1)(N-1)", half=True):
    gy, gx = np.gradient(f)
    s = np.sqrt((gx ** 2 + gy ** 2) / (2 if half else 1)).sum()
    M, N = f.shape
    return s / ((M - 1) * (N - 1) if norm == "(M-1)(N-1)" else M * N)


def _ag_padded(f):
    dx, dy = _fwd(f, "trailing zeros")
    return np.sqrt((dx ** 2 + dy ** 2) / 2).mean()


PER_IMAGE = [
    ("SD", "population std about the image mean (standard)", lambda f: f.std()),
    ("SD", "sample std, ddof = 1 (MATLAB std2)", lambda f: f.std(ddof=1)),
    ("SD", "the [0, 1] image's std x 255", lambda f: (f / 255).std() * 255),
    ("SD", "mean of the per-column stds", lambda f: f.std(0).mean()),
    ("SD", "mean of the per-row stds", lambda f: f.std(1).mean()),
    ("SD", "deviations from each row's mean", lambda f: np.sqrt(((f - f.mean(1, keepdims=True)) ** 2).mean())),
    ("SD", "deviations from each column's mean (didfuse)", lambda f: np.sqrt(((f - f.mean(0)) ** 2).mean())),
    ("SF", "forward differences, no border, sums / MN (standard)", lambda f: _sf(f)),
    ("SF", "forward differences, no border, means over M(N-1), (M-1)N", lambda f: _sf(f, per_count=True)),
    ("SF", "np.gradient (central differences)", _sf_gradient),
    ("SF", "4 directions (diagonals weighted 1/2)", _sf_diag),
    ("SF", "circular differences (wrap-around)", lambda f: _sf(f, "circular")),
    ("SF", "zero padding on both sides ('full' [1 -1])", lambda f: _sf(f, "zeros both sides")),
    ("SF", "zero padding before the first column/row", lambda f: _sf(f, "leading zeros")),
    ("SF", "zero padding past the last column/row (didfuse)", lambda f: _sf(f, "trailing zeros")),
    ("AG", "forward differences over (M-1)(N-1) (standard)", _ag_forward),
    ("AG", "forward differences, zeros past the last column/row, / MN", _ag_padded),
    ("AG", "np.gradient, sqrt(gx^2 + gy^2) (no /2), / (M-1)(N-1)", lambda f: _ag_gradient(f, half=False)),
    ("AG", "np.gradient, / MN", lambda f: _ag_gradient(f, norm="MN")),
    ("AG", "np.gradient, / (M-1)(N-1) (vifb, didfuse)", _ag_gradient),
]


def table(fused: list[np.ndarray]) -> str:
    ext = extended_values()
    f8 = [np.floor(f * 255 + 0.5) for f in fused]  # the 8-bit images the authors saved and scored
    rows = [(m, d, float(np.mean([fn(f) for f in f8]))) for m, d, fn in PER_IMAGE]
    pooled = np.concatenate([f.ravel() for f in f8])
    rows.insert(7, ("SD", "pooled over all pairs' pixels (one std)", float(pooled.std())))
    for label, imgs in (("8-bit images", f8), ("float outputs x 255, not rounded", [f * 255 for f in fused])):
        # SD, SF and AG read the fused image only: it stands in for the two sources
        res = [evaluate(f, f, f, ["SD", "SF", "AG"], convention="didfuse", backend="reference") for f in imgs]
        rows += [(m, f"fusionkit convention='didfuse', {label}", float(np.mean([r[m] for r in res])))
                 for m in ("SD", "SF", "AG")]
    lines = [f"| metric | definition (mean over {len(fused)} TNO pairs) | value | IJCAI paper | Δ IJCAI | "
             "extended paper | Δ extended |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for m, d, v in rows:
        lines.append(f"| {m} | {d} | {v:.3f} | {IJCAI[m]:.3f} | {100 * (v / IJCAI[m] - 1):+.2f} % | "
                     f"{ext[m]:.3f} | {100 * (v / ext[m] - 1):+.2f} % |")
    return "\n".join(lines) + "\n"


def published(folders: list[Path]) -> str:
    """Mean SD, SF, AG (convention didfuse) of the PNG/BMP/JPG images in each folder."""
    from PIL import Image

    lines = ["| folder | images | SD | SF | AG |", "| --- | ---: | ---: | ---: | ---: |"]
    for d in folders:
        files = sorted(p for p in d.iterdir() if p.suffix.lower() in (".png", ".bmp", ".jpg"))
        imgs = [np.asarray(Image.open(p).convert("L"), dtype=np.float64) for p in files]
        res = [evaluate(f, f, f, ["SD", "SF", "AG"], convention="didfuse", backend="reference") for f in imgs]
        mean = {m: np.mean([r[m] for r in res]) for m in ("SD", "SF", "AG")}
        lines.append(f"| {d.name} | {len(imgs)} | {mean['SD']:.3f} | {mean['SF']:.3f} | {mean['AG']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=None, help="folder for the fused outputs (<pair>.npy), reused")
    ap.add_argument("--out", type=Path, default=None, help="also write the Markdown table to this file")
    ap.add_argument("--limit", type=int, default=None, help="first N pairs only (the paper values need all 40)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    ap.add_argument("--published", type=Path, nargs="*", default=[], help="folders of fused 8-bit images to score too")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    text = table(fused_outputs(args.cache, args.limit))
    if args.published:
        text += "\n" + published(args.published)
    print(text, end="")
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
