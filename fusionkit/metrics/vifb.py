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

from typing import Callable

import numpy as np

from ..data.color import rgb2gray_uint8
from .registry import VIFB_METRICS

VIFB_NAMES = {"Avg_gradient": "AG", "Cross_entropy": "CE", "Edge_intensity": "EI", "Entropy": "EN",
              "Mutinf": "MI", "Psnr": "PSNR", "Qabf": "Qabf", "Qcb": "Qcb", "Qcv": "Qcv", "Rmse": "RMSE",
              "Spatial_frequency": "SF", "Ssim": "SSIM", "Variance": "SD"}


def _grey(x: np.ndarray) -> np.ndarray:
    return rgb2gray_uint8(np.clip(np.floor(x + 0.5), 0, 255).astype(np.uint8)).astype(np.float64) \
        if x.ndim == 3 else x


def evaluate_vifb_rgb(fused: np.ndarray, vi: np.ndarray, ir: np.ndarray,
                      metric: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], list[float]] | None = None,
                      metrics=VIFB_METRICS) -> dict[str, float]:
    """VIFB's value of each metric for (possibly RGB) uint8-valued arrays ``fused``, ``vi``, ``ir``.

    ``metric(names, F, A, B)`` evaluates grey triples (default: the reference backend,
    convention ``vifb``), with A = infrared, B = visible as everywhere in fusionkit.
    """
    from .reference import FUNCTIONS, sf

    if metric is None:
        def metric(names, F, A, B):
            return [FUNCTIONS[n](F, A, B, "vifb") for n in names]

    fused, vi, ir = (np.asarray(x, dtype=np.float64) for x in (fused, vi, ir))
    names = [m for m in metrics if m != "SF"]
    out: dict[str, float] = {}
    if fused.ndim == 2:
        vals = metric(names, fused, _grey(ir), _grey(vi))
        out.update(zip(names, vals))
        if "SF" in metrics:
            out["SF"] = sf(fused, None, None)
    else:
        per = []
        for k in range(fused.shape[2]):
            irk = ir if ir.ndim == 2 else ir[:, :, k]
            vik = vi if vi.ndim == 2 else vi[:, :, k]
            per.append(metric(names, fused[:, :, k], irk, vik))
        out.update(zip(names, np.mean(np.asarray(per, dtype=np.float64), axis=0).tolist()))
        if "SF" in metrics:
            out["SF"] = sf(np.concatenate([fused[:, :, k] for k in range(fused.shape[2])], axis=1), None, None)
    return {m: out[m] for m in metrics}
