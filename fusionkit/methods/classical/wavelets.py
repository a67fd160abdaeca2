"""Wavelet methods (PyWavelets)."""
from __future__ import annotations

import numpy as np
import pywt

from ..base import FusionMethod


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
