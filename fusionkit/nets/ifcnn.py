"""IFCNN (Zhang et al., Information Fusion 54, 2020): the released architecture.

conv1: ResNet-101's first convolution (7x7, 3 -> 64, no bias, stride 1, replicate padding 3, no
activation, frozen); conv2, conv3: replicate pad 1, 3x3 conv (no bias), BN, ReLU; the feature
maps of the sources after conv2 are fused element-wise (MAX, SUM or MEAN); conv4: 1x1, 64 -> 3.
Names match the released state dicts.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import NETS

from ..fusion_rules import average_rule, max_rule, sum_rule

SCHEMES = {"max": max_rule, "sum": sum_rule, "mean": average_rule}


class ConvBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(F.pad(x, (1, 1, 1, 1), mode="replicate"))))


@NETS.register("ifcnn")
class IFCNN(nn.Module):
    def __init__(self, scheme: str = "max"):
        super().__init__()
        if scheme not in SCHEMES:
            raise ValueError(f"unknown IFCNN scheme {scheme!r}; valid: {', '.join(SCHEMES)}")
        self.scheme = scheme
        self.conv1 = nn.Conv2d(3, 64, 7, stride=1, padding=0, bias=False)
        self.conv2 = ConvBlock(64, 64)
        self.conv3 = ConvBlock(64, 64)
        self.conv4 = nn.Conv2d(64, 3, 1)

    def forward(self, *sources: torch.Tensor) -> torch.Tensor:
        """Sources: (N, 3, H, W), normalised as the checkpoint expects; returns (N, 3, H, W)."""
        feats = [self.conv2(self.conv1(F.pad(s, (3, 3, 3, 3), mode="replicate"))) for s in sources]
        fused = feats[0]
        for f in feats[1:]:
            fused = SCHEMES[self.scheme](fused, f) if self.scheme != "mean" else fused + f
        if self.scheme == "mean":
            fused = fused / len(feats)
        return self.conv4(self.conv3(fused))
