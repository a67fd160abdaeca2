"""JCAE: the joint convolution auto-encoder of Zhang, Gao, Xiong, Luo & Wu (../shared/papers/001_6362801b0cc60012.txt).

Encoder (Sec. 2.2, 2.4, Fig. 2): three branches of identical shape, each VGG19's first three
convolutions with the pooling between them (``block1_conv1`` 3->64, ``block1_conv2`` 64->64,
``block1_pool`` 2x2 max, ``block2_conv1`` 64->128; 3x3, 'same' zero padding, ReLU after each
convolution, as in VGG19): a *private* branch for the infrared image, a *private* branch for the
visible image, and one *common* branch whose single set of weights encodes both (eq. 3). A grey input
is repeated to 3 channels (Sec. 2.4).

Decoder: one module shared by everything (eq. 3); each input is reconstructed as
``dec(common(x)) + dec(private_x(x))`` (eq. 4). The paper gives no decoder layers; what we chose,
mirroring the encoder, and why:

* ``dec_conv1`` 3x3 128->64 + ReLU at the encoder's half resolution (mirror of ``block2_conv1``);
* up-sampling to the input's exact size, nearest neighbour (mirror of the max pooling; exact size so
  that odd image sides come back unchanged);
* ``dec_conv2`` 3x3 64->64 + ReLU (mirror of ``block1_conv2``);
* ``dec_conv3`` 3x3 64->1, **no** activation: eq. (4) sums two decoder outputs, so each must be free
  to take any sign (a sigmoid would force the sum into [0, 2]); the fused image is clamped to [0, 1].
* One grey output channel (the three input channels are copies of one grey image).

With ImageNet VGG19 weights (:func:`load_vgg19`) the repeated grey input is normalised with the
ImageNet mean and std first (``input_norm="imagenet"``, torchvision's convention); with the default
random initialisation it is used as is (``input_norm="none"``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import NETS

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: VGG19 ``features`` indices (torchvision layout) of the three transferred convolutions.
VGG19_LAYERS = {"block1_conv1": 0, "block1_conv2": 2, "block2_conv1": 5}


class VGGBranch(nn.Module):
    """One encoder branch: VGG19 ``block1_conv1``, ``block1_conv2``, ``block1_pool``, ``block2_conv1``
    (each convolution followed by ReLU). (N, 3, H, W) -> (N, 128, H//2, W//2)."""

    def __init__(self):
        super().__init__()
        self.block1_conv1 = nn.Conv2d(3, 64, 3, padding=1)
        self.block1_conv2 = nn.Conv2d(64, 64, 3, padding=1)
        self.block2_conv1 = nn.Conv2d(64, 128, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.block1_conv1(x))
        x = F.relu(self.block1_conv2(x))
        x = F.max_pool2d(x, 2)  # block1_pool
        return F.relu(self.block2_conv1(x))


class JCAEDecoder(nn.Module):
    """The shared decoder (our choice, see the module docstring): (N, 128, h, w) -> (N, 1, H, W)."""

    def __init__(self):
        super().__init__()
        self.dec_conv1 = nn.Conv2d(128, 64, 3, padding=1)
        self.dec_conv2 = nn.Conv2d(64, 64, 3, padding=1)
        self.dec_conv3 = nn.Conv2d(64, 1, 3, padding=1)

    def forward(self, f: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        x = F.relu(self.dec_conv1(f))
        x = F.interpolate(x, size=size, mode="nearest")
        x = F.relu(self.dec_conv2(x))
        return self.dec_conv3(x)


Rule = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@NETS.register("jcae")
class JCAE(nn.Module):
    """Joint convolution auto-encoder (JCAE, Fig. 2): ``private_ir``, ``private_vis`` and ``common``
    encoder branches (:class:`VGGBranch`), one ``decoder`` (:class:`JCAEDecoder`).

    ``forward(a, b)`` (infrared, visible; (N, 1, H, W) in [0, 1]) returns the two reconstructions of
    eq. (4) and the four feature sets; ``fuse(a, b, private_rule, common_rule)`` fuses the private
    features with one rule (eq. 8), the common ones with another (eq. 9), decodes both and adds them."""

    def __init__(self, input_norm: str = "none"):
        super().__init__()
        if input_norm not in ("none", "imagenet"):
            raise ValueError(f"jcae: unknown input_norm {input_norm!r}; valid: none, imagenet")
        self.input_norm = input_norm
        self.private_ir = VGGBranch()
        self.private_vis = VGGBranch()
        self.common = VGGBranch()
        self.decoder = JCAEDecoder()
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def _rgb(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 1:
            raise ValueError(f"jcae expects grey (N, 1, H, W) input, got {tuple(x.shape)}")
        x = x.expand(-1, 3, -1, -1)
        return (x - self.mean) / self.std if self.input_norm == "imagenet" else x

    def encode(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        """The four feature sets: private and common of the infrared ``a`` and the visible ``b``."""
        ra, rb = self._rgb(a), self._rgb(b)
        common = self.common(torch.cat([ra, rb]))  # one pass: the same weights for both (eq. 3)
        n = a.shape[0]
        return {"private_a": self.private_ir(ra), "private_b": self.private_vis(rb),
                "common_a": common[:n], "common_b": common[n:]}

    def decode(self, feats: list[torch.Tensor], size: tuple[int, int]) -> list[torch.Tensor]:
        """The shared decoder on each feature set (one batched pass)."""
        out = self.decoder(torch.cat(feats), size)
        return list(out.split([f.shape[0] for f in feats]))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        """Eq. (4): ``a_hat = dec(common(a)) + dec(private_ir(a))``, likewise ``b_hat``; plus the features."""
        f = self.encode(a, b)
        pa, pb, ca, cb = self.decode([f["private_a"], f["private_b"], f["common_a"], f["common_b"]],
                                     tuple(a.shape[-2:]))
        return {"a_hat": ca + pa, "b_hat": cb + pb, "common_a_dec": ca, "private_a_dec": pa,
                "common_b_dec": cb, "private_b_dec": pb, **f}

    def fuse(self, a: torch.Tensor, b: torch.Tensor, private_rule: Rule, common_rule: Rule) -> torch.Tensor:
        """Fused image (Sec. 2.5): dec(private_rule(P_a, P_b)) + dec(common_rule(C_a, C_b)), clamped to [0, 1]."""
        return self.fuse_features(self.encode(a, b), private_rule, common_rule, tuple(a.shape[-2:]))

    def fuse_features(self, f: dict[str, torch.Tensor], private_rule: Rule, common_rule: Rule,
                      size: tuple[int, int]) -> torch.Tensor:
        """:meth:`fuse` from features already encoded (:meth:`encode`), e.g. to try several rules on one encoding."""
        p, c = self.decode([private_rule(f["private_a"], f["private_b"]),
                            common_rule(f["common_a"], f["common_b"])], size)
        return (p + c).clamp(0, 1)


def load_vgg19(model: JCAE, path: str | Path) -> JCAE:
    """Initialise every encoder branch with ImageNet VGG19's first three convolutions (Sec. 2.4).

    ``path``: torchvision's VGG19 state dict (``vgg19-dcbb9e9d.pth``; keys ``features.0/2/5.weight``
    and ``.bias``), read with ``weights_only=True``. Sets ``input_norm="imagenet"`` (the weights
    expect ImageNet-normalised RGB). The paper's file is the Keras ``..._notop.h5``; convert it to this
    layout first (channels-last kernels transposed to (out, in, kh, kw), RGB input order)."""
    from ..checkpoints import CheckpointError, load_weights

    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"VGG19 weights not found: {p} (expected torchvision's vgg19-dcbb9e9d.pth; "
                              f"see the manifest entry 'vgg19-imagenet')")
    sd = load_weights(p, "torchvision's VGG19 state dict")
    want = {"block1_conv1": (64, 3), "block1_conv2": (64, 64), "block2_conv1": (128, 64)}
    for layer, idx in VGG19_LAYERS.items():
        w, bias = sd.get(f"features.{idx}.weight"), sd.get(f"features.{idx}.bias")
        if w is None or bias is None or tuple(w.shape) != (*want[layer], 3, 3):
            raise CheckpointError(f"{p}: no features.{idx}.weight/bias of shape {(*want[layer], 3, 3)} "
                                  f"({layer}); is this torchvision's VGG19 state dict?")
        for branch in (model.private_ir, model.private_vis, model.common):
            conv = getattr(branch, layer)
            with torch.no_grad():
                conv.weight.copy_(w)
                conv.bias.copy_(bias)
    model.input_norm = "imagenet"
    return model
