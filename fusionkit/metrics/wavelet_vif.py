"""Wavelet-domain VIF (Sheikh & Bovik, IEEE TIP 15(2), 2006): the LIVE ``vifvec`` algorithm.

The pixel-domain VIF of the other conventions (``vifp_mscale``) is a different, simplified model. This is
the original one: a 4-level, 6-orientation steerable pyramid ('sp5' filters, 'reflect1' edges); of each
level the 0 and 90 degree bands (LIVE's subbands 4, 7, ..., 25); a Gaussian scale mixture of M x M = 3 x 3
coefficient vectors for the reference; a gain-plus-noise distortion channel estimated over
(2^lev + 1)-square windows (lev = 1 at the coarsest level, 4 at the finest) sampled every M coefficients;
neural noise sigma_n^2 = 0.4; VIF = sum over bands and eigenvalues of log2(1 + g^2 s lambda / (v + sigma_n^2))
divided by the same sum without distortion, log2(1 + s lambda / sigma_n^2), after dropping
ceil(((winsize - 1) / 2) / M) border samples of each band.

The steerable pyramid and the down-sampling correlation come from ``pyrtools`` (the Python port of the
matlabPyrTools that ``vifvec`` calls); the GSM and channel estimation, which no library offers, are written
here from the algorithm. The input scale matters (sigma_n^2 is absolute): LIVE feeds [0, 255], the FMMF
authors' group scripts feed ``im2double`` images in [0, 1] (``convention="fmmf"``).
"""
from __future__ import annotations

import math

import numpy as np

M = 3  # GSM vector block side
SIGMA_NSQ = 0.4
LEVELS = 4
BANDS = (0, 3)  # of six orientations: 0 and 90 degrees (LIVE's subbands 25, 22 / 19, 16 / 13, 10 / 7, 4)
TOL = 1e-15
MIN_SIZE = 96  # below this the 4-level 'sp5' pyramid or its coarsest 3x3 blocks run out of samples


def _pyramid(x: np.ndarray) -> dict:
    from pyrtools.pyramids import SteerablePyramidSpace

    return SteerablePyramidSpace(np.asarray(x, dtype=np.float64), height=LEVELS, order=5,
                                 edge_type="reflect1").pyr_coeffs


def _channel(y: np.ndarray, yn: np.ndarray, winsize: int) -> tuple[np.ndarray, np.ndarray]:
    """Gain g and distortion variance v of yn = g y + v on windows sampled every M coefficients."""
    from pyrtools.pyramids.c.wrapper import corrDn

    h, w = (s // M * M for s in y.shape)
    y, yn = y[:h, :w], yn[:h, :w]
    win = np.ones((winsize, winsize))
    n = win.sum()
    kw = dict(edge_type="reflect1", step=(M, M), start=(M // 2, M // 2), stop=(h - math.ceil(M / 2) + 1,
                                                                                w - math.ceil(M / 2) + 1))
    mx, my = corrDn(y, win / n, **kw), corrDn(yn, win / n, **kw)
    cov = corrDn(y * yn, win, **kw) - n * mx * my
    sx = np.maximum(corrDn(y * y, win, **kw) - n * mx * mx, 0)
    sy = np.maximum(corrDn(yn * yn, win, **kw) - n * my * my, 0)
    g = cov / (sx + TOL)
    v = (sy - g * cov) / n
    low = sx < TOL
    g[low], v[low] = 0, sy[low]
    low = sy < TOL
    g[low], v[low] = 0, 0
    neg = g < 0
    v[neg], g[neg] = sy[neg], 0
    v[v <= TOL] = TOL
    return g, v


def _reference(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GSM of the reference band: the S field on non-overlapping M x M blocks and the eigenvalues of the
    covariance of all (overlapping) M x M coefficient vectors."""
    h, w = (s // M * M for s in y.shape)
    y = y[:h, :w]
    allv = np.stack([y[k:h - (M - 1 - k), j:w - (M - 1 - j)].ravel() for j in range(M) for k in range(M)])
    d = allv - allv.mean(1, keepdims=True)
    cu = d @ d.T / allv.shape[1]
    blocks = np.stack([y[k::M, j::M].ravel() for j in range(M) for k in range(M)])
    s = (np.linalg.solve(cu, blocks) * blocks).sum(0) / (M * M)
    return s.reshape(h // M, w // M), np.linalg.eigvalsh(cu)


def vif_wavelet(ref: np.ndarray, dist: np.ndarray, sigma_nsq: float = SIGMA_NSQ) -> float:
    """Wavelet-domain VIF of ``dist`` against ``ref`` (2-D arrays of the same shape, any scale)."""
    if ref.shape != dist.shape or min(ref.shape) < MIN_SIZE:
        raise ValueError(f"vif_wavelet needs two images of the same shape, each side >= {MIN_SIZE}; "
                         f"got {ref.shape} and {dist.shape}")
    pr, pd = _pyramid(ref), _pyramid(dist)
    num = den = 0.0
    for level in range(LEVELS):
        lev = LEVELS - level  # LIVE's ceil((sub - 1) / 6): 1 at the coarsest level
        winsize = 2 ** lev + 1
        off = math.ceil((winsize - 1) / 2 / M)
        for band in BANDS:
            y, yn = pr[(level, band)], pd[(level, band)]
            g, v = _channel(y, yn, winsize)
            s, lam = _reference(y)
            crop = (slice(off, -off or None), slice(off, -off or None))
            g, v, s = g[crop], v[crop], s[crop]
            for lj in lam:
                num += float(np.log2(1 + g * g * s * lj / (v + sigma_nsq)).sum())
                den += float(np.log2(1 + s * lj / sigma_nsq).sum())
    return num / den
