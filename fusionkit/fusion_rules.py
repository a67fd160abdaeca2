"""Feature-level fusion rules as pure functions on (N, C, H, W) tensors, registered by name.

``RULES.get("saliency+cam")`` gives a :class:`Rule`: callable like the function it wraps, with
``pointwise`` telling whether the output at a pixel depends only on the inputs at that pixel (then a
network may apply it tile by tile, :mod:`fusionkit.nets.fast`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from .registry import RULES


@dataclass(frozen=True)
class Rule:
    """A registered fusion rule: ``rule(x, y) -> fused`` on (N, C, H, W) feature maps."""

    name: str
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    pointwise: bool = False
    doc: str = ""

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


# ----------------------------------------------------------------------------- DIDFuse fusion layer
# Extended DIDFuse paper (../shared/papers 002), eqs. (6)-(17). The paper leaves some choices open;
# ours (documented here and in the report): features are quantised to 256 levels per channel by
# min-max for the histogram saliency; the guided filter uses r = 3, eps = 0.01 with the feature
# channel (min-max normalised) as guide; "global pooling" is the mean of |feature| per channel.

def weighted_average(x: torch.Tensor, y: torch.Tensor, gamma: float = 0.5) -> torch.Tensor:
    """Eq. (13): gamma x + (1 - gamma) y (paper default 0.5)."""
    return gamma * x + (1 - gamma) * y


def _box_sum_1d(x: torch.Tensor, r: int, dim: int) -> torch.Tensor:
    """Sum over a (2r+1) window along ``dim`` with zero padding, by in-place shifted additions."""
    n = x.shape[dim]
    out = x.clone()
    for i in range(1, min(r, n - 1) + 1):
        out.narrow(dim, i, n - i).add_(x.narrow(dim, 0, n - i))
        out.narrow(dim, 0, n - i).add_(x.narrow(dim, i, n - i))
    return out


def _window_count(n: int, r: int, like: torch.Tensor) -> torch.Tensor:
    i = torch.arange(n, device=like.device)
    return ((i + r).clamp(max=n - 1) - (i - r).clamp(min=0) + 1).to(like.dtype)


def box_mean(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over the (2r+1)^2 window counting only pixels inside the image (He's boxfilter / N).

    Separable sums of shifted views (2(2r+1) additions per pixel, no padded copies): equal to
    ``avg_pool2d(..., count_include_pad=False)`` up to float rounding and 2-3x faster on CPU, which
    matters for the 64-channel guided filters of DIDFuse's saliency attention."""
    h, w = x.shape[-2:]
    s = _box_sum_1d(_box_sum_1d(x, r, x.dim() - 1), r, x.dim() - 2)
    count = _window_count(h, r, x)[:, None] * _window_count(w, r, x)[None, :]
    return s.div_(count)


def guided_filter(guide: torch.Tensor, p: torch.Tensor, r: int = 3, eps: float = 1e-2) -> torch.Tensor:
    """He, Sun & Tang's guided filter, per channel, on (N, C, H, W) tensors."""
    mI, mp = box_mean(guide, r), box_mean(p, r)
    a = (box_mean(guide * p, r) - mI * mp) / (box_mean(guide * guide, r) - mI * mI + eps)
    b = mp - a * mI
    return box_mean(a, r) * guide + box_mean(b, r)


def _levels(x: torch.Tensor) -> torch.Tensor:
    lo = x.amin(dim=(-2, -1), keepdim=True)
    hi = x.amax(dim=(-2, -1), keepdim=True)
    return torch.round((x - lo) / (hi - lo).clamp_min(1e-12) * 255).long()


def histogram_saliency(x: torch.Tensor) -> torch.Tensor:
    """Eq. (9): S(x, y) = sum_k H(k) |level(x, y) - k| per channel (256 levels, see above)."""
    lv = _levels(x)
    n, c = x.shape[:2]
    flat = lv.flatten(2) + 256 * torch.arange(n * c, device=x.device).view(n, c, 1)
    hist = torch.bincount(flat.flatten(), minlength=n * c * 256).view(n, c, 256).to(x.dtype)
    k = torch.arange(256, device=x.device, dtype=x.dtype)
    table = (hist.unsqueeze(2) * (k.view(1, 1, 256, 1) - k.view(1, 1, 1, 256)).abs()).sum(-1)  # (n, c, 256)
    return torch.gather(table, 2, lv.flatten(2)).view_as(x)


def saliency_attention(x: torch.Tensor, y: torch.Tensor, r: int = 3, eps: float = 1e-2) -> torch.Tensor:
    """Eqs. (9)-(12): histogram-saliency weights refined by guided filtering, then a weighted sum."""
    sx, sy = histogram_saliency(x), histogram_saliency(y)
    tot = sx + sy
    wx = torch.where(tot > 0, sx / tot.clamp_min(1e-12), torch.full_like(tot, 0.5))

    def norm(t):
        lo, hi = t.amin(dim=(-2, -1), keepdim=True), t.amax(dim=(-2, -1), keepdim=True)
        return (t - lo) / (hi - lo).clamp_min(1e-12)

    gx, gy = guided_filter(norm(x), wx, r, eps), guided_filter(norm(y), 1 - wx, r, eps)
    den = gx + gy
    w = torch.where(den.abs() > 1e-12, gx / torch.where(den.abs() > 1e-12, den, torch.ones_like(den)),
                    torch.full_like(den, 0.5))
    return w * x + (1 - w) * y


def l1_attention(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eqs. (7)-(8): 3x3 box-blurred channel l1-norm as activity, ratio weights."""
    return l1_rule(x, y, window=1)


def channel_attention(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eqs. (14)-(16): per-channel weights from global pooling (mean |feature|), normalised over the two."""
    ax, ay = x.abs().mean(dim=(-2, -1), keepdim=True), y.abs().mean(dim=(-2, -1), keepdim=True)
    tot = ax + ay
    wx = torch.where(tot > 0, ax / tot.clamp_min(1e-12), torch.full_like(tot, 0.5))
    return wx * x + (1 - wx) * y


SPATIAL = {"weighted": weighted_average, "l1_attention": l1_attention, "saliency": saliency_attention}


def didfuse_fusion_layer(spatial: str = "saliency", cam: bool = True):
    """Eq. (17): F = (SAM(x, y) + CAM(x, y)) / 2, or SAM alone without the channel attention module."""
    if spatial not in SPATIAL:
        raise ValueError(f"unknown spatial strategy {spatial!r}; valid: {', '.join(SPATIAL)}")
    sam = SPATIAL[spatial]

    def layer(x, y):
        s = sam(x, y)
        return (s + channel_attention(x, y)) / 2 if cam else s

    name = f"{spatial}+cam" if cam else spatial
    doc = f"DIDFuse fusion layer: {spatial} spatial attention" + (" + channel attention, eq. (17)" if cam else "")
    return Rule(name, layer, pointwise=spatial == "weighted" and not cam, doc=doc)


for _s in SPATIAL:
    for _cam in (False, True):
        _r = didfuse_fusion_layer(_s, cam=_cam)
        RULES.register(_r.name)(_r)
