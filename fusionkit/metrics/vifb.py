"""VIFB's colour handling (``metrics/metrics*.m`` of xingchenzhang/VIFB), for its RGB images.

VIFB calls ``metricsX(imgVI, imgIR, fused)`` on the arrays ``imread`` returns. With a colour
fused image (b = 3) every metric runs per channel k on ``(VI(:,:,k), IR or IR(:,:,k), F(:,:,k))``
(IR stays whole when it is grey) and the three values are averaged, except:

* SF: ``[m,n] = size(F)`` on an M x N x 3 array gives n = 3N, so SF is computed on the channels
  placed side by side (M x 3N), including the jumps between channels;
* AG, EI: per band / over all values, which equals the per-channel mean.

With a grey fused image (b = 1) the sources go whole into each metric. VIFB's own code is not
consistent there (some metrics call ``rgb2gray`` on uint8, some on double, Qcb/Qcv fail on 3-D
input), so fusionkit converts colour sources with MATLAB ``rgb2gray`` on uint8 first (documented
deviation; the VIFB fixtures are all colour-fused and never take this path).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.color import rgb2gray_uint8
from .registry import VIFB_METRICS

VIFB_NAMES = {"Avg_gradient": "AG", "Cross_entropy": "CE", "Edge_intensity": "EI", "Entropy": "EN",
              "Mutinf": "MI", "Psnr": "PSNR", "Qabf": "Qabf", "Qcb": "Qcb", "Qcv": "Qcv", "Rmse": "RMSE",
              "Spatial_frequency": "SF", "Ssim": "SSIM", "Variance": "SD"}


def _grey(x: np.ndarray) -> np.ndarray:
    return rgb2gray_uint8(np.clip(np.floor(x + 0.5), 0, 255).astype(np.uint8)).astype(np.float64) \
        if x.ndim == 3 else x


def _channels(fused: np.ndarray, vi: np.ndarray, ir: np.ndarray):
    for k in range(fused.shape[2]):
        yield fused[:, :, k], ir if ir.ndim == 2 else ir[:, :, k], vi if vi.ndim == 2 else vi[:, :, k]


def evaluate_vifb_rgb(fused: np.ndarray, vi: np.ndarray, ir: np.ndarray, backend: str = "fast",
                      metrics=VIFB_METRICS) -> dict[str, float]:
    """VIFB's value of each metric for (possibly RGB) uint8-valued arrays ``fused``, ``vi``, ``ir``.

    Grey triples are evaluated with convention ``vifb`` by ``backend`` ("fast": the three
    channels as one torch batch; "reference": NumPy), with A = infrared, B = visible.
    """
    import torch

    from . import backend_torch
    from .backend_numpy import FUNCTIONS, sf

    def metric(names, F, A, B):
        return [FUNCTIONS[n](F, A, B, "vifb") for n in names]

    if backend not in ("fast", "reference"):
        raise ValueError(f"unknown backend {backend!r}; valid: fast, reference")

    fused, vi, ir = (np.asarray(x, dtype=np.float64) for x in (fused, vi, ir))
    names = [m for m in metrics if m != "SF"]
    if fused.ndim == 2:
        triples = [(fused, _grey(ir), _grey(vi))]
        sf_image = fused
    else:
        triples = list(_channels(fused, vi, ir))
        sf_image = np.concatenate([fused[:, :, k] for k in range(fused.shape[2])], axis=1)
    if backend == "fast":
        F, A, B = (torch.from_numpy(np.stack(x)) for x in zip(*triples))
        res = backend_torch.compute(names, F, A, B, "vifb")
        out = {n: float(res[n].mean()) for n in names}
    else:
        per = np.asarray([metric(names, F, A, B) for F, A, B in triples], dtype=np.float64)
        out = dict(zip(names, per.mean(axis=0).tolist()))
    if "SF" in metrics:
        out["SF"] = sf(sf_image, None, None)
    return {m: out[m] for m in metrics}


def compare_with_fixtures(fixtures_dir: str | Path, inputs_dir: str | Path, backend: str = "fast",
                          images: list[str] | None = None, methods: list[str] | None = None):
    """Our ``vifb``-convention values next to VIFB's MATLAB values for every fixture fused image.

    ``fixtures_dir``: ``.../fixtures/vifb`` (``fused/<image>_<method>.jpg``, ``matlab_metrics.csv``);
    ``inputs_dir``: VIFB's ``input`` folder (``IR/``, ``VI/``). Rows whose fused image is absent
    are skipped. Returns a DataFrame: image, method, metric, matlab, ours, abs_err, rel_err, ok
    (ok: relative error <= 0.5 % or absolute error <= 1e-3).
    """
    import pandas as pd
    from PIL import Image

    fixtures_dir, inputs_dir = Path(fixtures_dir), Path(inputs_dir)
    ref = pd.read_csv(fixtures_dir / "matlab_metrics.csv")
    ref["name"] = ref["metric"].map(VIFB_NAMES)
    rows = []
    for (img, meth), g in ref.groupby(["image", "method"], sort=True):
        if (images and img not in images) or (methods and meth not in methods):
            continue
        fpath = fixtures_dir / "fused" / f"{img}_{meth}.jpg"
        if not fpath.exists():
            continue
        F = np.asarray(Image.open(fpath))
        vi = np.asarray(Image.open(inputs_dir / "VI" / f"{img}.jpg"))
        ir = np.asarray(Image.open(inputs_dir / "IR" / f"{img}.jpg"))
        ours = evaluate_vifb_rgb(F, vi, ir, backend=backend, metrics=tuple(g["name"]))
        for _, r in g.iterrows():
            rows.append((img, meth, r["name"], float(r["value"]), ours[r["name"]]))
    df = pd.DataFrame(rows, columns=["image", "method", "metric", "matlab", "ours"])
    df["abs_err"] = (df["ours"] - df["matlab"]).abs()
    df["rel_err"] = df["abs_err"] / df["matlab"].abs().clip(lower=1e-12)
    df["ok"] = (df["rel_err"] <= 0.005) | (df["abs_err"] <= 1e-3)
    return df
