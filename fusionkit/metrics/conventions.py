"""Conventions defined by an evaluator's code: the metrics each one computes differently from ``standard``, as
NumPy functions ``(f, a, b) -> float`` on float64 8-bit levels (every other metric of the convention is the
standard one, computed by either backend).

- ``tang``: Linfeng Tang's MATLAB Evaluation-for-Image-Fusion (``analysis_Reference.m``, commit 0e87153),
  definitions :data:`.registry.TANG_DEFINITIONS`, spec docs/conventions/tang.md;
- ``cddfuse``: MMIF-CDDFuse's ``utils/Evaluator.py`` as ``test_IVF.py`` calls it (commit fd8da1f) under its pinned
  scikit-image 0.19.2 / scikit-learn 1.1.3, :data:`.registry.CDDFUSE_DEFINITIONS`, docs/conventions/cddfuse.md.

Both are golden-tested against the values their own, unmodified code gives on our fixture triples
(``tests/fixtures/golden_<name>.csv``, made by ``tools/golden/``). Hand-written where a quirk is the point (the
saturated joint histogram, MATLAB ssim's range of a double); library calls where the evaluator called a
library (scikit-image's SSIM)."""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import ndimage

from . import backend_numpy as ref

Override = Callable[[np.ndarray, np.ndarray, np.ndarray], float]


def _mse(f, a, b) -> float:
    return float((((a - f) ** 2).mean() + ((b - f) ** 2).mean()) / 2)


def sf_own_counts(f, a, b) -> float:
    """SF with each squared-difference mean over its own count (Tang's SF_evaluation.m, CDDFuse's SF)."""
    return float(np.sqrt(((f[:, 1:] - f[:, :-1]) ** 2).mean() + ((f[1:, :] - f[:-1, :]) ** 2).mean()))


# ----------------------------------------------------------------------------- tang
def _joint_entropy_saturated(x: np.ndarray, y: np.ndarray) -> float:
    """Hab.m: 256x256 counts indexed by uint8(x) + 1, which saturates, so levels 254 and 255 share a bin."""
    ix = np.minimum(ref.levels(x, "standard") + 1, 255)
    iy = np.minimum(ref.levels(y, "standard") + 1, 255)
    joint = np.bincount((ix * 256 + iy).ravel(), minlength=256 * 256).astype(float)
    return ref.entropy_of_counts(joint)


def tang_mi(f, a, b) -> float:
    """MI_evaluation.m: (H(A) + H(F) - H(F,A)) + (H(B) + H(F) - H(F,B)), bits, H(.,.) from Hab.m's histogram."""
    def h(x):
        return ref.entropy_of_counts(np.bincount(ref.levels(x, "standard").ravel(), minlength=256).astype(float))

    hf = h(f)
    return (h(a) + hf - _joint_entropy_saturated(f, a)) + (h(b) + hf - _joint_entropy_saturated(f, b))


def tang_psnr(f, a, b) -> float:
    """PSNR_evaluation.m: MSE of the [0, 1] images against the peak 255."""
    m = _mse(f, a, b) / 255 ** 2
    return float(10 * np.log10(255 ** 2 / m)) if m > 0 else float("inf")


def tang_mse(f, a, b) -> float:
    """MSE_evaluation.m: on [0, 1] images."""
    return _mse(f, a, b) / 255 ** 2


def _matlab_ssim(x: np.ndarray, y: np.ndarray, dynamic_range: float = 1.0) -> float:
    """MATLAB ``ssim(x, y)`` with its defaults: Gaussian sigma 1.5 (11x11, imfilter 'replicate'), K = (0.01, 0.03)
    of the class range (1 for doubles, whatever the data), the mean of the whole map. Hand-written: no library
    pads by replication and keeps the border (scikit-image reflects and crops)."""
    w = ref.fspecial_gaussian(11, 1.5)

    def filt(z):
        return ndimage.correlate(z, w, mode="nearest")

    c1, c2 = (0.01 * dynamic_range) ** 2, (0.03 * dynamic_range) ** 2
    ux, uy = filt(x), filt(y)
    sxx, syy, sxy = filt(x * x) - ux * ux, filt(y * y) - uy * uy, filt(x * y) - ux * uy
    return float((((2 * ux * uy + c1) * (2 * sxy + c2)) / ((ux * ux + uy * uy + c1) * (sxx + syy + c2))).mean())


