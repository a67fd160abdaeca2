"""Shared fixtures. Data-backed tests need the real data (FUSIONKIT_DATA_DIR); without it they
skip locally and fail in CI (CI=true), so CI can never pass by skipping them."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def manifest():
    from fusionkit.data import load_manifest

    return load_manifest(ROOT / "data_manifest.yaml")


def _missing_data(manifest, names):

    missing = []
    for n in names:
        e = manifest[n]
        f = e.files[0]
        if not e.local_path(f.path).is_file():
            missing.append(n)
    return missing


@pytest.fixture(scope="session")
def real_data(manifest):
    """Require the real datasets locally (skip outside CI, fail in CI)."""
    names = [e.name for e in manifest if e.available]
    missing = _missing_data(manifest, names)
    if missing:
        msg = (f"real data not found for {missing[:3]}...: set FUSIONKIT_DATA_DIR "
               f"(e.g. ../shared/data) or run `fusionkit data fetch`")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return manifest


@pytest.fixture(scope="session")
def vifb_fixtures():
    """../shared/fixtures/vifb (FUSIONKIT_FIXTURES_DIR, else beside the data folder)."""
    from fusionkit import paths

    root = Path(os.environ.get("FUSIONKIT_FIXTURES_DIR") or paths.data_dir().parent / "fixtures") / "vifb"
    if not (root / "matlab_metrics.csv").exists():
        msg = f"VIFB fixtures not found at {root}: set FUSIONKIT_FIXTURES_DIR"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return root


ENTRY = "ifcnn-medical"  # 21 small files: what the download tests serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path, real_data):
    """A mirror of ENTRY's files laid out like the data folder, served on loopback."""
    root = tmp_path / "mirror"
    e = real_data[ENTRY]
    for f in e.files:
        dst = root / f.path
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(e.local_path(f.path), dst)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=1).close()
            break
        except OSError:
            if time.time() > deadline:
                proc.kill()
                pytest.fail("http.server did not start")
            time.sleep(0.1)
    yield root, url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def fake_vgg19(tmp_path):
    """(path, state dict): a VGG19 state dict in torchvision's key layout up to block 3, random weights (the
    ImageNet file cannot be downloaded here), saved under ``tmp_path``."""
    import torch

    g = torch.Generator().manual_seed(0)
    sd, i, cin = {}, 0, 3
    for widths in ((64, 64), (128, 128), (256, 256, 256, 256)):
        for w in widths:
            sd[f"features.{i}.weight"] = torch.randn(w, cin, 3, 3, generator=g) * 0.05
            sd[f"features.{i}.bias"] = torch.randn(w, generator=g) * 0.05
            cin, i = w, i + 2
        i += 1
    sd["classifier.0.weight"] = torch.zeros(2, 2)  # keys beyond the layers used are ignored
    path = tmp_path / "vgg19.pth"
    torch.save(sd, path)
    return path, sd
