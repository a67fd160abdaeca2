"""Statistics of feature maps, to put a paper's "these maps look alike / differ / are low-frequency" into
numbers (e.g. DIDFuse Fig. 4). Pure functions on (..., H, W) tensors."""
from __future__ import annotations

import torch


def map_correlation(x: torch.Tensor, y: torch.Tensor) -> float:
    """Pearson correlation of each pair of maps (over H x W), averaged over the leading dimensions."""
    x, y = x - x.mean((-2, -1), keepdim=True), y - y.mean((-2, -1), keepdim=True)
    den = (x.norm(dim=(-2, -1)) * y.norm(dim=(-2, -1))).clamp_min(1e-12)
    return float(((x * y).sum((-2, -1)) / den).mean())


def low_frequency_share(x: torch.Tensor, k: int = 8) -> float:
    """Share of each map's spectral energy (mean removed) in the lowest ``k`` x ``k`` frequencies, averaged
    over the leading dimensions (1: all energy below k cycles per side)."""
    p = torch.fft.rfft2(x - x.mean((-2, -1), keepdim=True)).abs() ** 2
    h, w = x.shape[-2:]
    low = (torch.fft.fftfreq(h).abs()[:, None] < k / h) & (torch.fft.rfftfreq(w)[None, :] < k / w)
    return float(((p * low).sum((-2, -1)) / p.sum((-2, -1)).clamp_min(1e-12)).mean())


def most_active_shared_channel(x: torch.Tensor, y: torch.Tensor) -> tuple[int, int]:
    """(channel, count): the channel of (1, C, H, W) maps ``x``, ``y`` whose weaker map varies most, i.e. the
    largest min(std x_c, std y_c), so that both sources show structure on a shared grey scale; and how many
    channels vary in both (std > 0)."""
    sx, sy = x[0].flatten(1).std(1), y[0].flatten(1).std(1)
    return int(torch.minimum(sx, sy).argmax()), int(((sx > 0) & (sy > 0)).sum())


def source_gaps(maps: dict[str, torch.Tensor], k: int = 8) -> dict[str, float]:
    """How alike the two sources' feature maps are, per named map ``X`` of shape (2, C, H, W) (source I
    first, V second; e.g. DIDFuse's base ``B`` and detail ``D``): the mean squared and the mean absolute
    difference (DIDFuse eq. (1)'s gap as the paper's loss squares it and as the released code takes its
    absolute value), the channel-mean correlation and the low-frequency energy share of both sources' maps."""
    out: dict[str, float] = {}
    for n, x in maps.items():
        diff = x[0].float() - x[1].float()
        out[f"mean ({n}_I - {n}_V)^2"] = float(diff.pow(2).mean())
        out[f"mean |{n}_I - {n}_V|"] = float(diff.abs().mean())
    for n, x in maps.items():
        out[f"corr({n}_I, {n}_V)"] = map_correlation(x[0], x[1])
    for n, x in maps.items():
        out[f"low-frequency share, {n}"] = low_frequency_share(x, k)
    return out
