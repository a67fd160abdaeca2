"""Pyramid methods: Laplacian pyramid (lp) and ratio of low-pass pyramid (rp).

Pyramids use kornia's Gaussian ``pyrdown``/``pyrup`` (5x5 binomial kernel [1 4 6 4 1]/16, as in
Burt & Adelson), in float64.
"""
from __future__ import annotations

import numpy as np
import torch
import kornia

from ...registry import METHODS
from ..base import FusionMethod


def _t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x)[None, None]


def gaussian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    g = [x]
    for _ in range(levels - 1):
        g.append(kornia.geometry.transform.pyrdown(g[-1], border_type="reflect"))
    return g


def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """EXPAND x to the size of ``like``: pyrup doubles the size, so an odd-sized level (pyrdown
    floors) is one pixel short; that last row/column is replicated, a surplus one cropped."""
    up = kornia.geometry.transform.pyrup(x, border_type="reflect")
    h, w = like.shape[-2:]
    if up.shape[-2] < h or up.shape[-1] < w:
        up = torch.nn.functional.pad(up, (0, max(0, w - up.shape[-1]), 0, max(0, h - up.shape[-2])), mode="replicate")
    return up[..., :h, :w]


def _levels(shape, wanted: int) -> int:
    return max(1, min(wanted, int(np.floor(np.log2(min(shape) / 8))) + 1))


@METHODS.register("lp")
class LaplacianPyramid(FusionMethod):
    """Laplacian pyramid fusion: detail levels choose the larger |coefficient|, the top level averages.

    Burt & Adelson, IEEE TCOM 31(4), 1983; fusion rule of Burt & Kolczynski, ICCV 1993 (select max).
    """

    name, citation = "lp", "Burt & Adelson, IEEE Trans. Commun. 31(4), 1983"
    defaults = {"levels": 4}

    def _fuse(self, a, b):
        L = _levels(a.shape, self.options["levels"])
        ga, gb = gaussian_pyramid(_t(a), L), gaussian_pyramid(_t(b), L)
        top = (ga[-1] + gb[-1]) / 2
        for k in range(L - 2, -1, -1):
            la, lb = ga[k] - _up(ga[k + 1], ga[k]), gb[k] - _up(gb[k + 1], gb[k])
            top = _up(top, ga[k]) + torch.where(la.abs() >= lb.abs(), la, lb)
        return top[0, 0].numpy()


@METHODS.register("rp")
class RatioPyramid(FusionMethod):
    """Ratio of low-pass pyramid: R_k = G_k / EXPAND(G_k+1); keep the ratio farther from 1, average the top.

    Toet, Pattern Recognit. Lett. 9(4), 1989.
    """

    name, citation = "rp", "Toet, Pattern Recognition Letters 9(4), 1989"
    defaults = {"levels": 4, "eps": 1e-6}

    def _fuse(self, a, b):
        L, eps = _levels(a.shape, self.options["levels"]), self.options["eps"]
        ga, gb = gaussian_pyramid(_t(a) + eps, L), gaussian_pyramid(_t(b) + eps, L)
        top = (ga[-1] + gb[-1]) / 2
        for k in range(L - 2, -1, -1):
            ra = ga[k] / _up(ga[k + 1], ga[k]).clamp_min(eps)
            rb = gb[k] / _up(gb[k + 1], gb[k]).clamp_min(eps)
            top = _up(top, ga[k]) * torch.where((ra - 1).abs() >= (rb - 1).abs(), ra, rb)
        return (top[0, 0] - eps).numpy()
