"""ALAN (Fang, Zhao & Zhang, ../shared/papers/000): the unsupervised main fusion network with channel
attention and learned non-linear fusion weights (§3.2, §3.4, Fig. 2, eq. 5-6), its two sub-task networks
(§3.4: reconstruction, a stacked dense auto-encoder; multi-focus, the main skeleton trained supervised) and
the lateral connections through which frozen sub-task networks feed the main one (§3.3, eq. 7, Fig. 5;
Rusu et al.'s progressive networks [19]).

The paper gives no layer counts, widths or kernel sizes: every choice here is a reading, listed in
docs/studies/alan.md, and the plausible alternatives are constructor arguments (``fusion``, ``weights``,
``fuse_at``, ``attention``). No code is released.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import NETS
from .blocks import ChannelAttention, MultiScaleConv

FUSIONS = ("learned", "max", "sum", "mean")  # eq. 6 and the fixed criteria of Fig. 10
WEIGHTS = ("sigmoid", "softmax")
FUSE_AT = ("image", "features")
DEPTH, WIDTH = 4, 32


class Column(nn.Module):
    """The main skeleton's encoder (Fig. 2: yellow conv block, then red multi-scale blocks each followed by
    the purple channel attention): ``conv`` (3x3, ReLU), then ``blocks[i]`` + ReLU + ``attn[i]``. With
    ``lateral_widths`` (one list of layer widths per frozen column) the pre-activation of layer i + 1
    receives ``laterals[j][i]`` (1x1 conv) of column j's layer-i activation: eq. 7,
    Task_i = R(W_{i-1} x_{i-1} + sum_{j<l} U_{i-1}^(j) x_{i-1}^(j)). Returns every layer's activation."""

    def __init__(self, depth: int = DEPTH, width: int = WIDTH, attention: bool = True, reduction: int = 4,
                 lateral_widths: Sequence[Sequence[int]] = ()):
        super().__init__()
        self.conv = nn.Conv2d(1, width, 3, padding=1)
        self.blocks = nn.ModuleList(MultiScaleConv(width, width) for _ in range(depth - 1))
        self.attn = nn.ModuleList((ChannelAttention(width, reduction) if attention else nn.Identity())
                                  for _ in range(depth - 1))
        for j, widths in enumerate(lateral_widths):
            if len(widths) < depth - 1:
                raise ValueError(f"ALAN lateral column {j}: {len(widths)} layers, the main network needs "
                                 f"{depth - 1} (depth={depth})")
        self.laterals = nn.ModuleList(nn.ModuleList(nn.Conv2d(w[i], width, 1) for i in range(depth - 1))
                                      for w in lateral_widths)
        self.layer_widths = [width] * depth

    def forward(self, x: torch.Tensor, lateral_acts: Sequence[Sequence[torch.Tensor]] = ()) -> list[torch.Tensor]:
        if len(lateral_acts) != len(self.laterals):
            raise ValueError(f"ALAN column: {len(lateral_acts)} lateral inputs for {len(self.laterals)} columns")
        acts = [F.relu(self.conv(x))]
        for i, (block, attn) in enumerate(zip(self.blocks, self.attn)):
            pre = block(acts[-1])
            for lat, col_acts in zip(self.laterals, lateral_acts):
                pre = pre + lat[i](col_acts[i])
            acts.append(attn(F.relu(pre)))
        return acts


@NETS.register("alan-recon")
class ReconstructionNet(nn.Module):
    """Sub-task 1 (§3.4): a stacked auto-encoder with a dense connection module, restoring a degraded grey
    image. Encoder ``conv`` (1 -> growth) then ``dense[k]`` (3x3 on the concatenation of every earlier
    layer, -> growth); decoder ``dec1``, ``dec2`` (3x3, ReLU) and ``out`` (3x3 -> 1) on the concatenation of
    all encoder layers. ``activations`` are the encoder layers (the lateral inputs of eq. 7)."""

    def __init__(self, depth: int = DEPTH, growth: int = 16):
        super().__init__()
        self.conv = nn.Conv2d(1, growth, 3, padding=1)
        self.dense = nn.ModuleList(nn.Conv2d(growth * (k + 1), growth, 3, padding=1) for k in range(depth - 1))
        self.dec1 = nn.Conv2d(growth * depth, 2 * growth, 3, padding=1)
        self.dec2 = nn.Conv2d(2 * growth, growth, 3, padding=1)
        self.out = nn.Conv2d(growth, 1, 3, padding=1)
        self.layer_widths = [growth] * depth

    def activations(self, x: torch.Tensor) -> list[torch.Tensor]:
        acts = [F.relu(self.conv(x))]
        for layer in self.dense:
            acts.append(F.relu(layer(torch.cat(acts, 1))))
        return acts

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.dec2(F.relu(self.dec1(torch.cat(self.activations(x), 1))))))


def _column(c: nn.Module | dict) -> nn.Module:
    """A lateral column: a module as given, or built from ``{"net": name, **kwargs}``."""
    if isinstance(c, nn.Module):
        return c
    if not isinstance(c, dict) or "net" not in c:
        raise ValueError(f"ALAN column {c!r}: expected a network or {{'net': name, ...}}")
    from . import build

    kw = {k: v for k, v in c.items() if k != "net"}
    return build(c["net"], **kw)


