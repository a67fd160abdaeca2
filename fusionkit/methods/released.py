"""Released checkpoints loaded into fusionkit's re-implementations: IFCNN and DIDFuse (IJCAI 2020)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..checkpoints import CheckpointError, load_weights
from ..fusion_rules import RULES
from ..nets import build
from ..registry import METHODS
from .base import FusionMethod, check_pair


def checkpoint_path(entry: str, filename: str, override: str | Path | None = None) -> Path:
    """Local path of a manifest checkpoint file (or ``override``), with a clear error when absent."""
    from ..data import load_manifest

    if override:
        p = Path(override)
        p = p / filename if p.is_dir() else p
    else:
        e = load_manifest()[entry]
        rel = next((f.path for f in e.files if f.path.endswith(filename)), None)
        if rel is None:
            raise CheckpointError(f"manifest entry {entry!r} lists no file {filename!r}")
        p = e.local_path(rel)
    if not p.is_file():
        raise CheckpointError(f"checkpoint not found: {p}. Run `fusionkit data fetch {entry}` (or set "
                              f"FUSIONKIT_WEIGHTS_DIR), or pass checkpoint=PATH")
    return p


def load_into(module: nn.Module, path: Path, allow_missing: tuple[str, ...] = ("num_batches_tracked",)) -> None:
    """Load a state dict (``weights_only=True``); list missing, unexpected and mis-shaped keys on error."""
    sd = load_weights(path, f"a state dict for {type(module).__name__}")
    if isinstance(sd, dict) and isinstance(sd.get("weight"), dict):
        sd = sd["weight"]  # DIDFuse's released pickles wrap the state dict
    own = module.state_dict()
    missing = [k for k in own if k not in sd and not k.endswith(allow_missing)]
    unexpected = [k for k in sd if k not in own]
    shapes = [f"{k}: checkpoint {tuple(sd[k].shape)} vs module {tuple(own[k].shape)}"
              for k in own if k in sd and tuple(sd[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        raise CheckpointError(f"{path} does not fit {type(module).__name__}: missing keys {missing}, "
                              f"unexpected keys {unexpected}, shape mismatches {shapes}")
    module.load_state_dict({k: v for k, v in sd.items()}, strict=False)


class _NetMethod(FusionMethod):
    """Shared plumbing: device selection, inference mode, batched fusion."""

    model: nn.Module

    def _device(self) -> torch.device:
        from ..devices import select_device

        return select_device(self.options.get("device"))

    def fuse(self, a: Any, b: Any) -> np.ndarray:
        a, b = check_pair(a, b)
        ta = torch.from_numpy(a).float()[None, None]
        tb = torch.from_numpy(b).float()[None, None]
        return self.fuse_batch(ta, tb)[0, 0].double().numpy()

    def fuse_batch(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        a4 = a if a.dim() == 4 else a.unsqueeze(1)
        b4 = b if b.dim() == 4 else b.unsqueeze(1)
        if a4.shape != b4.shape or a4.shape[1] != 1:
            raise ValueError(f"fuse_batch expects equal (N, 1, H, W) shapes, got {tuple(a.shape)} and {tuple(b.shape)}")
        for name, x in (("a", a4), ("b", b4)):
            if not torch.isfinite(x).all():
                raise ValueError(f"{name}: contains NaN or infinite values")
        dev = self._device()
        self.model.to(dev).eval()
        with torch.inference_mode():
            out = self._forward(a4.to(dev, torch.float32), b4.to(dev, torch.float32))
        return out.clamp(0, 1).cpu()


class DIDFuseMethod(_NetMethod):
    """Shared by the released and the trained DIDFuse methods: the fusion rule option and the
    (fast or eager) forward pass; subclasses set ``self.model``."""

    model: nn.Module

    def _rule(self):
        valid = [r for r in RULES if r != "max"]
        if self.options["rule"] not in valid:
            raise ValueError(f"{self.name}: unknown rule {self.options['rule']!r}; valid: {', '.join(valid)}")
        return RULES.get(self.options["rule"])

    def _forward(self, a, b):
        if not self.options["fast"]:
            return self.model.fuse(a, b, self.rule)
        from ..nets.didfuse_fast import FastDIDFuse

        if getattr(self, "_fast_dev", None) != a.device:  # fold once per device
            self._fast, self._fast_dev = FastDIDFuse(self.model, tile=self.options["tile"],
                                                        rule_tile=self.options["rule_tile"]), a.device
        return self._fast.fuse(a, b, self.rule)


@METHODS.register("didfuse-ijcai")
class DIDFuseIJCAI(DIDFuseMethod):
    """DIDFuse with the released IJCAI 2020 weights (Zhao et al., IJCAI 2020, pp. 970-976).

    Options: ``rule`` = 'sum' (default of the released test code), 'average' or 'l1' (3x3 box
    l1-norm weights), or one of the extended paper's six fusion-layer strategies (Table III):
    'weighted', 'l1_attention', 'saliency', each optionally '+cam' (fusionkit.fusion_rules);
    applied to all four encoder outputs as in the released test code; ``checkpoint`` = folder holding
    Encoder_weight_IJCAI.pkl / Decoder_weight_IJCAI.pkl (default: manifest entry didfuse-ijcai);
    ``device``; ``fast`` (default True): the optimised inference path
    (:class:`fusionkit.nets.didfuse_fast.FastDIDFuse`, same image to float rounding) with ``tile``-pixel tiles,
    and ``rule_tile``-pixel tiles for the local part of the attention rules.
    """

    name, citation = "didfuse-ijcai", "Zhao, Xu, Zhang, Liu & Zhang, IJCAI 2020"
    defaults = {"rule": "sum", "checkpoint": None, "device": None, "fast": True, "tile": 128, "rule_tile": 64}

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.rule = self._rule()
        self.model = build("didfuse")
        ck = self.options["checkpoint"]
        load_into(self.model.encoder, checkpoint_path("didfuse-ijcai", "Encoder_weight_IJCAI.pkl", ck))
        load_into(self.model.decoder, checkpoint_path("didfuse-ijcai", "Decoder_weight_IJCAI.pkl", ck))


class _IFCNNBase(_NetMethod):
    """IFCNN with released weights (Zhang et al., Information Fusion 54, 2020).

    Grey sources are replicated to 3 channels without normalisation (mean 0, std 1: the released
    code's setting for grey IR/VIS and medical data); the 3-channel output is converted back to
    grey with BT.601 luma weights (the released code saves it with PIL ``convert('L')``).
    :meth:`fuse_color` handles colour (multi-focus) sources with ImageNet normalisation.
    """

    scheme = "max"
    citation = "Zhang, Liu, Sun, Yan, Zhao & Zhang, Information Fusion 54, 2020"
    defaults = {"checkpoint": None, "device": None}
    MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.model = build("ifcnn", scheme=self.scheme)
        ck = self.options["checkpoint"]
        load_into(self.model, checkpoint_path(self.name, f"IFCNN-{self.scheme.upper()}.pth", ck))

    def _forward(self, a, b):
        out = self.model(a.expand(-1, 3, -1, -1), b.expand(-1, 3, -1, -1))
        w = torch.tensor([0.299, 0.587, 0.114], device=out.device).view(1, 3, 1, 1)
        return (out.clamp(0, 1) * w).sum(1, keepdim=True)

    def fuse_color(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Fuse two H x W x 3 RGB images in [0, 1] (multi-focus) -> H x W x 3."""
        dev = self._device()
        self.model.to(dev).eval()
        t = [((torch.from_numpy(np.ascontiguousarray(np.moveaxis(np.asarray(x, np.float32), -1, 0)))[None] - self.MEAN)
              / self.STD).to(dev) for x in (a, b)]
        with torch.inference_mode():
            out = self.model(*t).cpu() * self.STD + self.MEAN
        return np.moveaxis(out[0].clamp(0, 1).double().numpy(), 0, -1)


@METHODS.register("ifcnn-max")
class IFCNNMax(_IFCNNBase):
    name, scheme = "ifcnn-max", "max"


@METHODS.register("ifcnn-mean")
class IFCNNMean(_IFCNNBase):
    name, scheme = "ifcnn-mean", "mean"


@METHODS.register("ifcnn-sum")
class IFCNNSum(_IFCNNBase):
    name, scheme = "ifcnn-sum", "sum"
