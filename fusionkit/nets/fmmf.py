"""FMMF: the dual-branch multi-scale auto-encoder with the mapping fusion module of Rao, Wu, Xu & Chen,
"Unsupervised image fusion method based on feature mutual mapping" (../shared/papers/003_c3d5f9f507403807.txt).
No code is released; every choice below that the text leaves open is listed in docs/studies/fmmf.md.

* **Encoders** (§3.1, Fig. 1): one per modality, weights *not* shared. At depth 3 (the paper's "3 layers"):
  ``conv`` (3x3, 1 -> w0, ReLU) at full size, 2x2 max pooling, ``res1`` (a ResNet basic block, w0 -> w1) at
  1/2, max pooling, ``res2`` (w1 -> w2) at 1/4. Depth 4 and 5 (Table 7) add a pooling + res block each.
* **Fusion** (§3.2, eq. 1), per scale: ``mapping`` (the paper's), ``concat`` or ``add`` (Table 6).
  ``mapping``: at the coarsest scale (after two down-samplings at depth 3) the mutual attention
  ``A = softmax(q(f_x)^T k(f_y) / sqrt(d))`` (every position of one modality against every position of the
  other) is applied to each modality, ``Map_X = f_x A^T``, ``Map_Y = f_y A^T``, and
  ``fuse = Map_X * f_x + Map_Y * f_y`` (element-wise). At each shallower scale the deeper maps are
  up-sampled and densely connected (concatenated, DenseNet [54], then a 1x1 convolution to that scale's
  width), and eq. (1) is applied with that scale's features.
* **Decoder** (§3.1): per scale, from the coarsest up, concatenation of the fused features with the
  up-sampled deeper decoder output and a 3x3 convolution + ReLU (feature aggregation, DLA [43]); a last 3x3
  convolution to one channel, no activation (the fused image is clamped to [0, 1] by :meth:`FMMF.fuse`).

The attention at a quarter of a 768x576 image has N = 27,648 positions: a materialised N x N map is ~3 GB
in fp32. :func:`mutual_attention` runs PyTorch's ``scaled_dot_product_attention`` over chunks of query
positions, so peak memory grows with ``chunk * N``, not N^2 (softmax is over keys, so chunking the queries
is exact).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import NETS

FUSIONS = ("mapping", "concat", "add")
WIDTHS = (16, 32, 64, 64, 64)  # channels at scale 1, 1/2, 1/4, 1/8, 1/16: not given in the paper (docs)
KEY_DIM = 8  # query/key channels of the mapping module (SAGAN's C/8 at the 64-channel scale)
#: query positions per scaled_dot_product_attention call: 1024 x 49,152 keys (a 1024x768 image) is 0.2 GB fp32
CHUNK = 1024
#: pixels per stripe of a shallow scale's 1x1 mixing convolution (ShallowMaps.pointwise); a 128x128 crop is one
STRIPE = 65536


def attention_weights(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """The materialised mutual map A (N, Nq, Nk) = softmax over keys of q k^T / sqrt(d), for
    (N, Nq, d) queries and (N, Nk, d) keys: the naive form (tests, figures on small inputs)."""
    return torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), dim=-1)


def mutual_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, chunk: int | None = CHUNK) -> torch.Tensor:
    """A v for (N, Nq, d) queries, (N, Nk, d) keys and (N, Nk, c) values, without materialising A beyond
    ``chunk`` query rows at a time (``None``: one call). Equal to ``attention_weights(q, k) @ v``."""
    if chunk is None or q.shape[1] <= chunk:
        return F.scaled_dot_product_attention(q, k, v)
    return torch.cat([F.scaled_dot_product_attention(q[:, i:i + chunk], k, v)
                      for i in range(0, q.shape[1], chunk)], 1)


class ResBlock(nn.Module):
    """ResNet's basic block [42]: 3x3 conv-BN-ReLU, 3x3 conv-BN, plus the input (1x1 conv-BN when the width
    changes), ReLU: the paper's "res-block"."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.skip = (nn.Identity() if cin == cout else
                     nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + self.skip(x))


