"""No-reference sharpness metrics CPBD and JNB, following the reference MATLAB code step by step.

- CPBD: Narvekar & Karam, IEEE TIP 20(9) 2011, code ``CPBD_compute.m`` (IVU Lab, October 2009).
- JNB: Ferzli & Karam, IEEE TIP 18(4) 2009, code ``JNBM_compute.m``.

Both are kept in NTIA's NRMetricFramework (``reports/nrff_cpbd.m``, ``reports/nrff_jnb.m``), which is what
was read. The functions below are written here. Each step names the MATLAB line it follows. The MATLAB
built-ins they call (``edge`` with 'canny' and 'sobel', ``gradient``, ``imhist``, ``round``) are written out as
MATLAB's Image Processing Toolbox of that time (R2009b's ``edge.m``) defines them. Hand-written because no
maintained library computes either metric: the ``cpbd`` package on PyPI (used only in the tests, as a
cross-check) uses other edge detectors, and it no longer imports with current SciPy.

Where we still differ from MATLAB:
- ``edge(I,'canny')`` changed in R2011a (sigma sqrt(2) and another derivative filter). We follow the
  R2009b code, which is what the 2009 references ran on. ``CANNY_SIGMA`` is 1, as in R2009b.
- ``bwmorph(e,'thin',1)`` at the end of Canny is scikit-image's ``thin`` (one iteration). It is the
  same two-sub-iteration algorithm that MATLAB documents.
- MATLAB grows ``angle_A`` on assignment, so pixels with ``Gx == 0`` and ``Gy`` not 0 (or pi/2) keep the
  fill value 0. We keep 0 there too. MATLAB would fail with an index error if the last row or column were
  all such pixels; we do not.
- JNB with no edge block leaves ``temp`` undefined in MATLAB (an error). We return NaN.
- CPBD with no edge block gives 0, and JNB with edge blocks but no Sobel edge in them gives Inf, as in MATLAB.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

BLOCK = 64  # rb = rc = 64 (both)
EDGE_FRACTION = 0.002  # threshold / T: an edge block has more than 0.002 * 64 * 64 Canny pixels
BETA = 3.6  # the psychometric fit (both)
CANNY_SIGMA = 1.0  # R2009b edge.m: "Sigma = 1.0; % Default Std dev of gaussian for canny"
CPBD_SOBEL_THRESHOLD = 2.0  # CPBD_compute.m: edge(input_image,'Sobel',[2],'vertical')
MAX_WALK = 100  # "for k=0:100" in marziliano_method / edge_width


def matlab_round(x: np.ndarray | float) -> np.ndarray:
    """MATLAB ``round``: halves away from zero (NumPy rounds them to even)."""
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _imfilter(a: np.ndarray, h: np.ndarray, conv: bool = False) -> np.ndarray:
    """``imfilter(a, h, 'replicate')`` (correlation), or with ``'conv'`` (the kernel turned by 180 degrees)."""
    h = np.atleast_2d(h)
    return ndimage.correlate(a, h[::-1, ::-1] if conv else h, mode="nearest")


# ----------------------------------------------------------------------------- edge(I, 'sobel', ...)
def sobel_edges(a: np.ndarray, thresh: float | None = None, direction: str = "vertical") -> np.ndarray:
    """``edge(a, 'sobel', thresh, direction)`` with thinning (R2009b ``edge.m``).

    ``op = fspecial('sobel')/8``; ``bx = imfilter(a, op', 'replicate')``, ``by = imfilter(a, op, ...)``;
    ``b = kx*bx.^2 + ky*by.^2`` (vertical: kx = 1, ky = 0); cutoff = ``thresh^2`` or, when ``thresh`` is
    empty, ``4 * mean2(b)``. Thinning (``computeedge``): ``b > cutoff`` and either
    ``|bx| >= kx|by| - 100 eps`` with ``b(r,c-1) <= b(r,c) > b(r,c+1)``, or ``|by| >= ky|bx| - 100 eps`` with
    ``b(r-1,c) <= b(r,c) > b(r+1,c)``; a neighbour outside the image passes its comparison."""
    kx, ky = {"vertical": (1.0, 0.0), "horizontal": (0.0, 1.0), "both": (1.0, 1.0)}[direction]
    a = np.asarray(a, dtype=np.float64)
    op = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]]) / 8
    bx, by = _imfilter(a, op.T), _imfilter(a, op)
    b = kx * bx * bx + ky * by * by
    cutoff = 4.0 * b.mean() if thresh is None else float(thresh) ** 2
    bx, by = np.abs(bx), np.abs(by)
    pad = np.pad(b, 1, mode="constant", constant_values=np.nan)  # NaN: comparisons outside decided below
    left, right, up, down = pad[1:-1, :-2], pad[1:-1, 2:], pad[:-2, 1:-1], pad[2:, 1:-1]
    b1 = np.isnan(left) | (left <= b)
    b2 = np.isnan(right) | (b > right)
    b3 = np.isnan(up) | (up <= b)
    b4 = np.isnan(down) | (b > down)
    eps100 = 100 * np.finfo(np.float64).eps
    return (b > cutoff) & (((bx >= kx * by - eps100) & b1 & b2) | ((by >= ky * bx - eps100) & b3 & b4))


# ----------------------------------------------------------------------------- edge(I, 'canny')
def _canny_filters(sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """R2009b: ``width`` = the last of 1:30 with exp(-w^2/(2 sigma^2)) > 1e-4; ``gau`` (not normalised) and
    the x-derivative of the 2-D Gaussian ``dgau2D = -x exp(-(x^2+y^2)/(2 sigma^2)) / (pi sigma^2)``."""
    ssq = sigma * sigma
    pw = np.arange(1, 31)
    ok = np.nonzero(np.exp(-(pw * pw) / (2 * ssq)) > 1e-4)[0]
    width = int(pw[ok[-1]]) if ok.size else 1
    t = np.arange(-width, width + 1, dtype=np.float64)
    gau = np.exp(-(t * t) / (2 * ssq)) / (2 * math.pi * ssq)
    x, y = np.meshgrid(t, t)
    return gau, -x * np.exp(-(x * x + y * y) / (2 * ssq)) / (math.pi * ssq)


def _canny_local_maxima(direction: int, ix: np.ndarray, iy: np.ndarray, mag: np.ndarray) -> np.ndarray:
    """``cannyFindLocalMaxima``: interior pixels whose gradient lies in sector ``direction`` (1-4) and whose
    magnitude is >= both linearly interpolated neighbours across the edge. Returns a boolean map."""
    m, n = mag.shape
    sector = {1: ((iy <= 0) & (ix > -iy)) | ((iy >= 0) & (ix < -iy)),
              2: ((ix > 0) & (-iy >= ix)) | ((ix < 0) & (-iy <= ix)),
              3: ((ix <= 0) & (ix > iy)) | ((ix >= 0) & (ix < iy)),
              4: ((iy < 0) & (ix <= iy)) | ((iy > 0) & (ix >= iy))}[direction]
    sector[0, :] = sector[-1, :] = sector[:, 0] = sector[:, -1] = False  # "Exclude the exterior pixels"
    r, c = np.nonzero(sector)
    ixv, iyv, g = ix[r, c], iy[r, c], mag[r, c]
    with np.errstate(divide="ignore", invalid="ignore"):
        # MATLAB's linear index idx+m is column c+1, idx-1 is row r-1
        if direction == 1:
            d = np.abs(iyv / ixv)
            g1 = mag[r, c + 1] * (1 - d) + mag[r - 1, c + 1] * d
            g2 = mag[r, c - 1] * (1 - d) + mag[r + 1, c - 1] * d
        elif direction == 2:
            d = np.abs(ixv / iyv)
            g1 = mag[r - 1, c] * (1 - d) + mag[r - 1, c + 1] * d
            g2 = mag[r + 1, c] * (1 - d) + mag[r + 1, c - 1] * d
        elif direction == 3:
            d = np.abs(ixv / iyv)
            g1 = mag[r - 1, c] * (1 - d) + mag[r - 1, c - 1] * d
            g2 = mag[r + 1, c] * (1 - d) + mag[r + 1, c + 1] * d
        else:
            d = np.abs(iyv / ixv)
            g1 = mag[r, c - 1] * (1 - d) + mag[r - 1, c - 1] * d
            g2 = mag[r, c + 1] * (1 - d) + mag[r + 1, c + 1] * d
    keep = (g >= g1) & (g >= g2)
    out = np.zeros((m, n), dtype=bool)
    out[r[keep], c[keep]] = True
    return out


def canny_edges(a: np.ndarray, sigma: float = CANNY_SIGMA) -> np.ndarray:
    """``edge(a, 'canny')`` as R2009b's ``edge.m`` computes it: Gaussian smoothing along rows then columns
    (``'conv','replicate'``), derivative-of-Gaussian x and y gradients, magnitude normalised by its
    maximum, thresholds from ``imhist(mag, 64)`` (high: the first bin where the cumulative count exceeds
    70 % of the pixels, divided by 64; low: 0.4 x high), non-maximum suppression in four sectors,
    hysteresis (``bwselect`` of the 8-connected weak edges holding a strong one), one pass of
    ``bwmorph(e,'thin',1)``."""
    from skimage.morphology import thin

    a = np.asarray(a, dtype=np.float64)
    m, n = a.shape
    gau, dgau = _canny_filters(sigma)
    smooth = _imfilter(_imfilter(a, gau[None, :], conv=True), gau[:, None], conv=True)
    ax, ay = _imfilter(smooth, dgau, conv=True), _imfilter(smooth, dgau.T, conv=True)
    mag = np.sqrt(ax * ax + ay * ay)
    if mag.max() > 0:
        mag = mag / mag.max()
    # imhist(mag, 64) for a double image: bin k (0-based) holds round(mag * 63) == k
    counts = np.bincount(matlab_round(mag * 63).astype(np.int64).ravel(), minlength=64)
    high = (np.nonzero(np.cumsum(counts) > 0.7 * m * n)[0][0] + 1) / 64
    low = 0.4 * high
    weak = np.zeros((m, n), dtype=bool)
    strong = np.zeros((m, n), dtype=bool)
    for direction in (1, 2, 3, 4):
        local = _canny_local_maxima(direction, ax, ay, mag)
        w = local & (mag > low)
        weak |= w
        strong |= w & (mag > high)
    if not strong.any():
        return np.zeros((m, n), dtype=bool)
    labels, _ = ndimage.label(weak, structure=np.ones((3, 3)))
    keep = np.unique(labels[strong])
    e = np.isin(labels, keep[keep > 0])
    return thin(e, max_num_iter=1)


# ----------------------------------------------------------------------------- Marziliano edge widths
def _runs(cond: np.ndarray, forward: bool) -> np.ndarray:
    """Per row, how many consecutive ``cond`` steps start at each column: ``run[j] = cond[j] * (run[j±1]+1)``
    (``forward``: towards larger columns). ``cond[:, j]`` is one step from j."""
    run = np.zeros(cond.shape, dtype=np.int64)
    cols = range(cond.shape[1] - 1, -1, -1) if forward else range(cond.shape[1])
    prev = np.zeros(cond.shape[0], dtype=np.int64)
    for j in cols:
        prev = np.where(cond[:, j], prev + 1, 0)
        run[:, j] = prev
    return run


def gradient_angles(a: np.ndarray) -> np.ndarray:
    """``angle_Arnd``: ``[Gx Gy] = gradient(A)``; atan2(Gy, Gx) in degrees where Gx ~= 0, 0 where both are 0,
    90 where Gx == 0 and Gy == pi/2, 0 elsewhere (MATLAB's fill value); quantised ``45*round(angle/45)``.
    Returns (rounded angles, raw angles)."""
    gy, gx = np.gradient(np.asarray(a, dtype=np.float64))
    ang = np.where(gx != 0, np.degrees(np.arctan2(gy, gx)), 0.0)
    ang = np.where((gx == 0) & (gy == math.pi / 2), 90.0, ang)
    return 45 * matlab_round(ang / 45), ang


def marziliano_widths(edges: np.ndarray, a: np.ndarray, jnb_angle_quirk: bool = False) -> np.ndarray:
    """``marziliano_method(E, A)`` of ``CPBD_compute.m``: a map the size of ``a``, 0 off the edges, and at
    each edge pixel of the interior whose rounded gradient angle is 0 or +-180 the width between the
    extrema on either side along its row (Marziliano et al. 2004).

    Angle 0 (intensity rising to the right): side 1 counts the steps right while A keeps rising, side 2
    the steps left while it keeps falling; +-180 mirrored. Each side is ``k + 1`` for the ``k`` at which
    ``for k=0:100`` breaks (the image border, or the monotony ending), so the width is at least 2.

    ``jnb_angle_quirk``: ``JNBM_compute.m``'s ``edge_width`` tests ``angle_Arnd == 180 || angle_A == -180``
    (``angle_A``, not rounded: a typo kept as the reference runs it), so most -180 edges get no width."""
    A = np.asarray(a, dtype=np.float64)
    M, N = A.shape
    rnd, raw = gradient_angles(A)
    E = np.zeros((M, N), dtype=bool)
    E[1:-1, 1:-1] = np.asarray(edges, dtype=bool)[1:-1, 1:-1]  # "for m=2:M-1, n=2:N-1"
    rising = np.zeros((M, N), dtype=bool)
    rising[:, :-1] = A[:, 1:] > A[:, :-1]  # step j -> j+1 rises
    falling = np.zeros((M, N), dtype=bool)
    falling[:, :-1] = A[:, 1:] < A[:, :-1]
    up_right, down_right = _runs(rising, True), _runs(falling, True)  # steps j -> j+1 -> ...
    left_rising = np.zeros((M, N), dtype=bool)  # step j -> j-1 rises
    left_rising[:, 1:] = A[:, :-1] > A[:, 1:]
    left_falling = np.zeros((M, N), dtype=bool)
    left_falling[:, 1:] = A[:, :-1] < A[:, 1:]
    up_left, down_left = _runs(left_rising, False), _runs(left_falling, False)
    out = np.zeros((M, N))
    r, c = np.nonzero(E)
    a0 = rnd[r, c] == 0
    a180 = ((rnd[r, c] == 180) | (raw[r, c] == -180)) if jnb_angle_quirk else (np.abs(rnd[r, c]) == 180)
    # the walk starts one pixel beside the edge pixel: "posy1 = n+1+k, posy2 = n+2+k"
    w0 = np.minimum(up_right[r, c + 1], MAX_WALK) + 1 + np.minimum(down_left[r, c - 1], MAX_WALK) + 1
    w180 = np.minimum(up_left[r, c - 1], MAX_WALK) + 1 + np.minimum(down_right[r, c + 1], MAX_WALK) + 1
    # a pixel may be both 0 and 180 only in the JNB quirk (never: rounded 0 has raw angle in (-22.5, 22.5))
    out[r[a180], c[a180]] = w180[a180]
    out[r[a0], c[a0]] = w0[a0]
    return out


# ----------------------------------------------------------------------------- the metrics
def _blocks(shape: tuple[int, int]):
    """64x64 blocks, row-major over ``floor(m/64) x floor(n/64)`` (the remainder is never looked at)."""
    for i in range(shape[0] // BLOCK):
        for j in range(shape[1] // BLOCK):
            yield slice(BLOCK * i, BLOCK * (i + 1)), slice(BLOCK * j, BLOCK * (j + 1))


def _is_edge_block(canny_block: np.ndarray) -> bool:
    """``get_edge_blk_decision``: more than T * 64 * 64 Canny pixels."""
    return int(np.count_nonzero(canny_block)) > canny_block.size * EDGE_FRACTION


def _contrast(block: np.ndarray) -> float:
    """``get_contrast_block``: max - min."""
    return float(block.max() - block.min())


def cpbd_from_maps(a: np.ndarray, canny: np.ndarray, widths: np.ndarray) -> float:
    """The block loop of ``CPBD_compute.m`` given the Canny map and the width map: per edge block,
    ``widthjnb(floor(contrast + 1))`` (5 for the first 51 entries, then 3), P_blur = 1 - exp(-|w/wjnb|^3.6)
    at each width, histogram bin ``round(P_blur*100) + 1``; CPBD = the share of the edges in bins 1-64."""
    hist = np.zeros(101)
    for rows, cols in _blocks(a.shape):
        if not _is_edge_block(canny[rows, cols]):
            continue
        w = widths[rows, cols]
        w = w[w != 0]
        jnb_width = 5.0 if math.floor(_contrast(a[rows, cols]) + 1) <= 51 else 3.0
        p = 1 - np.exp(-np.abs(w / jnb_width) ** BETA)
        hist += np.bincount(matlab_round(p * 100).astype(np.int64), minlength=101)[:101]
    total = hist.sum()
    return float(hist[:64].sum() / total) if total else 0.0


def cpbd(f: np.ndarray) -> float:
    """Cumulative probability of blur detection (Narvekar & Karam 2011), ``CPBD_compute.m``: Canny edges of
    the whole image pick the edge blocks; widths at its ``edge(I,'Sobel',2,'vertical')`` pixels. Input: a
    grey image in [0, 255] (float or integer). Higher is sharper, in [0, 1]."""
    a = np.asarray(f, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"cpbd: expected a grey 2-D image, got shape {a.shape}")
    widths = marziliano_widths(sobel_edges(a, CPBD_SOBEL_THRESHOLD, "vertical"), a)
    return cpbd_from_maps(a, canny_edges(a), widths)


def jnb(f: np.ndarray) -> float:
    """Just-noticeable-blur sharpness (Ferzli & Karam 2009), ``JNBM_compute.m``: per 64x64 block, Canny on
    the block decides if it is an edge block; its widths come from the block's own
    ``edge(A,'Sobel',[],'vertical')`` (automatic threshold); ``Ajnb = widthjnb(floor(contrast + 1))``
    (5 for the first 60 entries, then 3); ``temp = (sum |w/Ajnb|^3.6)^(1/3.6)``. JNB = L / (sum
    temp^3.6)^(1/3.6) with L **all** blocks of the image. NaN when no block is an edge block (MATLAB: an
    error); infinite, as in MATLAB, when the edge blocks hold no Sobel edge to measure."""
    a = np.asarray(f, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"jnb: expected a grey 2-D image, got shape {a.shape}")
    temps = []
    n_blocks = 0
    for rows, cols in _blocks(a.shape):
        n_blocks += 1
        blk = a[rows, cols]
        if not _is_edge_block(canny_edges(blk)):
            continue
        w = marziliano_widths(sobel_edges(blk, None, "vertical"), blk, jnb_angle_quirk=True)
        w = w[w != 0]
        ajnb = 5.0 if math.floor(_contrast(blk) + 1) <= 60 else 3.0
        temps.append(np.sum(np.abs(w / ajnb) ** BETA) ** (1 / BETA))
    if not temps:
        return float("nan")
    denom = float(np.sum(np.asarray(temps) ** BETA) ** (1 / BETA))
    return n_blocks / denom if denom > 0 else float("inf")
