"""Golden-value fixtures: grey TNO triples (fused, infrared, visible) made from our data, which the evaluators'
own code scores (``tools/golden/``) and whose values ``tests/fixtures/golden_<evaluator>.csv`` keep.

Only the values are committed, never the images or the evaluators' code: :func:`triples` rebuilds the very
images on any checkout with the data (deterministic: centre crops of fixed TNO pairs, fused by fixed rules and
rounded to 8-bit levels). Hand-written because the fixture set is ours."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: TNO pairs of didfuse-tno's test split and the fused images of each (rules on 8-bit levels)
PAIRS = ("1", "5", "17", "33")
FUSED = ("mean", "max", "dwt")
CROP = 128  # centre crop: the MATLAB loops of some metrics (FMI) are too slow at full size


def triples(crop: int = CROP) -> list[dict]:
    """Every fixture triple: ``{"id", "pair", "fused_by", "F", "A", "B"}`` with uint8 2-D arrays (A: infrared)."""
    from .. import methods
    from ..evaluation import open_set

    ds = open_set("didfuse-tno", "test", pairs=list(PAIRS), crop=crop)
    dwt = methods.get("dwt")
    out = []
    for i in range(len(ds)):
        it = ds[i]
        a = np.round(it["a"][0].double().numpy() * 255)
        b = np.round(it["sources"][-1][0].double().numpy() * 255)
        fused = {"mean": np.floor((a + b) / 2 + 0.5), "max": np.maximum(a, b),
                 "dwt": np.round(np.clip(dwt.fuse(a / 255, b / 255), 0, 1) * 255)}
        for how in FUSED:
            out.append({"id": f"tno{it['name']}-{how}", "pair": it["name"], "fused_by": how,
                        "F": fused[how].astype(np.uint8), "A": a.astype(np.uint8), "B": b.astype(np.uint8)})
    return out


def write_pngs(folder: str | Path, crop: int = CROP) -> pd.DataFrame:
    """The triples as 8-bit grey PNGs ``<folder>/{F,A,B}/<id>.png`` (for an evaluator to read) and their index."""
    from PIL import Image

    folder = Path(folder)
    rows = []
    for t in triples(crop):
        for k in ("F", "A", "B"):
            (folder / k).mkdir(parents=True, exist_ok=True)
            Image.fromarray(t[k], mode="L").save(folder / k / f"{t['id']}.png")
        rows.append({k: t[k] for k in ("id", "pair", "fused_by")})
    index = pd.DataFrame(rows)
    index.to_csv(folder / "index.csv", index=False)
    return index


def read_golden(name: str, root: str | Path | None = None) -> pd.DataFrame:
    """``tests/fixtures/golden_<name>.csv`` (comment lines ``#`` carry the upstream commit and the command)."""
    root = Path(root) if root else Path(__file__).resolve().parents[2] / "tests" / "fixtures"
    path = root / f"golden_{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no golden values for {name!r} (made by tools/golden/)")
    return pd.read_csv(path, comment="#")
