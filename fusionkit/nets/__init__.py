"""Network modules by name: ``fusionkit.nets.build(name, **kw)``."""
from __future__ import annotations

from typing import Any, Callable

from torch import nn

from .didfuse import DIDFuse
from .ifcnn import IFCNN

REGISTRY: dict[str, Callable[..., nn.Module]] = {"didfuse": DIDFuse, "ifcnn": IFCNN}


def build(name: str, **kw: Any) -> nn.Module:
    try:
        return REGISTRY[name](**kw)
    except KeyError:
        raise ValueError(f"unknown network {name!r}; valid: {', '.join(REGISTRY)}") from None
