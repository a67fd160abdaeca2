"""Optimised DIDFuse inference: BN folded into the convolutions, channels-last, exact tiling.

Eager PyTorch runs every 3x3 convolution over the whole image, so each 64-channel feature map
(113 MB at 576x768) streams through memory once per layer. :class:`FastDIDFuse` instead

* folds every eval-mode batch norm into the preceding convolution (w' = w g/s, b' = (b - mu) g/s + beta,
  s = sqrt(var + eps)),
* keeps tensors channels-last (oneDNN's preferred layout on CPU) under ``torch.inference_mode``,
* runs encoder and decoder tile by tile with *exact* halos: the receptive field of each half is
  3 convolutions (radius 3), so a tile is computed from its input plus a 3-pixel margin with valid
  convolutions; at the image border the tile is padded the way the full network pads (reflection
  for conv1/conv7, zeros for conv2-conv6), so the stitched result equals the full-image computation
  up to float rounding, borders included,
* merges conv3/conv4 (same input) into one 128-channel convolution and encodes both sources
  in one batch.

The fusion rule runs between the halves on the stitched full-resolution feature maps, so rules with
global statistics (histogram saliency, channel attention) stay exact too.

Hand-written because no library tiles a network with per-side border semantics; BN folding is
short enough that ``torch.fx``/``torch.ao`` fusion utilities (which need symbolic tracing of the
wrapped modules) would add more than they save.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..compiled import CompiledOrEager
from .didfuse import DIDFuse

HALO = 3  # convolutions per half (encoder: conv1, conv2, conv3|conv4; decoder: conv5, conv6, conv7)


@dataclass
class _Layer:
    weight: torch.Tensor
    bias: torch.Tensor
    act: nn.Module
    reflect: bool


def fold_block(block: nn.Module) -> _Layer:
    """(ReflectionPad2d?) + Conv2d + BatchNorm2d + activation -> one conv with folded weights."""
    seq = list(block.modules())
    conv = next(m for m in seq if isinstance(m, nn.Conv2d))
    bn = next(m for m in seq if isinstance(m, nn.BatchNorm2d))
    reflect = any(isinstance(m, nn.ReflectionPad2d) for m in seq)
    act = next(m for m in seq if isinstance(m, (nn.PReLU, nn.Tanh, nn.Sigmoid, nn.ReLU)))
    with torch.no_grad():
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        w = conv.weight * scale.view(-1, 1, 1, 1)
        b = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        b = (b - bn.running_mean) * scale + bn.bias
    return _Layer(w.detach().contiguous(memory_format=torch.channels_last), b.detach(), act.eval(), reflect)


def _sides(y0: int, y1: int, x0: int, x1: int, h: int, w: int) -> tuple[bool, bool, bool, bool]:
    """Which sides of an input region (left, right, top, bottom) lie on the image border."""
    return x0 == 0, x1 == w, y0 == 0, y1 == h


def _conv(x: torch.Tensor, layer: _Layer, border: tuple[bool, bool, bool, bool]) -> torch.Tensor:
    pad = tuple(1 if s else 0 for s in border)
    if any(pad):
        x = F.pad(x, pad, mode="reflect" if layer.reflect else "constant")
    return layer.act(F.conv2d(x, layer.weight, layer.bias))


def _crop(x: torch.Tensor, k: int, border: tuple[bool, bool, bool, bool]) -> torch.Tensor:
    """Remove k pixels from every side that is *not* on the image border."""
    if k == 0:
        return x
    left, right, top, bottom = (0 if s else k for s in border)
    return x[..., top:x.shape[-2] - bottom, left:x.shape[-1] - right]


def _tiles(h: int, w: int, tile: int):
    for y in range(0, h, tile):
        for x in range(0, w, tile):
            yield y, min(y + tile, h), x, min(x + tile, w)


class FastDIDFuse:
    """Inference-only view of a :class:`DIDFuse` module (trained or released weights).

    ``tile``: output tile side in pixels (``None`` = whole image in one piece, still folded and
    channels-last); ``rule_tile``: tile side for the local part of a split rule (small enough that a
    tile's 64-channel temporaries stay in cache); ``compile_rule``: run that local part under
    ``torch.compile`` where the rule asks for it (``split.compile``: the saliency rules, whose local
    part is about 60 element-wise passes over 64-channel tiles plus box filters; eagerly each is a
    separate loop through memory, Inductor fuses them into a few C++/OpenMP loops;
    :class:`fusionkit.compiled.CompiledOrEager`). Results equal ``DIDFuse.fuse`` / ``DIDFuse.forward``
    to float rounding.
    """

    def __init__(self, model: DIDFuse, tile: int | None = 128, rule_tile: int = 64, compile_rule: bool = True):
        model = model.eval()
        enc, dec = model.encoder, model.decoder
        c1, c2, c3, c4 = (fold_block(getattr(enc, f"cov{i}")) for i in (1, 2, 3, 4))
        if not (isinstance(c3.act, nn.Tanh) and isinstance(c4.act, nn.Tanh)):
            raise ValueError("FastDIDFuse expects tanh activations on conv3/conv4")
        for layer, dropped in ((c3, "detail"), (c4, "base")):  # a dropped branch outputs tanh(0) = 0
            if enc.branches == dropped:
                layer.weight, layer.bias = torch.zeros_like(layer.weight), torch.zeros_like(layer.bias)
        # conv3 (base) and conv4 (detail) read the same input: one 64 -> 128 convolution.
        c34 = _Layer(torch.cat([c3.weight, c4.weight]).contiguous(memory_format=torch.channels_last),
                     torch.cat([c3.bias, c4.bias]), c3.act, c3.reflect)
        self.enc = [c1, c2, c34]
        self.dec = [fold_block(getattr(dec, f"cov{i}")) for i in (5, 6, 7)]
        self.skip = dec.skip
        self.tile, self.rule_tile, self.compile_rule = tile, rule_tile, compile_rule
        self.device = next(model.parameters()).device

    def to(self, device: torch.device | str) -> "FastDIDFuse":
        for layer in self.enc + self.dec:
            layer.weight, layer.bias = layer.weight.to(device), layer.bias.to(device)
            layer.act.to(device)
        self.device = torch.device(device)
        return self

    # -- halves on one tile ------------------------------------------------------------------
    def _encode_tile(self, x: torch.Tensor, border) -> list[torch.Tensor]:
        """(conv1, conv2, [base | detail]) features, all cropped to the tile's own region."""
        c1, c2, c34 = self.enc
        f1 = _conv(x, c1, border)
        f2 = _conv(f1, c2, border)
        return [_crop(f1, 2, border), _crop(f2, 1, border), _conv(f2, c34, border)]

    def _decode_tile(self, f1, f2, bd, border) -> torch.Tensor:
        c5, c6, c7 = self.dec
        o1 = _conv(bd, c5, border)
        o2 = _conv(torch.cat([o1, _crop(f2, 1, border)], 1) if self.skip else o1, c6, border)
        return _conv(torch.cat([o2, _crop(f1, 2, border)], 1) if self.skip else o2, c7, border)

    # -- tiled drivers -----------------------------------------------------------------------
    def _run(self, inputs: list[torch.Tensor], fn: Callable, out_channels: list[int],
             halo: int = HALO, tile: int | None = None) -> list[torch.Tensor]:
        n, _, h, w = inputs[0].shape
        tile = tile or self.tile or max(h, w)
        outs = [torch.empty((n, c, h, w), device=inputs[0].device, dtype=inputs[0].dtype)
                .contiguous(memory_format=torch.channels_last) for c in out_channels]
        for y0, y1, x0, x1 in _tiles(h, w, tile):
            Y0, Y1, X0, X1 = max(y0 - halo, 0), min(y1 + halo, h), max(x0 - halo, 0), min(x1 + halo, w)
            border = _sides(Y0, Y1, X0, X1, h, w)
            res = fn(*(t[..., Y0:Y1, X0:X1] for t in inputs), border)
            # the result covers the region minus `halo` on interior sides; where the halo reached the
            # image border it extends past the tile (exact values, computed with border padding): crop
            oy, ox = (Y0 if border[2] else Y0 + halo), (X0 if border[0] else X0 + halo)
            for o, r in zip(outs, res if isinstance(res, list) else [res]):
                o[..., y0:y1, x0:x1] = r[..., y0 - oy:y1 - oy, x0 - ox:x1 - ox]
        return outs

    def encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        """(conv1, conv2, base, detail) features of x (N, 1, H, W), channels-last."""
        c = self.enc[0].weight.shape[0]
        f1, f2, bd = self._run([x.contiguous(memory_format=torch.channels_last)], self._encode_tile,
                               [c, c, 2 * c])
        return [f1, f2, bd[:, :c], bd[:, c:]]

    def decode(self, f1, f2, base, detail) -> torch.Tensor:
        bd = torch.cat([base, detail], 1).contiguous(memory_format=torch.channels_last)
        return self._run([f1, f2, bd], self._decode_tile, [1])[0]

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 1:
            raise ValueError(f"expected (N, 1, H, W), got {tuple(x.shape)}")
        if min(x.shape[-2:]) < 2:
            raise ValueError(f"image too small for reflection padding: {tuple(x.shape[-2:])}")
        return x.to(self.device, torch.float32)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction (the auto-encoder's forward)."""
        with torch.inference_mode():
            return self.decode(*self.encode(self._check(x))).contiguous()

    def _fuse_tile(self, a: torch.Tensor, b: torch.Tensor, rule, border) -> torch.Tensor:
        n = a.shape[0]
        feats = self._encode_tile(torch.cat([a, b]), border)  # pixel-wise rule: base|detail at once
        return self._decode_tile(*(rule(f[:n], f[n:]) for f in feats), border)

    def fuse(self, a: torch.Tensor, b: torch.Tensor, rule) -> torch.Tensor:
        """Same as ``DIDFuse.fuse(a, b, rule)``: the rule fuses each of the four encoder outputs.

        Pixel-wise rules (``rule.pointwise`` true: sum, average, max, weighted) run encoder, rule
        and decoder tile by tile (halo 6), so no full-resolution feature map is ever stored. Rules with a
        ``split`` (the DIDFuse attention layers) compute their global statistics (per-channel min/max,
        histograms, CAM weights) once on the full maps, then their local part (radius ``split.halo``)
        tile by tile in cache; any other rule sees the full feature maps.
        """
        a, b = self._check(a), self._check(b)
        if a.shape != b.shape:
            raise ValueError(f"fuse: shapes differ, {tuple(a.shape)} vs {tuple(b.shape)}")
        n = a.shape[0]
        with torch.inference_mode():
            if getattr(rule, "pointwise", False):
                cl = torch.channels_last
                ins = [a.contiguous(memory_format=cl), b.contiguous(memory_format=cl)]
                return self._run(ins, lambda x, y, border: self._fuse_tile(x, y, rule, border), [1],
                                 halo=2 * HALO)[0].contiguous()
            feats = self.encode(torch.cat([a, b]))
            return self.decode(*(self.fuse_maps(f[:n], f[n:], rule) for f in feats)).contiguous()

    def fuse_maps(self, x: torch.Tensor, y: torch.Tensor, rule) -> torch.Tensor:
        """``rule(x, y)`` on two full feature maps: split rules (``rule.split``) compute their global
        statistics once, then their local part tile by tile (halo ``split.halo``); others run whole."""
        split = getattr(rule, "split", None)
        if split is None:
            return rule(x, y)  # channels-last; rules are layout-agnostic
        st = split.stats(x, y)  # once, on the full maps (its quantiser compiles itself: saliency_table)
        local = CompiledOrEager.of(split.local) if self.compile_rule and split.compile else split.local

        def tile_fn(xt, yt, border):
            return _crop(local(xt, yt, st), split.halo, border)

        return self._run([x, y], tile_fn, [x.shape[1]], halo=split.halo, tile=self.rule_tile)[0]
