"""DIDFuse (Zhao et al., IJCAI 2020; extended version in ../shared/papers 002): the released architecture.

Encoder (paper's conv1-conv4), decoder (conv5-conv7), 3x3 convolutions + batch norm:
conv1: reflection pad, 1->64, PReLU;  conv2: 64->64, PReLU;  conv3 (base) / conv4 (detail):
64->64, tanh.  Decoder: conv5 takes [base, detail] (128 -> 64, PReLU), conv6 takes [conv5, conv2
features] (128 -> 64, PReLU), conv7 takes [conv6, conv1 features] (reflection pad, 128 -> 1,
sigmoid). The paper's Table I lists 64 input channels for conv6/conv7, which contradicts its own
skip connections and the released weights; we follow the released weights.
Attribute names match the released state dicts (``cov1.cov1.1.weight`` ...).
"""
from __future__ import annotations

import torch
from torch import nn

from ..registry import NETS


def _block(cin: int, cout: int, act: nn.Module, reflect: bool) -> nn.Sequential:
    layers: list[nn.Module] = [nn.ReflectionPad2d(1)] if reflect else []
    layers += [nn.Conv2d(cin, cout, 3, padding=0 if reflect else 1), nn.BatchNorm2d(cout), act]
    return nn.Sequential(*layers)


class _Named(nn.Module):
    """Wrapper so that parameters are named ``covK.covK.<i>`` as in the released checkpoints."""

    def __init__(self, name: str, seq: nn.Sequential):
        super().__init__()
        setattr(self, name, seq)
        self._name = name

    def forward(self, x):
        return getattr(self, self._name)(x)


BRANCHES = ("both", "base", "detail")


class DIDFuseEncoder(nn.Module):
    """conv1-conv4. ``branches="base"`` drops the detail branch (conv4: Table IV ablations 2 and 4),
    ``"detail"`` drops the base branch (conv3: ablation 1); the dropped output is all zeros, so the
    decoder's weights for it never receive a gradient (the same as removing those input channels)."""

    def __init__(self, channels: int = 64, branches: str = "both"):
        super().__init__()
        if branches not in BRANCHES:
            raise ValueError(f"unknown branches {branches!r}; valid: {', '.join(BRANCHES)}")
        self.branches = branches
        c = channels
        self.cov1 = _Named("cov1", _block(1, c, nn.PReLU(), reflect=True))
        self.cov2 = _Named("cov2", _block(c, c, nn.PReLU(), reflect=False))
        self.cov3 = _Named("cov3", _block(c, c, nn.Tanh(), reflect=False))
        self.cov4 = _Named("cov4", _block(c, c, nn.Tanh(), reflect=False))

    def forward(self, x: torch.Tensor):
        """x: (N, 1, H, W) in [0, 1] -> (conv1 features, conv2 features, base, detail)."""
        f1 = self.cov1(x)
        f2 = self.cov2(f1)
        base = self.cov3(f2) if self.branches != "detail" else f2.new_zeros(f2.shape)
        detail = self.cov4(f2) if self.branches != "base" else f2.new_zeros(f2.shape)
        return f1, f2, base, detail


class DIDFuseDecoder(nn.Module):
    """conv5-conv7; ``skip_connections=False`` is the paper's Table IV ablation (conv6/conv7 then see
    only the previous layer: 64 input channels)."""

    def __init__(self, channels: int = 64, skip_connections: bool = True):
        super().__init__()
        c = channels
        k = 2 if skip_connections else 1
        self.skip = skip_connections
        self.cov5 = _Named("cov5", _block(2 * c, c, nn.PReLU(), reflect=False))
        self.cov6 = _Named("cov6", _block(k * c, c, nn.PReLU(), reflect=False))
        self.cov7 = _Named("cov7", _block(k * c, 1, nn.Sigmoid(), reflect=True))

    def forward(self, f1, f2, base, detail):
        o1 = self.cov5(torch.cat([base, detail], 1))
        o2 = self.cov6(torch.cat([o1, f2], 1) if self.skip else o1)
        return self.cov7(torch.cat([o2, f1], 1) if self.skip else o2)


@NETS.register("didfuse")
class DIDFuse(nn.Module):
    """Auto-encoder: ``forward(x)`` reconstructs x; ``fuse(a, b, rule)`` fuses two images."""

    def __init__(self, channels: int = 64, skip_connections: bool = True, branches: str = "both"):
        super().__init__()
        self.encoder = DIDFuseEncoder(channels, branches)
        self.unused_parameters = branches != "both"  # tells DDP (fusionkit.train) to expect them
        self.decoder = DIDFuseDecoder(channels, skip_connections)

    def forward(self, x: torch.Tensor, return_features: bool = False):
        """Reconstruction of x; with ``return_features`` also (conv1, conv2, base, detail) features.

        Training goes through ``forward`` (not ``encoder``/``decoder`` directly) so that
        DistributedDataParallel sees every use of the parameters.
        """
        feats = self.encoder(x)
        out = self.decoder(*feats)
        return (out, feats) if return_features else out

    def fuse(self, a: torch.Tensor, b: torch.Tensor, rule) -> torch.Tensor:
        """Fuse every encoder output pairwise with ``rule`` (IJCAI test code) and decode."""
        fa, fb = self.encoder(a), self.encoder(b)
        return self.decoder(*(rule(x, y) for x, y in zip(fa, fb)))
