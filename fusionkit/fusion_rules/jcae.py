"""JCAE fusion rules (../shared/papers/001_6362801b0cc60012.txt, Sec. 2.5).

Private features: choose-max, eq. (8) (the registered "max" rule). Common features: eq. (9), below."""
from __future__ import annotations

import torch

from ..registry import RULES
from .base import Rule

JCAE_ACTIVITIES = ("count", "sum")


def jcae_layer_activity(x: torch.Tensor, y: torch.Tensor, activity: str = "count") -> torch.Tensor:
    """L^m of eq. (9), one value per (sample, feature map) over *both* sources' map m, (N, C).

    The paper: "L_K^m is the sum of {F : F_K^m(x, y) != 0, K in {A, B}}". ``"count"`` (our default)
    reads it as the number of non-zero activations of map m in A and in B together: a sum of the
    non-zero values would equal the plain sum (zeros add nothing), so "!= 0" only matters for a count,
    and T = 3/5 of the map's pixel count is a count's scale. ``"sum"``: the sum of the activations."""
    if activity not in JCAE_ACTIVITIES:
        raise ValueError(f"unknown JCAE activity {activity!r}; valid: {', '.join(JCAE_ACTIVITIES)}")
    if activity == "count":
        return (x != 0).sum((-2, -1)).to(x.dtype) + (y != 0).sum((-2, -1)).to(x.dtype)
    return x.sum((-2, -1)) + y.sum((-2, -1))


def jcae_common(x: torch.Tensor, y: torch.Tensor, activity: str = "count", ratio: float = 0.6) -> torch.Tensor:
    """Eq. (9): per feature map m, choose-max where L^m < T = ratio * h * w (h x w: the feature map's
    size; the paper's T = length * width * 3/5), else w1 F_A^m + w2 F_B^m with the location activity
    C_K(x, y) = sum_m F_K^m(x, y) over all maps and w1 = C_A / (C_A + C_B), w2 = C_B / (C_A + C_B)
    (0.5 each where C_A + C_B = 0)."""
    h, w = x.shape[-2:]
    low = (jcae_layer_activity(x, y, activity) < ratio * h * w)[..., None, None]
    ca, cb = x.sum(1, keepdim=True), y.sum(1, keepdim=True)
    tot = ca + cb
    w1 = torch.where(tot != 0, ca / torch.where(tot != 0, tot, torch.ones_like(tot)), torch.full_like(tot, 0.5))
    return torch.where(low, torch.maximum(x, y), w1 * x + (1 - w1) * y)


RULES.register("jcae-common")(Rule("jcae-common", jcae_common, doc="JCAE eq. (9), L^m = count of non-zero activations"))
RULES.register("jcae-common-sum")(Rule("jcae-common-sum", lambda x, y: jcae_common(x, y, "sum"),
                                       doc="JCAE eq. (9), L^m = sum of the activations"))


def weighted_branch_share(x: torch.Tensor, y: torch.Tensor, activity: str = "count", ratio: float = 0.6) -> float:
    """Fraction (0-1) of the feature maps for which eq. (9) takes its weighted branch (L^m >= T), over the
    samples and maps of (N, C, H, W) common features ``x``, ``y``."""
    h, w = x.shape[-2:]
    return float((jcae_layer_activity(x, y, activity) >= ratio * h * w).float().mean())
