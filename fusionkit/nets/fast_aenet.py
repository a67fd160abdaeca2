"""Optimised AE-Netv2 inference (issue: "eager vs an optimised inference path with identical output").

:func:`fast_aenet` returns an inference-only copy of any AE-Netv2 network (every variant of
:mod:`fusionkit.nets.aenetv2`) with

* every eval-mode batch norm folded into the convolution before it
  (``torch.nn.utils.fusion.fuse_conv_bn_eval``: w' = w g / s, b' = (b - mu) g / s + beta),
* channels-last weights and inputs (oneDNN's preferred layout on CPU),
* optionally ``torch.compile`` (Inductor fuses the ReLU, channel shuffle and hop addition into the
  convolutions' epilogues), falling back to eager where compilation is unavailable
  (:class:`fusionkit.utils.CompiledOrEager`).

Outputs equal the eager network to float rounding (tested: max |diff| < 1e-5 on [0, 1] images).
Conv-BN pairs are folded by walking ``nn.Sequential`` blocks, which is how every AE-Netv2 block is
written; a BN that does not directly follow a convolution is left as it is.
"""
from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from ..utils import CompiledOrEager


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


class FastAENet:
    """Inference-only view of an AE-Netv2 network: ``FastAENet(model)(a, b)`` == ``model.eval()(a, b)``."""

    def __init__(self, model: nn.Module, compile: bool = False):
        self.model = fold_batchnorm(model).to(memory_format=torch.channels_last)
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.compiled = compile
        self._fn = CompiledOrEager(self.model) if compile else self.model

    def __call__(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        cl = torch.channels_last
        with torch.inference_mode():
            return self._fn(a.contiguous(memory_format=cl), b.contiguous(memory_format=cl)).contiguous()


def fast_aenet(model: nn.Module, compile: bool = False) -> FastAENet:
    """See :class:`FastAENet`."""
    return FastAENet(model, compile)
