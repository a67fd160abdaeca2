"""fusionkit.devices: the CPU's name, counting busy threads elsewhere, and the default thread count."""
import subprocess
import sys
import time

import pytest
import torch

from fusionkit import devices


def test_busy_elsewhere_sees_a_spinning_process():
    """A second process spinning on the CPU is counted; this process's own threads never are."""
    before = devices.busy_elsewhere()
    p = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        during = devices.busy_elsewhere(samples=5)
    finally:
        p.kill()
        p.wait()
    assert during >= 1 and during >= before


def test_configure_threads_precedence(monkeypatch):
    keep = torch.get_num_threads()
    try:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        monkeypatch.setenv("FUSIONKIT_THREADS", "1")
        assert devices.configure_threads() == 1 == torch.get_num_threads()
        monkeypatch.delenv("FUSIONKIT_THREADS")
        monkeypatch.setattr(devices, "busy_elsewhere", lambda: 0)  # cores free: one thread per core
        cores = len(devices.os.sched_getaffinity(0))
        assert devices.configure_threads() == cores
        monkeypatch.setattr(devices, "busy_elsewhere", lambda: 10**3)  # all busy: still one thread
        assert devices.configure_threads() == 1
        torch.set_num_threads(cores)
        monkeypatch.setenv("OMP_NUM_THREADS", str(cores))  # the user's explicit choice is left alone
        assert devices.configure_threads() == cores
        monkeypatch.setenv("FUSIONKIT_THREADS", "two")
        with pytest.raises(ValueError, match="FUSIONKIT_THREADS='two'"):
            devices.configure_threads()
    finally:
        torch.set_num_threads(keep)


def test_cpu_model_names_the_bf16_support():
    name = devices.cpu_model()
    assert name.endswith(("(AMX)", "(AVX512-BF16)", "(no native bf16)")) and len(name) > len("(AMX)") + 1