@NETS.register("alan")
class ALAN(nn.Module):
    """The main network (Fig. 2): one ``encoder`` (:class:`Column`) shared by both inputs ("dual input
    single output"), a ``weight`` branch predicting per-pixel fusion weights W_1, W_2 from both inputs'
    last features, and the fusion of eq. 6, f = W_1 I_1 + W_2 I_2.

    - ``fusion``: 'learned' (eq. 6) or a fixed criterion of Fig. 10 in place of the weights: 'max' (W is 1
      for the larger input, 0 for the other), 'sum' (both 1), 'mean' (both 0.5). Switching it on a trained
      network (``fuse_with``) applies the criterion without retraining.
    - ``weights``: 'sigmoid' (each W_i in (0, 1): max, sum and mean are all special cases, as §3.2.2 says) or
      'softmax' (W_1 + W_2 = 1: covers max and mean, not sum).
    - ``fuse_at``: 'image' (eq. 6 read literally, on the source images) or 'features' (the weights act on the
      two encoders' features, and ``decoder``, Fig. 2's green block, decodes the fused features).
    - ``attention``: False is the no-channel-attention variant §4.1 mentions.
    - ``columns``: frozen sub-task networks (each with ``activations(x)`` and ``layer_widths``), or their
      descriptions ``{"net": name, **kwargs}`` (built fresh: a checkpoint's state dict then fills them, so a
      run record stays JSON), feeding the encoder through lateral connections (eq. 7). They are frozen here
      (``requires_grad`` False, always in eval mode) and kept in the state dict, so a checkpoint holds the
      whole auxiliary network.
    """

    def __init__(self, depth: int = DEPTH, width: int = WIDTH, attention: bool = True, fusion: str = "learned",
                 weights: str = "sigmoid", fuse_at: str = "image", reduction: int = 4,
                 columns: Sequence[nn.Module] = ()):
        super().__init__()
        for name, value, allowed in (("fusion", fusion, FUSIONS), ("weights", weights, WEIGHTS),
                                     ("fuse_at", fuse_at, FUSE_AT)):
            if value not in allowed:
                raise ValueError(f"ALAN {name}={value!r}: expected one of {', '.join(allowed)}")
        if depth < 2:
            raise ValueError(f"ALAN depth={depth}: expected at least 2 layers")
        self.fusion, self.weights_kind, self.fuse_at, self.depth = fusion, weights, fuse_at, depth
        self.columns = nn.ModuleList(_column(c) for c in columns)
        for col in self.columns:
            col.requires_grad_(False)
            col.eval()
        self.encoder = Column(depth, width, attention, reduction, [c.layer_widths for c in self.columns])
        self.weight = nn.Sequential(nn.Conv2d(2 * width, width, 3, padding=1), nn.ReLU(inplace=True),
                                    nn.Conv2d(width, 2, 3, padding=1))
        self.decoder = (nn.Sequential(nn.Conv2d(width, width // 2, 3, padding=1), nn.ReLU(inplace=True),
                                      nn.Conv2d(width // 2, 1, 3, padding=1)) if fuse_at == "features" else None)
        self.layer_widths = self.encoder.layer_widths

    def train(self, mode: bool = True) -> "ALAN":
        super().train(mode)
        for col in self.columns:  # frozen sub-task networks stay in eval mode
            col.eval()
        return self

    def _lateral(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        with torch.no_grad():
            return [list(col.activations(x)) for col in self.columns]

    def activations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The encoder's layer activations of one input (a lateral column when this network is a sub-task)."""
        return self.encoder(x, self._lateral(x))

    def fusion_weights(self, fa: torch.Tensor, fb: torch.Tensor) -> torch.Tensor:
        """W (N, 2, H, W) from the last features of both inputs."""
        logits = self.weight(torch.cat([fa, fb], 1))
        return torch.softmax(logits, 1) if self.weights_kind == "softmax" else torch.sigmoid(logits)

    def fuse_with(self, a: torch.Tensor, b: torch.Tensor, rule: str) -> torch.Tensor:
        """The output with fusion ``rule`` (one of :data:`FUSIONS`) on this network's weights."""
        if rule not in FUSIONS:
            raise ValueError(f"ALAN rule={rule!r}: expected one of {', '.join(FUSIONS)}")
        fa, fb = self.activations(a)[-1], self.activations(b)[-1]
        xa, xb = (a, b) if self.fuse_at == "image" else (fa, fb)
        if rule == "learned":
            w = self.fusion_weights(fa, fb)
            fused = w[:, :1] * xa + w[:, 1:] * xb
        elif rule == "max":
            fused = torch.maximum(xa, xb)
        elif rule == "sum":
            fused = xa + xb
        else:
            fused = (xa + xb) / 2
        return fused if self.decoder is None else self.decoder(fused)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.fuse_with(a, b, self.fusion)

    @torch.no_grad()
    def fuse(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """The fused image in [0, 1]."""
        return self(a, b).clamp(0, 1)
