"""Small helpers shared by every layer: atomic writes, hashing, seeding."""
from __future__ import annotations

import hashlib
import os
import random
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` atomically.

    On any exception the temporary file is removed and ``target`` is left untouched, so a
    crash never leaves a half-written report, checkpoint or download behind.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_write_text(target: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(target, text.encode("utf-8"))


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) RNGs."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed % (2**32))
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover - torch is a hard dependency
        pass


def select_device(preference: str | None = None):
    """The torch device to use: ``preference``, else ``$FUSIONKIT_DEVICE``, else CUDA when present, else CPU."""
    import os

    import torch

    name = preference or os.environ.get("FUSIONKIT_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} requested but CUDA is not available (torch {torch.__version__})")
    return dev


def median_time(fn, repeats: int, sync=None) -> float:
    """Median wall time (s) of ``fn()`` over ``repeats`` calls after one excluded warm-up call.

    ``sync`` (e.g. ``torch.cuda.synchronize``) is called after every call so GPU work is counted.
    """
    import statistics
    import time

    sync = sync or (lambda: None)
    fn()
    sync()
    ts = []
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        fn()
        sync()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def git_state(root: Path | None = None) -> dict[str, Any]:
    """Commit hash and dirty flag of the checkout (changes under reports/ are not counted)."""
    from . import paths

    root = root or paths.project_root()
    if root is None:
        return {"commit": None, "dirty": None}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--", ".", ":(exclude)reports"],
                                cwd=root, capture_output=True, text=True, check=True).stdout
        return {"commit": commit, "dirty": bool(status.strip())}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