class Encoder(nn.Module):
    """One encoder branch (Fig. 1, red or blue): ``conv`` then ``res1`` ... ``res{depth-1}``, 2x2 max pooling
    before each res block. Returns the features of every scale, finest first."""

    def __init__(self, depth: int = 3, widths: tuple[int, ...] = WIDTHS):
        super().__init__()
        self.conv = nn.Conv2d(1, widths[0], 3, padding=1)
        self.res = nn.ModuleList(ResBlock(widths[i], widths[i + 1]) for i in range(depth - 1))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = [F.relu(self.conv(x))]
        for block in self.res:
            feats.append(block(F.max_pool2d(feats[-1], 2)))
        return feats


class MappingFusion(nn.Module):
    """The mapping fusion module (§3.2, Fig. 2, eq. 1) at the coarsest scale: ``query`` (1x1 conv of f_x) and
    ``key`` (1x1 conv of f_y) give the mutual map A; Map_X = f_x A^T, Map_Y = f_y A^T;
    fuse = Map_X * f_x + Map_Y * f_y. Returns (fuse, Map_X, Map_Y)."""

    def __init__(self, channels: int, key_dim: int = KEY_DIM):
        super().__init__()
        self.query = nn.Conv2d(channels, key_dim, 1)
        self.key = nn.Conv2d(channels, key_dim, 1)

    def qk(self, fx: torch.Tensor, fy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Queries of X and keys of Y as (N, H*W, d)."""
        return (self.query(fx).flatten(2).transpose(1, 2), self.key(fy).flatten(2).transpose(1, 2))

    def forward(self, fx: torch.Tensor, fy: torch.Tensor, chunk: int | None = CHUNK):
        n, c, h, w = fx.shape
        q, k = self.qk(fx, fy)
        v = torch.cat([fx, fy], 1).flatten(2).transpose(1, 2)  # both modalities through one attention call
        out = mutual_attention(q, k, v, chunk).transpose(1, 2).reshape(n, 2 * c, h, w)
        map_x, map_y = out[:, :c], out[:, c:]
        return map_x * fx + map_y * fy, map_x, map_y


class ShallowMaps(nn.Module):
    """A shallow scale's Map_X / Map_Y (§3.2): every deeper map up-sampled to this scale (bilinear),
    concatenated (dense connection) and mapped by a 1x1 convolution to this scale's width."""

    def __init__(self, deeper: int, channels: int):
        super().__init__()
        self.mix_x = nn.Conv2d(deeper, channels, 1)
        self.mix_y = nn.Conv2d(deeper, channels, 1)

    @staticmethod
    def dense(maps: list[torch.Tensor], size: tuple[int, int]) -> torch.Tensor:
        """``torch.cat`` of the maps up-sampled to ``size``, written map by map into one buffer, so that only
        one up-sampled map exists beside it (a list then ``cat`` holds the concatenation twice: at full
        resolution of a 1024x768 image, depth 5, that is 0.7 GB more). Bit-identical to the ``cat``."""
        n, h, w = maps[0].shape[0], *size
        out = maps[0].new_empty(n, sum(m.shape[1] for m in maps), h, w)
        c = 0
        for m in maps:
            out[:, c:c + m.shape[1]] = F.interpolate(m, size=size, mode="bilinear", align_corners=False)
            c += m.shape[1]
        return out

    @staticmethod
    def pointwise(conv: nn.Conv2d, x: torch.Tensor, positions: int = STRIPE) -> torch.Tensor:
        """The 1x1 ``conv`` of ``x`` on stripes of rows of about ``positions`` pixels each: oneDNN copies its
        whole input into a blocked layout first (0.7 GB more for the dense buffer above), a stripe at a time
        it copies only the stripe. Per pixel the same computation (equal to ``conv(x)``, tested)."""
        rows = max(1, positions // x.shape[-1])
        if rows >= x.shape[-2]:
            return conv(x)
        return torch.cat([conv(x[..., r:r + rows, :]) for r in range(0, x.shape[-2], rows)], -2)

    def forward(self, maps_x: list[torch.Tensor], maps_y: list[torch.Tensor], size: tuple[int, int]):
        return (self.pointwise(self.mix_x, self.dense(maps_x, size)),
                self.pointwise(self.mix_y, self.dense(maps_y, size)))


@NETS.register("fmmf")
class FMMF(nn.Module):
    """FMMF (Fig. 1): ``enc_x`` (infrared), ``enc_y`` (visible), per-scale fusion (``fusion``: 'mapping',
    'concat' or 'add'), aggregating decoder ``dec`` + ``out``. ``model(ir, vis)`` -> the fused image
    (N, 1, H, W), any H and W (reflection-padded to a multiple of 2^(depth-1) inside, cropped back)."""

    def __init__(self, fusion: str = "mapping", depth: int = 3, widths: tuple[int, ...] = WIDTHS,
                 key_dim: int = KEY_DIM):
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f"FMMF fusion={fusion!r}: expected one of {', '.join(FUSIONS)}")
        if not 2 <= depth <= len(widths):
            raise ValueError(f"FMMF depth={depth}: expected 2..{len(widths)} (the paper's Table 7 has 3, 4, 5)")
        self.fusion, self.depth, self.widths = fusion, depth, tuple(widths[:depth])
        self.enc_x, self.enc_y = Encoder(depth, widths), Encoder(depth, widths)
        w = self.widths
        if fusion == "mapping":
            self.mapping = MappingFusion(w[-1], key_dim)
            self.shallow = nn.ModuleList(ShallowMaps(sum(w[s + 1:]), w[s]) for s in range(depth - 1))
        fused = [2 * c if fusion == "concat" else c for c in w]
        # decoder block s (finest s = 0): concat(fused_s, up(decoded_{s+1})) -> w[s]
        self.dec = nn.ModuleList(nn.Conv2d(fused[s] + w[s + 1], w[s], 3, padding=1) for s in range(depth - 1))
        self.bottom = nn.Conv2d(fused[-1], w[-1], 3, padding=1)
        self.out = nn.Conv2d(w[0], 1, 3, padding=1)

    def encode_fuse(self, ir: torch.Tensor, vis: torch.Tensor, chunk: int | None = CHUNK):
        """Fused features per scale (finest first) and, for 'mapping', the maps (Map_X, Map_Y per scale)."""
        fx, fy = self.enc_x(ir), self.enc_y(vis)
        if self.fusion == "add":
            return [a + b for a, b in zip(fx, fy)], None
        if self.fusion == "concat":
            return [torch.cat([a, b], 1) for a, b in zip(fx, fy)], None
        deep, mx, my = self.mapping(fx[-1], fy[-1], chunk)
        maps_x, maps_y, fused = [mx], [my], [deep]
        for s in range(self.depth - 2, -1, -1):  # shallow scales, coarse to fine: dense over every deeper map
            mxs, mys = self.shallow[s](maps_x, maps_y, fx[s].shape[-2:])
            fused.insert(0, mxs * fx[s] + mys * fy[s])
            maps_x.insert(0, mxs)
            maps_y.insert(0, mys)
        return fused, (maps_x, maps_y)

    def decode(self, fused: list[torch.Tensor]) -> torch.Tensor:
        d = F.relu(self.bottom(fused[-1]))
        for s in range(self.depth - 2, -1, -1):
            up = F.interpolate(d, size=fused[s].shape[-2:], mode="nearest")
            d = F.relu(self.dec[s](torch.cat([fused[s], up], 1)))
        return self.out(d)

    def _pad(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        m = 2 ** (self.depth - 1)
        h, w = x.shape[-2:]
        ph, pw = (-h) % m, (-w) % m
        return (F.pad(x, (0, pw, 0, ph), mode="reflect") if ph or pw else x), (h, w)

    def forward(self, ir: torch.Tensor, vis: torch.Tensor, chunk: int | None = CHUNK) -> torch.Tensor:
        (ir, (h, w)), (vis, _) = self._pad(ir), self._pad(vis)
        fused, _ = self.encode_fuse(ir, vis, chunk)
        return self.decode(fused)[..., :h, :w]

    @torch.no_grad()
    def maps(self, ir: torch.Tensor, vis: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Map_X and Map_Y of every scale (finest first), for the figure of what the module attends."""
        if self.fusion != "mapping":
            raise ValueError(f"FMMF.maps: fusion={self.fusion!r} has no maps (only 'mapping' has)")
        (ir, _), (vis, _) = self._pad(ir), self._pad(vis)
        return self.encode_fuse(ir, vis)[1]

    @torch.no_grad()
    def fuse(self, ir: torch.Tensor, vis: torch.Tensor) -> torch.Tensor:
        """The fused image in [0, 1]."""
        return self(ir, vis).clamp(0, 1)
