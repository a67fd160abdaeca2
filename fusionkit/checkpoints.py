"""Reading weight files with clear errors: which file, what was expected, what is likely wrong.

PyTorch's own messages ("PytorchStreamReader failed reading zip archive", an ``UnpicklingError``
about globals) never name the file; every fusionkit loader goes through :func:`load_weights`.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import torch


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, unreadable or does not fit its module."""


def _cause(path: Path, exc: Exception) -> str:
    """The likely cause, judged from the file's first bytes first (torch's messages vary by version:
    2.6+ reports a text file as a weights-only unpickling error) and its message second."""
    msg = str(exc)
    with path.open("rb") as fh:
        head = fh.read(256)
    if not head:
        return "the file is empty (an interrupted download or copy?)"
    objects = re.search(r"Unsupported global: GLOBAL (\S+)", msg)
    if objects:
        return (f"it holds pickled Python objects ({objects.group(1)}), which weights_only=True refuses to "
                "run; only tensors and plain containers (dict, list, numbers, strings) are loaded")
    if head[:2] == b"PK":
        if "central directory" in msg or "zip archive" in msg:
            return "the zip archive is cut short: the file looks truncated (an interrupted download or copy?)"
        return f"a zip archive torch cannot read ({type(exc).__name__}: {_first_line(msg)})"
    if head[:1] == b"\x80":  # pickle protocol >= 2: torch's legacy format or a plain pickle
        if isinstance(exc, EOFError) or "EOF" in msg:
            return "the file looks truncated (an interrupted download or copy?)"
        return "it is a plain Python pickle, not a file written by torch.save"
    if head.startswith(b"\x93NUMPY"):
        return "it is a NumPy .npy file, not a file written by torch.save (load it with numpy.load)"
    if head.startswith(b"version https://git-lfs"):
        return "it is a Git LFS pointer, not the weights: fetch the real file (git lfs pull)"
    try:  # incremental: a multi-byte character cut at the end of ``head`` is not an error
        text = codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        text = "\x00"
    if all(c.isprintable() or c.isspace() for c in text):
        snippet = " ".join(text.split())[:40]
        return (f"it is not a file written by torch.save but text starting {snippet!r} "
                "(an HTML error page from a failed download?)")
    return f"it is not a file written by torch.save (unknown format, starts with {head[:8]!r})"


def _first_line(msg: str) -> str:
    return msg.strip().splitlines()[0] if msg.strip() else ""


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
