"""Small NumPy/SciPy filters shared by the classical methods (box mean, guided filter, MATLAB-style
Gaussian). Kept apart so the method modules import them without importing each other."""
from __future__ import annotations

import numpy as np
from scipy import ndimage


def box_mean(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over the (2r+1)^2 window, counting only pixels inside the image (He et al.'s boxfilter / N)."""
    size = 2 * r + 1
    num = ndimage.uniform_filter(x, size, mode="constant")
    den = ndimage.uniform_filter(np.ones_like(x), size, mode="constant")
    return num / den


def guided_filter(guide: np.ndarray, p: np.ndarray, r: int, eps: float) -> np.ndarray:
    """He, Sun & Tang's guided filter (ECCV 2010 / TPAMI 2013), grey guide."""
    mI, mp = box_mean(guide, r), box_mean(p, r)
    a = (box_mean(guide * p, r) - mI * mp) / (box_mean(guide * guide, r) - mI * mI + eps)
    b = mp - a * mI
    return box_mean(a, r) * guide + box_mean(b, r)


def _gauss(x: np.ndarray, sigma: float, mode: str, radius: int | None = None) -> np.ndarray:
    """MATLAB fspecial('gaussian', 2w+1, sigma) + imfilter(mode), applied separably.

    ``radius`` w defaults to round(3 sigma) (VSMWLS's gaussFilter); Hybrid-MSD uses floor(3 sigma).
    """
    w = int(np.floor(3 * sigma + 0.5)) if radius is None else int(radius)
    if w == 0:
        return x.copy()
    k = np.exp(-np.arange(-w, w + 1) ** 2 / (2 * sigma * sigma))
    k /= k.sum()
    return ndimage.correlate1d(ndimage.correlate1d(x, k, axis=0, mode=mode), k, axis=1, mode=mode)
