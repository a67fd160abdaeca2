"""Fusion methods by name: ``m = fusionkit.methods.get(name, **options); f = m.fuse(a, b)``.

``a``, ``b``: 2-D grey float arrays in [0, 1] (ir-vis: a = infrared, b = visible); ``f``: same
shape in [0, 1]. ``m.fuse_batch`` takes (N, 1, H, W) tensors; :func:`fuse_rgb` fuses the
luminance and restores colour from a colour source.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..registry import METHODS
from .base import FusionMethod, check_pair
# importing the modules registers their methods, in this order (the order `names()` lists them)
from .classical import simple, pyramids, wavelets, svd, filters, optimisation  # noqa: F401, E401, I001
from . import released, trained  # noqa: F401
from .released import DIDFuseIJCAI  # noqa: F401  (re-exported)
from .trained import DIDFuseTrained  # noqa: F401  (re-exported)

REGISTRY = METHODS  # the name older code used; every method registers itself at its definition


def register(cls: type[FusionMethod]) -> type[FusionMethod]:
    """Register a user's own method class under its ``name`` (same as ``@METHODS.register(name)``)."""
    return METHODS.register(cls.name)(cls)


def names() -> list[str]:
    return METHODS.names()


def get(name: str, **options: Any) -> FusionMethod:
    """An instance of the method ``name`` with ``options`` (unknown names/options list the valid ones)."""
    return METHODS.get(name)(**options)


def fuse_rgb(method: FusionMethod, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fuse the luminance of colour/grey sources and restore the colour of the colour source(s).

    ``a``, ``b``: H x W (grey) or H x W x 3 (RGB) arrays in [0, 1]. The luminance (BT.601 Y) of each
    is fused with ``method``; the chroma comes from the colour source (the mean chroma when both are
    colour). Returns H x W x 3 when any source is colour, else H x W.
    """
    from ..data.color import restore_color, rgb_to_ycbcr

    def split(x):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 2:
            return x, None
        if x.ndim != 3 or x.shape[2] != 3:
            raise ValueError(f"fuse_rgb: expected H x W or H x W x 3, got {x.shape}")
        t = torch.from_numpy(np.moveaxis(x, -1, 0))
        return rgb_to_ycbcr(t)[0].numpy(), t

    ya, ca = split(a)
    yb, cb = split(b)
    fy = method.fuse(np.clip(ya, 0, 1), np.clip(yb, 0, 1))
    colour = [c for c in (ca, cb) if c is not None]
    if not colour:
        return fy
    ref = colour[0] if len(colour) == 1 else (colour[0] + colour[1]) / 2
    out = restore_color(torch.from_numpy(fy)[None], ref)
    return np.moveaxis(out.numpy(), 0, -1)


__all__ = ["FusionMethod", "METHODS", "REGISTRY", "check_pair", "fuse_rgb", "get", "names", "register"]
