"""Joint transforms for fusion samples: every source of a pair/sequence gets the same crop.

A transform takes and returns a list of ``C x H x W`` tensors. Randomness comes from an
explicit ``torch.Generator`` so that a seed fixes every crop.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F

Sources = list[torch.Tensor]


def _size(srcs: Sources) -> tuple[int, int]:
    return int(srcs[0].shape[-2]), int(srcs[0].shape[-1])


def _parse(size: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    h, w = size
    return int(h), int(w)


class CenterCrop:
    """Crop the centre ``size`` (int or (h, w)); DIDFuse trains on 128x128 centre crops."""

    def __init__(self, size: int | Sequence[int]):
        self.size = _parse(size)

    def __call__(self, srcs: Sources) -> Sources:
        H, W = _size(srcs)
        h, w = self.size
        if h > H or w > W:
            raise ValueError(f"CenterCrop {h}x{w} larger than image {H}x{W}")
        top, left = (H - h) // 2, (W - w) // 2
        return [s[..., top:top + h, left:left + w] for s in srcs]


class RandomCrop:
    """Crop the same random ``size`` window from every source."""

    def __init__(self, size: int | Sequence[int], generator: torch.Generator | None = None,
                 seed: int | None = None):
        self.size = _parse(size)
        if generator is None:
            generator = torch.Generator()
            generator.manual_seed(0 if seed is None else seed)
        self.generator = generator

    def __call__(self, srcs: Sources) -> Sources:
        H, W = _size(srcs)
        h, w = self.size
        if h > H or w > W:
            raise ValueError(f"RandomCrop {h}x{w} larger than image {H}x{W}")
        top = int(torch.randint(0, H - h + 1, (1,), generator=self.generator))
        left = int(torch.randint(0, W - w + 1, (1,), generator=self.generator))
        return [s[..., top:top + h, left:left + w] for s in srcs]


def resize(img: torch.Tensor, size: Sequence[int], mode: str = "bilinear") -> torch.Tensor:
    """Resize a ``C x H x W`` (or ``N x C x H x W``) tensor to (h, w), antialiased when shrinking."""
    x = img if img.dim() == 4 else img.unsqueeze(0)
    kw = {} if mode == "nearest" else {"align_corners": False, "antialias": True}
    out = F.interpolate(x, size=tuple(int(s) for s in size), mode=mode, **kw)
    return out if img.dim() == 4 else out.squeeze(0)


class Resize:
    """Resize every source to ``size`` (h, w)."""

    def __init__(self, size: int | Sequence[int], mode: str = "bilinear"):
        self.size, self.mode = _parse(size), mode

    def __call__(self, srcs: Sources) -> Sources:
        return [resize(s, self.size, self.mode).clamp(0, 1) for s in srcs]


class Compose:
    def __init__(self, transforms: Sequence[Callable[[Sources], Sources]]):
        self.transforms = list(transforms)

    def __call__(self, srcs: Sources) -> Sources:
        for t in self.transforms:
            srcs = t(srcs)
        return srcs
