"""Wavelet methods (PyWavelets)."""
from __future__ import annotations

import numpy as np
import pywt

from ...registry import METHODS
from ..base import FusionMethod


@METHODS.register("dwt")
class DWT(FusionMethod):
    """Discrete wavelet transform fusion: average the approximation, keep the larger |detail|.

    Li, Manjunath & Mitra, Graphical Models and Image Processing 57(3), 1995.
    """

    name, citation = "dwt", "Li, Manjunath & Mitra, Graph. Models Image Process. 57(3), 1995"
    defaults = {"wavelet": "db2", "levels": 3, "mode": "symmetric"}

    def _fuse(self, a, b):
        w, L, mode = self.options["wavelet"], self.options["levels"], self.options["mode"]
        L = max(1, min(L, pywt.dwt_max_level(min(a.shape), w)))
        ca, cb = pywt.wavedec2(a, w, mode=mode, level=L), pywt.wavedec2(b, w, mode=mode, level=L)
        fused = [(ca[0] + cb[0]) / 2]
        for da, db in zip(ca[1:], cb[1:]):
            fused.append(tuple(np.where(np.abs(x) >= np.abs(y), x, y) for x, y in zip(da, db)))
        return pywt.waverec2(fused, w, mode=mode)[:a.shape[0], :a.shape[1]]


@METHODS.register("dtcwt")
class DTCWT(FusionMethod):
    """Dual-tree complex wavelet fusion (Lewis et al., Information Fusion 8(2), 2007): average the
    lowpass, keep the highpass coefficient of larger magnitude. Transform: pytorch_wavelets
    (Kingsbury's near_sym_b / qshift_b filters, 4 levels)."""

    name, citation = "dtcwt", "Lewis, O'Callaghan, Nikolov, Bull & Canagarajah, Information Fusion 8(2), 2007"
    defaults = {"levels": 4, "biort": "near_sym_b", "qshift": "qshift_b"}

    def _fuse(self, a, b):
        import warnings

        import torch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pkg_resources deprecation inside pytorch_wavelets
            from pytorch_wavelets import DTCWTForward, DTCWTInverse
        o = self.options
        L = max(1, min(o["levels"], int(np.floor(np.log2(min(a.shape) / 4)))))
        fwd = DTCWTForward(J=L, biort=o["biort"], qshift=o["qshift"]).double()
        inv = DTCWTInverse(biort=o["biort"], qshift=o["qshift"]).double()
        la, ha = fwd(torch.from_numpy(a)[None, None])
        lb, hb = fwd(torch.from_numpy(b)[None, None])
        high = []
        for x, y in zip(ha, hb):  # (..., 2) = real, imaginary
            mx, my = (t.pow(2).sum(-1, keepdim=True) for t in (x, y))
            high.append(torch.where(mx >= my, x, y))
        out = inv(((la + lb) / 2, high))[0, 0].numpy()
        return out[:a.shape[0], :a.shape[1]]
