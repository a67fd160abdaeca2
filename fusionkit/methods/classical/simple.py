"""Pixel-wise rules."""
from __future__ import annotations

import numpy as np

from ...registry import METHODS
from ..base import FusionMethod


@METHODS.register("avg")
class Average(FusionMethod):
    """Average: F = (A + B) / 2."""

    name, citation = "avg", "pixel-wise average (e.g. Piella, Information Fusion 4(4), 2003)"

    def _fuse(self, a, b):
        return (a + b) / 2


@METHODS.register("max")
class Maximum(FusionMethod):
    """Choose-max: F = max(A, B)."""

    name, citation = "max", "pixel-wise maximum (e.g. Piella, Information Fusion 4(4), 2003)"

    def _fuse(self, a, b):
        return np.maximum(a, b)
