"""Shared building blocks (ARCHITECTURE: conv-BN-act, group conv + shuffle, fire, inception,
separable): small ``nn.Module``s that several networks compose. Defaults are AE-Netv2's width 64
(../shared/papers 004, Table I)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

WIDTH = 64
GROUPS = 32  # 2 channels per group: the count that gives AE-Netv2's 5,378 parameters (Table VI)


def conv_bn(cin: int, cout: int, k: int = 3, relu: bool = True) -> nn.Sequential:
    """A convolution block (conv without bias, BN, optionally ReLU): C1, C2 and AE-Netv2+'s R."""
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU(inplace=True)) if relu else nn.Sequential(*layers)


def block_diagonal_conv(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """``conv(x)`` for a grouped ``conv``, computed as one dense convolution whose weight is the grouped
    weight laid out block-diagonally (zeros between groups): the same output and the same gradients for
    ``conv.weight`` (the zeros are a constant mask, so nothing reaches them).

    Why: under CPU bfloat16 autocast, oneDNN's grouped kernel with 2 channels per group is slow. On a
    Xeon with AMX, forward + backward of AE-Netv2's 64 -> 64, 32-group convolution at 16 x 128 x 128
    took 2.6 s in bf16 (1.2 s in fp32) against 0.7 s for this dense form in bf16 (benchmarks in the
    docs/studies/aenetv2.md). No library offers this switch, hence hand-written."""
    w = conv.weight
    cin_g, cout_g = conv.in_channels // conv.groups, conv.out_channels // conv.groups
    rows = torch.arange(conv.out_channels, device=w.device) // cout_g
    cols = torch.arange(conv.in_channels, device=w.device) // cin_g
    mask = (rows[:, None] == cols[None, :]).to(w.dtype)[:, :, None, None]
    dense = w.repeat(1, conv.groups, 1, 1) * mask  # column i holds w[:, i % cin_g], kept in o's group only
    return F.conv2d(x, dense, conv.bias, conv.stride, conv.padding, conv.dilation)


class GCB(nn.Module):
    """Group-convolution block (Fig. 2's "GC"): 3x3 group convolution 64 -> 64 (32 groups, bias),
    ReLU, channel shuffle (``nn.ChannelShuffle``, ShuffleNet's operation) so that the next layer mixes
    the groups. Under CPU bf16 autocast (training on a CPU with native bf16) the group convolution runs
    as :func:`block_diagonal_conv`, the same function, about 4x faster there."""

    def __init__(self, channels: int = WIDTH, groups: int = GROUPS):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, groups=groups)
        self.shuffle = nn.ChannelShuffle(groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu" and torch.is_autocast_enabled("cpu"):
            return self.shuffle(F.relu(block_diagonal_conv(self.conv, x)))
        return self.shuffle(F.relu(self.conv(x)))


class Separable(nn.Module):
    """Depthwise-separable convolution (3x3 depthwise, 1x1 pointwise, both with bias), ReLU."""

    def __init__(self, channels: int = WIDTH):
        super().__init__()
        self.depthwise = nn.Conv2d(channels, channels, 3, padding=1, groups=channels)
        self.pointwise = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.pointwise(self.depthwise(x)))


class Fire(nn.Module):
    """SqueezeNet's fire module: squeeze 1x1 cin -> s, ReLU; expand 1x1 s -> cout/2 and 3x3 s -> cout/2,
    concatenated, ReLU."""

    def __init__(self, cin: int = WIDTH, cout: int = WIDTH, squeeze: int = 16):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, cout // 2, 1)
        self.expand3x3 = nn.Conv2d(squeeze, cout - cout // 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = F.relu(self.squeeze(x))
        return F.relu(torch.cat([self.expand1x1(s), self.expand3x3(s)], 1))


class Inception(nn.Module):
    """GoogLeNet's inception module at 64 -> 64: 1x1; 1x1 -> 3x3; 1x1 -> 5x5; 3x3 max-pool -> 1x1
    (16 maps each, bias), concatenated, ReLU."""

    def __init__(self, channels: int = WIDTH):
        super().__init__()
        b = channels // 4
        self.branch1x1 = nn.Conv2d(channels, b, 1)
        self.branch3x3 = nn.Sequential(nn.Conv2d(channels, b, 1), nn.ReLU(inplace=True), nn.Conv2d(b, b, 3, padding=1))
        self.branch5x5 = nn.Sequential(nn.Conv2d(channels, b, 1), nn.ReLU(inplace=True), nn.Conv2d(b, b, 5, padding=2))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(channels, b, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(torch.cat([self.branch1x1(x), self.branch3x3(x), self.branch5x5(x), self.branch_pool(x)], 1))


class ChannelAttention(nn.Module):
    """Channel attention (ALAN, ../shared/papers/000 §3.2.1, eq. 5; Hu et al.'s SE [17], RCAN [5]):
    ``pool`` (global average pooling, F_GP), ``squeeze`` (1x1 conv W_1, ReLU), ``excite`` (1x1 conv W_2,
    sigmoid), then the channel-wise product with the input F. Eq. 5 writes the product with F_GP, read as
    the product with F as in SE and RCAN (a product with the pooled vector would discard the image).
    ``reduction``: channels of the squeeze, not given in the paper (docs/studies/alan.md)."""

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.squeeze = nn.Conv2d(channels, hidden, 1)
        self.excite = nn.Conv2d(hidden, channels, 1)

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """The per-channel weights S(W_2 R(W_1 F_GP)), shape (N, C, 1, 1), in (0, 1)."""
        return torch.sigmoid(self.excite(F.relu(self.squeeze(x.mean((2, 3), keepdim=True)))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weights(x)


class MultiScaleConv(nn.Module):
    """ALAN's multi-scale convolution block (Fig. 2, red; §3.4 names it only): parallel ``b1`` (1x1), ``b3``
    (3x3) and ``b5`` (5x5) convolutions of the input, concatenated and mixed by ``mix`` (1x1) to ``cout``.
    ``forward`` returns the pre-activation, so that lateral connections (eq. 7) add before the ReLU."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        b = max(1, cout // 2)
        self.b1 = nn.Conv2d(cin, b, 1)
        self.b3 = nn.Conv2d(cin, b, 3, padding=1)
        self.b5 = nn.Conv2d(cin, b, 5, padding=2)
        self.mix = nn.Conv2d(3 * b, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mix(torch.cat([self.b1(x), self.b3(x), self.b5(x)], 1))
