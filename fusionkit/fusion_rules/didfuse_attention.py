"""DIDFuse fusion layer (extended DIDFuse paper, ../shared/papers/002, eqs. (6)-(17)).

The paper leaves some choices open; ours (documented here and in the report): features are quantised
to 256 levels per channel by min-max for the histogram saliency; the guided filter uses r = 3,
eps = 0.01 with the feature channel (min-max normalised) as guide; "global pooling" is the mean of
|feature| per channel."""
from __future__ import annotations

import torch

from ..compiled import CompiledOrEager
from ..registry import RULES
from .base import Rule, Split, l1_rule
from .filters import guided_filter

def weighted_average(x: torch.Tensor, y: torch.Tensor, gamma: float = 0.5) -> torch.Tensor:
    """Eq. (13): gamma x + (1 - gamma) y (paper default 0.5)."""
    return gamma * x + (1 - gamma) * y


def _unit(x: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """Per-channel min-max normalisation to [0, 1] (the guided filter's guide)."""
    return (x - lo) / (hi - lo).clamp_min(1e-12)


def _level_scale(lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """255 / (max - min) per channel: the quantiser's step, computed once (eagerly) per channel."""
    return 255 / (hi - lo).clamp_min(1e-12)


def _levels(x: torch.Tensor, lo: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """The 256-level quantisation round((x - min) * 255 / (max - min)), as int32.

    One subtraction, one multiplication by the precomputed ``scale`` and a round-half-to-even: there
    is no a*b+c for a compiler to contract and no division to replace by a reciprocal, so eager and
    ``torch.compile`` code give the same level for every value (tested)."""
    return torch.round((x - lo) * scale).to(torch.int32)


def _offset_levels(xs: torch.Tensor, lo: torch.Tensor, scale: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """Levels of a channels-last block plus 256 x (its flat channel index): bincount's input."""
    return _levels(xs, lo, scale) + offset


def _min_max(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return x.amin(dim=(-2, -1), keepdim=True), x.amax(dim=(-2, -1), keepdim=True)


def saliency_table(x: torch.Tensor, rows: int = 32, compiled: bool | None = None):
    """The global part of eq. (9) per channel: ``(lo, hi, scale, table)`` with ``table[n, k, c] = sum_j H(j)
    |k - j|`` over the 256-level histogram H of the min-max quantised channel (:func:`_levels`).

    The histogram is accumulated over blocks of ``rows`` image rows (each block's levels stay in
    cache; no full-size integer map is stored) with int32 levels; for large maps (``compiled`` None:
    more than 2^20 values) the quantiser runs under ``torch.compile`` as one fused loop. Eight 64-channel
    576x768 maps take 0.5 s this way against 1.0 s eagerly (2 cores, ``reports/benchmarks/didfuse.md``)."""
    lo, hi = _min_max(x)
    scale = _level_scale(lo, hi)
    n, c, h, w = x.shape
    if compiled is None:
        compiled = x.numel() > 2 ** 20
    quantise = CompiledOrEager.of(_offset_levels) if compiled else _offset_levels
    xs, los, scs = (t.permute(0, 2, 3, 1) for t in (x, lo, scale))  # views; contiguous for channels-last x
    offset = (256 * torch.arange(n * c, device=x.device, dtype=torch.int32)).view(n, 1, 1, c)
    hist = torch.zeros(n * c * 256, device=x.device, dtype=torch.long)
    for r0 in range(0, h, rows):
        hist += torch.bincount(quantise(xs[:, r0:r0 + rows], los, scs, offset).flatten(), minlength=n * c * 256)
    hist = hist.view(n, c, 256).to(x.dtype)
    k = torch.arange(256, device=x.device, dtype=x.dtype)
    table = (hist.unsqueeze(2) * (k.view(1, 1, 256, 1) - k.view(1, 1, 1, 256)).abs()).sum(-1)  # (n, c, 256)
    return lo, hi, scale, table.transpose(1, 2).contiguous()  # (n, 256, c): looked up with channels last


def _lookup(table: torch.Tensor, lv: torch.Tensor) -> torch.Tensor:
    """``table[n, lv[n, c, y, x], c]`` as an (N, C, H, W) tensor, gathered in channels-last order."""
    n, c, h, w = lv.shape
    idx = lv.permute(0, 2, 3, 1).reshape(n, h * w, c).long()
    return torch.gather(table, 1, idx).view(n, h, w, c).permute(0, 3, 1, 2)


def histogram_saliency(x: torch.Tensor) -> torch.Tensor:
    """Eq. (9): S(x, y) = sum_k H(k) |level(x, y) - k| per channel (256 levels, see above)."""
    lo, hi, scale, table = saliency_table(x)
    return _lookup(table, _levels(x, lo, scale))


def _saliency_local(x: torch.Tensor, y: torch.Tensor, stats, r: int = 3, eps: float = 1e-2) -> torch.Tensor:
    """Eqs. (9)-(12) given the global statistics ``stats = (saliency_table(x), saliency_table(y))``;
    every operation after them has radius ``2 r`` (two nested box means of the guided filter).
    x and y are stacked along the batch, so each step is one call for both."""
    (lox, hix, scx, tx), (loy, hiy, scy, ty) = stats
    n = x.shape[0]
    xy, lo = torch.cat([x, y]), torch.cat([lox, loy])
    u = _unit(xy, lo, torch.cat([hix, hiy]))  # guides of both filters
    s = _lookup(torch.cat([tx, ty]), _levels(xy, lo, torch.cat([scx, scy])))
    sx, sy = s[:n], s[n:]
    tot = sx + sy
    wx = torch.where(tot > 0, sx / tot.clamp_min(1e-12), torch.full_like(tot, 0.5))
    g = guided_filter(u, torch.cat([wx, 1 - wx]), r, eps)
    gx, gy = g[:n], g[n:]
    den = gx + gy
    w = torch.where(den.abs() > 1e-12, gx / torch.where(den.abs() > 1e-12, den, torch.ones_like(den)),
                    torch.full_like(den, 0.5))
    return w * x + (1 - w) * y


def _saliency_stats(x: torch.Tensor, y: torch.Tensor):
    return saliency_table(x), saliency_table(y)


def saliency_attention(x: torch.Tensor, y: torch.Tensor, r: int = 3, eps: float = 1e-2) -> torch.Tensor:
    """Eqs. (9)-(12): histogram-saliency weights refined by guided filtering, then a weighted sum.

    The min-max normalised feature channel guides the filter of the saliency weights."""
    return _saliency_local(x, y, _saliency_stats(x, y), r, eps)


def l1_attention(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eqs. (7)-(8): 3x3 box-blurred channel l1-norm as activity, ratio weights."""
    return l1_rule(x, y, window=1)


def _cam_stats(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eqs. (14)-(15): the channel weight of x from global pooling (mean |feature|) of both maps."""
    ax, ay = x.abs().mean(dim=(-2, -1), keepdim=True), y.abs().mean(dim=(-2, -1), keepdim=True)
    tot = ax + ay
    return torch.where(tot > 0, ax / tot.clamp_min(1e-12), torch.full_like(tot, 0.5))


def _cam_local(x: torch.Tensor, y: torch.Tensor, wx: torch.Tensor) -> torch.Tensor:
    return wx * x + (1 - wx) * y


def channel_attention(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eqs. (14)-(16): per-channel weights from global pooling (mean |feature|), normalised over the two."""
    return _cam_local(x, y, _cam_stats(x, y))


SPATIAL = {"weighted": weighted_average, "l1_attention": l1_attention, "saliency": saliency_attention}
#: Each spatial strategy as (global statistics or None, local part, radius of the local part).
_SPLIT = {"weighted": (None, lambda x, y, st: weighted_average(x, y), 0),
          "l1_attention": (None, lambda x, y, st: l1_attention(x, y), 1),
          "saliency": (_saliency_stats, _saliency_local, 6)}


def _split_layer(spatial: str, cam: bool) -> Split:
    """Eq. (17) as global statistics (saliency tables and/or CAM weights) + a local part."""
    gstats, glocal, halo = _SPLIT[spatial]

    def stats(x, y):
        return (gstats(x, y) if gstats else None), (_cam_stats(x, y) if cam else None)

    def local(x, y, st):
        s = glocal(x, y, st[0])
        return (s + _cam_local(x, y, st[1])) / 2 if cam else s

    return Split(stats, local, halo, compile=spatial == "saliency")


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
    return Rule(name, layer, pointwise=spatial == "weighted" and not cam, doc=doc, split=_split_layer(spatial, cam))


for _s in SPATIAL:
    for _cam in (False, True):
        _r = didfuse_fusion_layer(_s, cam=_cam)
        RULES.register(_r.name)(_r)
