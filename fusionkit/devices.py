"""Choosing the torch device and the CPU training precision."""
from __future__ import annotations

import os


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


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo) and its bf16 support, e.g. "Intel(R) Xeon(R) Processor (AMX)"
    or "AMD EPYC 7B13 (no native bf16)": what a timing depends on, recorded beside it."""
    import platform
    from pathlib import Path

    import torch

    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    isa = ("AMX" if torch.cpu._is_amx_tile_supported() else
           "AVX512-BF16" if torch.cpu._is_avx512_bf16_supported() else "no native bf16")
    return f"{name} ({isa})"


def busy_elsewhere(samples: int = 3, interval: float = 0.02) -> int:
    """Threads of other processes running or runnable now (Linux ``/proc/*/task/*/stat`` state R; the
    median of ``samples`` looks ``interval`` s apart; 0 where /proc is missing). Hand-written: psutil, which
    could count them too, is not a dependency, and the load average lags by a minute and counts this
    process's own threads."""
    import glob
    import statistics
    import time

    own = str(os.getpid())
    counts = []
    for i in range(samples):
        n = 0
        for path in glob.glob("/proc/[0-9]*/task/[0-9]*/stat"):
            if path.split("/")[2] == own:
                continue
            try:
                with open(path) as f:
                    n += f.read().rsplit(")", 1)[1].split()[0] == "R"
            except (OSError, IndexError):
                continue  # the thread ended meanwhile
        counts.append(n)
        if i + 1 < samples:
            time.sleep(interval)
    return int(statistics.median(counts)) if counts else 0


def idle_cores() -> int:
    """Cores this process may use (its CPU affinity) minus the threads other processes keep busy, at least 1."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores - busy_elsewhere())


def configure_threads() -> int:
    """Set torch's CPU thread count the way fusionkit does by default, and return it.

    ``$FUSIONKIT_THREADS`` (a number) wins; an explicit ``$OMP_NUM_THREADS`` is left to torch; otherwise one
    thread per *idle* core (:func:`idle_cores`). With all cores, torch's threads spin-wait for each other at
    every parallel region, and beside another busy job a fusion or training step took 3.5-4.5x its free-core
    time instead of the fair ~2x; one thread per idle core stayed near a fair share, while the cores-free
    speed is kept (reports/benchmarks/shared_cores.md, docs/training.md#shared-cores)."""
    import torch

    forced = os.environ.get("FUSIONKIT_THREADS")
    if forced:
        try:
            n = int(forced)
        except ValueError:
            raise ValueError(f"FUSIONKIT_THREADS={forced!r}: expected a number of threads") from None
        if n < 1:
            raise ValueError(f"FUSIONKIT_THREADS={forced!r}: expected at least 1")
        torch.set_num_threads(n)
    elif not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(idle_cores())
    return torch.get_num_threads()
