"""MEF-SSIM (Ma, Zeng & Wang, IEEE TIP 24(11), 2015), single- and multi-scale, batched in torch.

For every 11 x 11 window the K sources' patches x_k are split into mean mu_k, contrast
c_k = ||x_k - mu_k|| (+ 0.001) and structure; the desired patch has the largest contrast max c_k and the
structure sum_k w_k (x_k - mu_k) / c_k normalised, with w_k = (c_k / 11)^p normalised over k and
p = tan(pi/2 R), R = ||sum_k (x_k - mu_k)|| / sum_k ||x_k - mu_k|| the structural consistency (p <= 10).
The quality of the fused patch is the SSIM contrast-structure term (2 s_rf + C) / (s_r^2 + s_f^2 + C),
C = (0.03 * 255)^2, with an 11 x 11 Gaussian (sigma 1.5) window; Q is its mean over the 'valid' windows.
The multi-scale score is prod_l Q_l^w_l over 3 scales (weights 0.0448, 0.2856, 0.3001, normalised), each
scale a 2 x 2 mean (replicated last row / column) kept every second sample.

Hand-written because no maintained Python library has it; it follows the algorithm of the authors'
``mef_ssim.m`` / ``mef_ms_ssim.m`` (used by, e.g., the FMMF paper's group as its "MS_SSIM"), with every window
sum expressed through box and Gaussian filters instead of the per-window loop (equal to ~1e-12, tested
against a literal per-window version).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as Fn

from .backend_torch import _gauss1d, sep_filter

Tensor = torch.Tensor
WINDOW = 11
K = 0.03
SCALE_WEIGHTS = (0.0448, 0.2856, 0.3001)
EPS = 2.220446049250313e-16  # MATLAB eps


def _valid(x: Tensor, g: Tensor) -> Tensor:
    """'valid' correlation of (N, H, W) with the separable kernel outer(g, g) (the suite's FFT filter)."""
    return sep_filter(x, g.to(x), "valid")


def mef_ssim(seq: Tensor, f: Tensor) -> Tensor:
    """Single-scale MEF-SSIM of fused (N, H, W) ``f`` against (N, K, H, W) sources ``seq``, values on [0, 255]:
    (N,) scores."""
    seq, f = seq.to(torch.float64), f.to(torch.float64)
    n_src, n = seq.shape[1], WINDOW * WINDOW
    box, gauss = torch.full((WINDOW,), 1.0 / WINDOW, dtype=torch.float64), _gauss1d(WINDOW, 1.5, f)
    flat = seq.flatten(0, 1)  # (N K, H, W)
    shape = (seq.shape[0], n_src) + tuple(s - WINDOW + 1 for s in seq.shape[-2:])
    mu = _valid(flat, box).reshape(shape)
    sig = (n * (_valid(flat * flat, box).reshape(shape) - mu * mu)).clamp_min(0).sqrt()  # ||x_k - mu_k||
    ed = sig + 0.001
    tot = seq.sum(1)
    num = (n * (_valid(tot * tot, box) - _valid(tot, box) ** 2)).clamp_min(0).sqrt()
    R = (num + EPS) / (sig.sum(1) + EPS)
    R = torch.where(R > 1, torch.full_like(R, 1 - EPS), R)
    R = torch.where(R < 0, torch.full_like(R, EPS), R)
    p = torch.tan(math.pi / 2 * R).clamp_max(10)[:, None]
    w = (ed / WINDOW) ** p + EPS
    a = w / w.sum(1, keepdim=True) / ed  # r = sum_k a_k (x_k - mu_k)
    # Box (norm of r) and Gaussian (SSIM) second moments of every pair of sources, and of each with F
    pairs = [(k, l) for k in range(n_src) for l in range(k, n_src)]
    norm2 = torch.zeros_like(mu[:, 0])
    s11 = torch.zeros_like(norm2)
    gx = _valid(flat, gauss).reshape(shape)
    for k, l in pairs:
        c = 1.0 if k == l else 2.0
        xkxl = seq[:, k] * seq[:, l]
        norm2 = norm2 + c * a[:, k] * a[:, l] * n * (_valid(xkxl, box) - mu[:, k] * mu[:, l])
        s11 = s11 + c * a[:, k] * a[:, l] * (_valid(xkxl, gauss) - gx[:, k] * gx[:, l])
    gf = _valid(f, gauss)
    s22 = _valid(f * f, gauss) - gf * gf
    s12 = sum(a[:, k] * (_valid(seq[:, k] * f, gauss) - gx[:, k] * gf) for k in range(n_src))
    norm = norm2.clamp_min(0).sqrt()
    scale = torch.where(norm > 0, ed.max(1).values / norm.clamp_min(1e-300), torch.ones_like(norm))
    C = (K * 255) ** 2
    q = (2 * scale * s12 + C) / (scale * scale * s11 + s22 + C)
    return q.flatten(1).mean(1)


def _down(x: Tensor) -> Tensor:
    """2 x 2 mean with the last row / column replicated (MATLAB imfilter 'symmetric' with ones(2)/4), every
    second sample from the first."""
    return Fn.avg_pool2d(Fn.pad(x, (0, 1, 0, 1), mode="replicate"), 2)


def mef_ms_ssim(seq: Tensor, f: Tensor, weights: tuple[float, ...] = SCALE_WEIGHTS) -> Tensor:
    """Multi-scale MEF-SSIM (``len(weights)`` scales): (N,) scores; needs min(H, W) >= 11 * 2^(scales-1)."""
    levels = len(weights)
    if min(f.shape[-2:]) / 2 ** (levels - 1) < WINDOW:
        raise ValueError(f"mef_ms_ssim: images of shape {tuple(f.shape[-2:])} are too small for {levels} scales "
                         f"(each side >= {WINDOW * 2 ** (levels - 1)})")
    w = torch.tensor(weights, dtype=torch.float64)
    w = w / w.sum()
    seq, f = seq.to(torch.float64), f.to(torch.float64)
    out = torch.ones(f.shape[0], dtype=torch.float64, device=f.device)
    for level in range(levels):
        out = out * mef_ssim(seq, f) ** w[level]
        if level < levels - 1:
            seq, f = _down(seq), _down(f[:, None])[:, 0]
    return out
