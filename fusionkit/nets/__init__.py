"""Network modules by name: ``fusionkit.nets.build(name, **kw)`` is the one constructor.

Each module registers itself at its definition (``@NETS.register("didfuse")``)."""
from __future__ import annotations

from typing import Any

from torch import nn

from ..registry import NETS
from .aenetv2 import AENetV2, AENetV2M, AENetV2PP
from .alan import ALAN, ReconstructionNet
from .didfuse import DIDFuse
from .fmmf import FMMF
from .ifcnn import IFCNN
from .jcae import JCAE
from .vifnet import VIFNet

REGISTRY = NETS  # the name older code used


def build(name: str, **kw: Any) -> nn.Module:
    """A new network ``name`` (e.g. ``build("didfuse", branches="base")``); a typo gets close-match hints."""
    return NETS.get(name)(**kw)


__all__ = ["ALAN", "AENetV2", "AENetV2M", "AENetV2PP", "DIDFuse", "FMMF", "IFCNN", "JCAE", "NETS",
           "ReconstructionNet", "VIFNet", "build"]
