"""Reading weight files with clear errors: which file, what was expected, what is likely wrong.

PyTorch's own messages ("PytorchStreamReader failed reading zip archive", an ``UnpicklingError``
about globals) never name the file; every fusionkit loader goes through :func:`load_weights`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, unreadable or does not fit its module."""


def _cause(path: Path, exc: Exception) -> str:
    msg = str(exc)
    head = path.read_bytes()[:4] if path.stat().st_size else b""
    if "failed finding central directory" in msg or "failed reading zip archive" in msg:
        if head[:2] == b"PK":
            return "the zip archive is cut short: the file looks truncated (an interrupted download or copy?)"
        return "it is not a file written by torch.save (wrong file, or a text/HTML error page?)"
    if "weights_only" in msg or "Unsupported global" in msg:
        return ("it holds pickled Python objects, which weights_only=True refuses to run; only plain "
                "tensors/dicts are loaded")
    if not head:
        return "the file is empty"
    return f"{type(exc).__name__}: {msg.splitlines()[0] if msg else ''}"


def load_weights(path: str | Path, what: str = "a PyTorch checkpoint", map_location: Any = "cpu") -> Any:
    """``torch.load(path, weights_only=True)``; any failure is a :class:`CheckpointError` naming the
    file, its size, what was expected and the likely cause."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"checkpoint not found: {p} (expected {what})")
    try:
        return torch.load(p, map_location=map_location, weights_only=True)
    except Exception as exc:  # zip/pickle/format errors of every kind
        raise CheckpointError(f"{p} ({p.stat().st_size} bytes) cannot be read as {what}: {_cause(p, exc)}") from None
