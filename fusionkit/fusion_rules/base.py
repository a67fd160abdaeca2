"""The rule type, its registration, and the basic element-wise rules (sum, average, max, l1)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch
import torch.nn.functional as F

from ..registry import RULES

@dataclass(frozen=True)
class Split:
    """A rule written as global statistics plus a local part, so it can run tile by tile in cache:
    ``rule(x, y) == local(x, y, stats(x, y))`` on the full maps, and on a tile with a ``halo``-pixel
    margin (zero padding where the tile meets the image border) ``local`` is exact everywhere except
    within ``halo`` pixels of the tile's interior sides. ``compile``: the local part is heavy enough
    to be worth ``torch.compile`` (:class:`fusionkit.compiled.CompiledOrEager`)."""

    stats: Callable[[torch.Tensor, torch.Tensor], Any]
    local: Callable[[torch.Tensor, torch.Tensor, Any], torch.Tensor]
    halo: int
    compile: bool = False


@dataclass(frozen=True)
class Rule:
    """A registered fusion rule: ``rule(x, y) -> fused`` on (N, C, H, W) feature maps.

    ``pointwise``: the output at a pixel depends only on the inputs at that pixel; ``split``: how to
    run the rule tile by tile when it needs global statistics or neighbours (None: full maps only)."""

    name: str
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    pointwise: bool = False
    doc: str = ""
    split: Split | None = None

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.fn(x, y)


def rule(name: str, pointwise: bool = False):
    """Register the decorated function as the rule ``name`` (the function itself stays unchanged)."""
    def deco(fn):
        RULES.register(name)(Rule(name, fn, pointwise, (fn.__doc__ or "").strip().split("\n")[0]))
        return fn
    return deco


@rule("sum", pointwise=True)
def sum_rule(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Element-wise sum (DIDFuse IJCAI 'Sum')."""
    return x + y


@rule("average", pointwise=True)
def average_rule(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Element-wise mean (DIDFuse IJCAI 'Average')."""
    return (x + y) / 2


@rule("max", pointwise=True)
def max_rule(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Element-wise maximum (IFCNN-MAX)."""
    return torch.maximum(x, y)


@rule("l1")
def l1_rule(x: torch.Tensor, y: torch.Tensor, window: int = 1, eps: float = 1e-12) -> torch.Tensor:
    """l1-norm weighted average (DenseFuse / DIDFuse IJCAI 'l1_norm').

    Activity A = (2w+1)x(2w+1) box mean (zero padding) of the channel-summed |features|;
    F = A_x/(A_x+A_y) * x + A_y/(A_x+A_y) * y (weights 1/2 where both activities vanish).
    """
    k = 2 * window + 1
    ax = F.avg_pool2d(x.abs().sum(1, keepdim=True), k, stride=1, padding=window, count_include_pad=True)
    ay = F.avg_pool2d(y.abs().sum(1, keepdim=True), k, stride=1, padding=window, count_include_pad=True)
    tot = ax + ay
    wx = torch.where(tot > eps, ax / tot.clamp_min(eps), torch.full_like(tot, 0.5))
    return wx * x + (1 - wx) * y


def get_rule(name: str) -> Rule:
    """The registered rule ``name`` (same as ``RULES.get(name)``)."""
    return RULES.get(name)