def tang_ssim(f, a, b) -> float:
    """analysis_Reference.m: 0.5 ssim(F, A) + 0.5 ssim(F, B) on 0-255 doubles (MATLAB's range 1)."""
    return 0.5 * _matlab_ssim(f, a) + 0.5 * _matlab_ssim(f, b)


# ----------------------------------------------------------------------------- cddfuse
def cddfuse_mi(f, a, b) -> float:
    """sklearn ``mutual_info_score`` on the grey levels, summed over the sources: the standard MI in nats."""
    return float(ref.mi(f, a, b, "standard") * np.log(2))


def cddfuse_ag(f, a, b) -> float:
    """Evaluator.AG: mean of sqrt((gx^2 + gy^2)/2) over all pixels, numpy.gradient differences."""
    gy, gx = np.gradient(f)
    return float(np.sqrt((gx ** 2 + gy ** 2) / 2).mean())


def cddfuse_psnr(f, a, b) -> float:
    """Evaluator.PSNR: the fused image's own maximum as the peak."""
    m = _mse(f, a, b)
    return float(10 * np.log10(f.max() ** 2 / m)) if m > 0 else float("inf")


def cddfuse_ssim(f, a, b) -> float:
    """Evaluator.SSIM: scikit-image's ``structural_similarity(F, X)`` summed over the sources, on float32 images,
    with what 0.19's defaults were for float input: data_range 2 (newer releases require it given)."""
    from skimage.metrics import structural_similarity

    f32 = f.astype(np.float32)
    return float(sum(structural_similarity(f32, x.astype(np.float32), data_range=2) for x in (a, b)))


def cddfuse_vif(f, a, b) -> float:
    """Evaluator.VIFF: the standard VIFp of each source summed, a NaN VIFp counted as 1."""
    vals = [ref._vifp(x, f) for x in (a, b)]
    return float(sum(1.0 if np.isnan(v) else v for v in vals))


def _vifb(name: str) -> Override:
    fn = ref.FUNCTIONS.get(name)
    return lambda f, a, b: fn(f, a, b, "vifb")


#: convention -> metric -> the function that replaces the standard one
OVERRIDES: dict[str, dict[str, Override]] = {
    "tang": {"MI": tang_mi, "PSNR": tang_psnr, "MSE": tang_mse, "SF": sf_own_counts, "AG": _vifb("AG"),
             "Qabf": _vifb("Qabf"), "SSIM": tang_ssim,
             "MS_SSIM": lambda f, a, b: ref.FUNCTIONS.get("MS_SSIM")(f, a, b, "fmmf"),
             "Nabf": lambda f, a, b: ref.nabf_core(a, b, f)},  # its call's argument order (registry.TANG_DEFINITIONS)
    "cddfuse": {"MI": cddfuse_mi, "SF": sf_own_counts, "AG": cddfuse_ag, "PSNR": cddfuse_psnr,
                "Qabf": _vifb("Qabf"), "SSIM": cddfuse_ssim, "VIF": cddfuse_vif},
}


def split(names, convention: str) -> tuple[list[str], dict[str, Override], str]:
    """``names`` as (those a backend computes, the overrides of ``convention``, the convention to pass it)."""
    over = OVERRIDES.get(convention, {})
    base = "standard" if convention in OVERRIDES else convention
    return [n for n in names if n not in over], {n: over[n] for n in names if n in over}, base
