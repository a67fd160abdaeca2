"""VIF-Net (Hou et al., "VIF-Net: an unsupervised framework for infrared and visible image fusion", IEEE TCI
6, 2020), as FMMF's Fig. 10 draws it for its Table 4 (../shared/papers/003_c3d5f9f507403807.txt, §4.6.1).

Per source, a densely connected encoder: ``C1`` (3x3, 1 -> 16, ReLU) then three dense layers ``D1``-``D3``
(3x3, 16 channels each, ReLU), each taking the concatenation of every earlier output (DenseFuse's dense
block); the four outputs concatenated give 64 channels. Fusion: concatenation of the two encodings (128
channels). Decoder: plain 3x3 convolutions ``C2`` 128 -> 64, ``C3`` 64 -> 32, ``C4`` 32 -> 16 (ReLU) and
``C5`` 16 -> 1 (no activation; clamped when fusing). No down-sampling, so any image size works as is.

The two encoders do **not** share weights (``share=False``), as FMMF's own: Table 4 is meant to differ "only in
the network structure" (§4.6.1), so weight sharing should not be a second difference. ``share=True`` builds
the shared variant some re-implementations use.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import NETS

GROWTH = 16


class DenseEncoder(nn.Module):
    """``C1`` then dense layers ``D1``-``D3`` (DenseNet connectivity): (N, 1, H, W) -> (N, 64, H, W)."""

    def __init__(self, growth: int = GROWTH, layers: int = 3):
        super().__init__()
        self.C1 = nn.Conv2d(1, growth, 3, padding=1)
        self.dense = nn.ModuleList(nn.Conv2d(growth * (i + 1), growth, 3, padding=1) for i in range(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [F.relu(self.C1(x))]
        for conv in self.dense:
            feats.append(F.relu(conv(torch.cat(feats, 1))))
        return torch.cat(feats, 1)


@NETS.register("vifnet")
class VIFNet(nn.Module):
    """VIF-Net (FMMF Fig. 10): ``enc_ir``, ``enc_vis`` (dense encoders), concatenation, decoder ``C2``-``C5``."""

    def __init__(self, share: bool = False, growth: int = GROWTH):
        super().__init__()
        self.enc_ir = DenseEncoder(growth)
        self.enc_vis = self.enc_ir if share else DenseEncoder(growth)
        c = 8 * growth  # two encodings of 4 * growth channels
        self.C2, self.C3 = nn.Conv2d(c, 64, 3, padding=1), nn.Conv2d(64, 32, 3, padding=1)
        self.C4, self.C5 = nn.Conv2d(32, 16, 3, padding=1), nn.Conv2d(16, 1, 3, padding=1)

    def forward(self, ir: torch.Tensor, vis: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.enc_ir(ir), self.enc_vis(vis)], 1)
        for conv in (self.C2, self.C3, self.C4):
            x = F.relu(conv(x))
        return self.C5(x)

    @torch.no_grad()
    def fuse(self, ir: torch.Tensor, vis: torch.Tensor) -> torch.Tensor:
        """The fused image in [0, 1]."""
        return self(ir, vis).clamp(0, 1)
