"""VGG19's convolutional front (Simonyan & Zisserman 2015) as a frozen feature extractor for perceptual
(content) losses, in torchvision's ``features`` layout so that torchvision's ImageNet state dict
(``vgg19-dcbb9e9d.pth``) loads into it by key. No torchvision here: the few layers are written out.

ImageNet weights cannot be downloaded on this project's machines: :func:`load_vgg19_features` reads them from
a path (manifest entry ``vgg19-imagenet``); without one there is nothing to load, and the studies fall back to
a documented substitute (e.g. ALAN's frozen reconstruction encoder, docs/studies/alan.md).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from .jcae import IMAGENET_MEAN, IMAGENET_STD

#: VGG19's convolution widths per block (configuration "E").
BLOCKS = ((64, 64), (128, 128), (256, 256, 256, 256), (512, 512, 512, 512), (512, 512, 512, 512))


def layer_index() -> dict[str, int]:
    """Every ReLU of VGG19 by name (``relu<block>_<conv>``) -> its index in torchvision's ``features``; the
    convolution before it is at index - 1 (``features.<index-1>.weight``)."""
    names, i = {}, 0
    for b, widths in enumerate(BLOCKS, 1):
        for c in range(1, len(widths) + 1):
            names[f"relu{b}_{c}"] = i + 1
            i += 2
        i += 1  # the block's max pooling
    return names


class VGG19Features(nn.Module):
    """VGG19 ``features`` up to the deepest of ``layers`` (names of :func:`layer_index`, e.g. 'relu2_2'),
    returning the activations at ``layers`` (a list, shallow first). Input: grey (N, 1, H, W) or RGB
    (N, 3, H, W) in [0, 1]; grey is repeated to three channels, then ImageNet-normalised (torchvision's
    convention). Frozen (``requires_grad`` False) and in eval mode from the start."""

    def __init__(self, layers: Sequence[str] = ("relu2_2",)):
        super().__init__()
        index = layer_index()
        bad = [n for n in layers if n not in index]
        if bad or not layers:
            raise ValueError(f"VGG19Features: unknown layers {bad or list(layers)}; valid: {', '.join(index)}")
        self.layers = tuple(sorted(layers, key=index.__getitem__))
        last = index[self.layers[-1]]
        mods, cin = [], 3
        for widths in BLOCKS:
            for w in widths:
                mods += [nn.Conv2d(cin, w, 3, padding=1), nn.ReLU(inplace=False)]
                cin = w
            mods.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*mods[:last + 1])
        self._at = {index[n]: n for n in self.layers}
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "VGG19Features":
        return super().train(False)  # a fixed loss network: never in training mode

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        if x.dim() != 4 or x.shape[1] not in (1, 3):
            raise ValueError(f"VGG19Features expects (N, 1 or 3, H, W), got {tuple(x.shape)}")
        x = (x.expand(-1, 3, -1, -1) - self.mean) / self.std
        out = []
        for i, m in enumerate(self.features):
            x = m(x)
            if i in self._at:
                out.append(x)
        return out


def load_vgg19_features(path: str | Path, layers: Sequence[str] = ("relu2_2",)) -> VGG19Features:
    """:class:`VGG19Features` with torchvision's ImageNet VGG19 weights read from ``path`` (its state dict,
    ``weights_only=True``); only the convolutions up to the deepest layer are read. A missing file or a
    state dict without those keys / shapes raises :class:`~fusionkit.checkpoints.CheckpointError` naming it."""
    from ..checkpoints import CheckpointError, load_weights

    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"VGG19 weights not found: {p} (expected torchvision's vgg19-dcbb9e9d.pth; "
                              f"see the manifest entry 'vgg19-imagenet')")
    sd = load_weights(p, "torchvision's VGG19 state dict")
    net = VGG19Features(layers)
    want = {f"features.{i}.{k}": v for i, m in enumerate(net.features) if isinstance(m, nn.Conv2d)
            for k, v in (("weight", m.weight), ("bias", m.bias))}
    for k, v in want.items():
        got = sd.get(k)
        if got is None or tuple(got.shape) != tuple(v.shape):
            raise CheckpointError(f"{p}: no {k} of shape {tuple(v.shape)} "
                                  f"(found {None if got is None else tuple(got.shape)}); "
                                  "is this torchvision's VGG19 state dict?")
    net.load_state_dict({k: sd[k] for k in want})
    return net
