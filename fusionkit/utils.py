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
        if tmp_path.exists():  # mkstemp makes 0600 files; give the result the usual umask-based mode
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
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


def cpu_bf16_native() -> bool:
    """Whether bfloat16 autocast pays off on this CPU: it has native bf16 instructions (AVX512-BF16 or AMX).

    Elsewhere (AVX2-only cores such as AMD Zen 3) PyTorch emulates bf16 convolutions: a DIDFuse batch of
    16 64x64 crops took 46 s in bf16 against 1.2 s in fp32 on 2 Zen 3 cores, while on Zen 4 (AVX512-BF16)
    bf16 is about twice as fast as fp32. ``$FUSIONKIT_CPU_BF16`` = 1/0 overrides the detection (tests use
    it to exercise the bf16 path anywhere).
    """
    forced = os.environ.get("FUSIONKIT_CPU_BF16")
    if forced not in (None, ""):
        if forced not in ("0", "1"):
            raise ValueError(f"FUSIONKIT_CPU_BF16={forced!r}: expected 1 (use bf16 autocast on CPU) or 0 (fp32)")
        return forced == "1"
    import torch

    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


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


class CompiledOrEager:
    """``fn`` under ``torch.compile`` (dynamic shapes, so tiles of all sizes share one or two
    compilations), falling back to the eager function, with a warning, where compilation is impossible
    (no C++ compiler, unsupported platform). The first call compiles (10-20 s on 2 cores; Inductor
    caches the result on disk for later processes).

    For functions whose compiled and eager values agree (to float rounding, or exactly where the
    function leaves no rounding freedom): the DIDFuse attention rule's local part and its quantiser
    (:mod:`fusionkit.fusion_rules`; timings in ``reports/benchmarks/didfuse.md``)."""

    _cache: dict = {}

    def __init__(self, fn):
        import torch

        self.fn, self.compiled, self.ok = fn, torch.compile(fn, dynamic=True), None

    @classmethod
    def of(cls, fn) -> "CompiledOrEager":
        """One compiled wrapper per function and process (compilation is the expensive part)."""
        if fn not in cls._cache:
            cls._cache[fn] = cls(fn)
        return cls._cache[fn]

    def __call__(self, *args):
        import warnings

        if self.ok is False:
            return self.fn(*args)
        try:
            out = self.compiled(*args)
        except Exception as e:  # noqa: BLE001 - any compiler failure: the eager function is exact
            if self.ok:  # it compiled before, so this is a real error in the function
                raise
            warnings.warn(f"torch.compile of {getattr(self.fn, '__name__', 'a function')} failed "
                          f"({type(e).__name__}: {e}); running it eagerly", RuntimeWarning, stacklevel=2)
            self.ok = False
            return self.fn(*args)
        self.ok = True
        return out
