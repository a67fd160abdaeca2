"""Evaluate folders of fused images against their sources (``fusionkit evaluate``)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

IMAGE_EXT = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}


def _by_stem(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    out = {}
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in IMAGE_EXT:
            if p.stem in out:
                raise ValueError(f"{folder}: two images named {p.stem!r} ({out[p.stem].name}, {p.name})")
            out[p.stem] = p
    return out


def pair_sources(a: Path, b: Path) -> list[tuple[str, Path, Path]]:
    """(name, a, b) for every image stem present in both source folders."""
    A, B = _by_stem(Path(a)), _by_stem(Path(b))
    only = sorted(set(A) ^ set(B))
    if only:
        raise ValueError(f"unpaired source image(s) {only[:5]}: {a} and {b} must hold the same file names")
    if not A:
        raise ValueError(f"{a}: no images")
    return [(n, A[n], B[n]) for n in A]


def pair_folders(fused: Path, a: Path, b: Path) -> list[tuple[str, Path, Path, Path]]:
    """(name, fused, a, b) for every fused image whose stem also names an image in ``a`` and ``b``."""
    F, A, B = _by_stem(Path(fused)), _by_stem(Path(a)), _by_stem(Path(b))
    if not F:
        raise ValueError(f"{fused}: no images")
    missing = [n for n in F if n not in A or n not in B]
    if missing:
        raise ValueError(f"no source pair for fused image(s) {missing[:5]} (sources are paired by file "
                         f"name without extension; {a} has {list(A)[:3]}..., {b} has {list(B)[:3]}...)")
    return [(n, F[n], A[n], B[n]) for n in F]


def pair_dataset(fused: Path, dataset: str, split: str | None = None) -> list[tuple[str, Path, Path, Path]]:
    """(name, fused, a, b) for fused images named ``<pair>.<ext>`` of a manifest dataset."""
    from ..data import FusionDataset

    ds = FusionDataset(dataset, split=split)
    F = _by_stem(Path(fused))
    rows = [(n, F[n], *map(Path, ds.paths(i))) for i, n in enumerate(ds.names) if n in F]
    if not rows:
        raise ValueError(f"{fused}: no image is named after a pair of {dataset!r} (e.g. {ds.names[0]}.png)")
    return rows


def evaluate_files(rows, metrics=None, convention: str = "standard", progress: bool = True) -> pd.DataFrame:
    """Per-image metric table for (name, fused, a, b) paths (grey, MATLAB rgb2gray for colour files)."""
    from tqdm.auto import tqdm

    from ..data.io import read_image
    from . import evaluate

    recs = []
    for name, fp, ap, bp in tqdm(rows, desc="evaluate", unit="image", disable=not progress):
        F, A, B = (read_image(p, "gray").astype("float64") * 255 for p in (fp, ap, bp))
        if not (F.shape == A.shape == B.shape):
            raise ValueError(f"{name}: sizes differ: {fp} {F.shape}, {ap} {A.shape}, {bp} {B.shape}")
        recs.append({"image": name, **evaluate(F, A, B, metrics, convention)})
    return pd.DataFrame(recs).set_index("image")
