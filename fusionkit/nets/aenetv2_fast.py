"""Optimised AE-Netv2 inference (issue: "eager vs an optimised inference path with identical output").

:func:`fast_aenet` returns an inference-only copy of any AE-Netv2 network (every variant of
:mod:`fusionkit.nets.aenetv2`) with

* every eval-mode batch norm folded into the convolution before it
  (``torch.nn.utils.fusion.fuse_conv_bn_eval``: w' = w g / s, b' = (b - mu) g / s + beta),
* channels-last weights and inputs (oneDNN's preferred layout on CPU),
* optionally ``torch.compile`` (Inductor fuses the ReLU, channel shuffle and hop addition into the
  convolutions' epilogues), falling back to eager where compilation is unavailable
  (:class:`fusionkit.compiled.CompiledOrEager`),
* optionally cache-sized tiles (``tile``): the image is cut into ``tile``-pixel squares, each run with a
  ``halo`` of context (:func:`receptive_radius`, a safe bound: the sum of every convolution's and
  pooling's half-width), and the exact centres are stitched. Every layer zero-pads "same", so a tile
  side on the image border behaves as the full image does and the halo absorbs the other sides'
  padding; not for networks with strided pooling (``aenetv2-m``), whose pooling grid a tile would shift.

Outputs equal the eager network to float rounding (tested: max |diff| < 1e-5 on [0, 1] images).
Conv-BN pairs are folded by walking ``nn.Sequential`` blocks, which is how every AE-Netv2 block is
written; a BN that does not directly follow a convolution is left as it is.
"""
from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from ..compiled import CompiledOrEager


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """A deep copy of ``model`` (eval mode) with each ``Conv2d`` -> ``BatchNorm2d`` pair inside an
    ``nn.Sequential`` replaced by one convolution (the BN slot becomes ``nn.Identity``)."""
    model = copy.deepcopy(model).eval()
    for seq in [m for m in model.modules() if isinstance(m, nn.Sequential)]:
        names = list(seq._modules)
        for first, second in zip(names, names[1:]):
            conv, bn = seq._modules[first], seq._modules[second]
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                seq._modules[first] = fuse_conv_bn_eval(conv, bn)
                seq._modules[second] = nn.Identity()
    return model


def receptive_radius(model: nn.Module) -> int:
    """A safe bound on how far an output pixel sees: the sum of (kernel - 1) / 2 x dilation over every
    convolution and stride-1 pooling (parallel branches are counted as if in series, so it over-counts);
    a ValueError for strided pooling or convolutions (a tile would shift their grid)."""
    r = 0
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            k, st = m.kernel_size, m.stride
            k, st = (k if isinstance(k, tuple) else (k, k)), (st if isinstance(st, tuple) else (st, st))
            if max(st) != 1:
                raise ValueError(f"{type(m).__name__} with stride {st}: tiling would shift its grid")
            d = m.dilation if isinstance(m, nn.Conv2d) else 1
            d = d if isinstance(d, tuple) else (d, d)
            r += max((kk - 1) // 2 * dd for kk, dd in zip(k, d))
    return r


class FastAENet:
    """Inference-only view of an AE-Netv2 network: ``FastAENet(model)(a, b)`` == ``model.eval()(a, b)``."""

    def __init__(self, model: nn.Module, compile: bool = False, tile: int | None = None):
        self.model = fold_batchnorm(model).to(memory_format=torch.channels_last)
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.compiled, self.tile = compile, tile
        self.halo = receptive_radius(self.model) if tile else 0
        self._fn = CompiledOrEager(self.model) if compile else self.model

    def _run(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        cl = torch.channels_last
        return self._fn(a.contiguous(memory_format=cl), b.contiguous(memory_format=cl))

    def __call__(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            h, w = a.shape[-2:]
            if not self.tile or max(h, w) <= self.tile:
                return self._run(a, b).contiguous()
            t, r = self.tile, self.halo
            out = torch.empty((a.shape[0], 1, h, w), dtype=a.dtype, device=a.device)
            for y in range(0, h, t):
                for x in range(0, w, t):
                    y0, y1, x0, x1 = max(y - r, 0), min(y + t + r, h), max(x - r, 0), min(x + t + r, w)
                    res = self._run(a[..., y0:y1, x0:x1], b[..., y0:y1, x0:x1])
                    out[..., y:y + t, x:x + t] = res[..., y - y0:y - y0 + t, x - x0:x - x0 + t]
            return out


def fast_aenet(model: nn.Module, compile: bool = False, tile: int | None = None) -> FastAENet:
    """See :class:`FastAENet`."""
    return FastAENet(model, compile, tile)
