"""Feature-level fusion rules as pure functions on (N, C, H, W) tensors."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def sum_rule(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Element-wise sum (DIDFuse IJCAI 'Sum')."""
    return x + y


def average_rule(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Element-wise mean (DIDFuse IJCAI 'Average')."""
    return (x + y) / 2


def max_rule(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Element-wise maximum (IFCNN-MAX)."""
    return torch.maximum(x, y)


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


RULES = {"sum": sum_rule, "average": average_rule, "max": max_rule, "l1": l1_rule}


def get_rule(name: str):
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"unknown fusion rule {name!r}; valid: {', '.join(RULES)}") from None
