"""`fusionkit evaluate`: pairs files by name, prints mean ± std, writes per-image rows."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fusionkit.metrics import evaluate


def _write(folder, name, arr):
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr.astype(np.uint8)).save(folder / name)


def _run(*args):
    return subprocess.run([sys.executable, "-m", "fusionkit.cli", "evaluate", *args, "--no-progress"],
                          capture_output=True, text=True, timeout=300)


def test_evaluate_folders(tmp_path):
    rng = np.random.default_rng(0)
    imgs = {}
    for n in ("p1", "p2"):
        a, b = rng.integers(0, 256, (64, 80)), rng.integers(0, 256, (64, 80))
        f = (a + b) // 2
        _write(tmp_path / "a", f"{n}.png", a)
        _write(tmp_path / "b", f"{n}.bmp", b)  # extensions may differ: pairing is by stem
        _write(tmp_path / "f", f"{n}.png", f)
        imgs[n] = (f, a, b)
    out = tmp_path / "m.csv"
    r = _run("--fused", str(tmp_path / "f"), "--a", str(tmp_path / "a"), "--b", str(tmp_path / "b"),
             "--metrics", "EN", "SSIM", "--out", str(out))
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out, index_col="image")
    assert list(table.index) == ["p1", "p2"] and list(table.columns) == ["EN", "SSIM"]
    for n, (f, a, b) in imgs.items():
        expect = evaluate(f.astype(float), a.astype(float), b.astype(float), ["EN", "SSIM"])
        assert table.loc[n, "EN"] == pytest.approx(expect["EN"])
        assert table.loc[n, "SSIM"] == pytest.approx(expect["SSIM"])
    mean, std = table["EN"].mean(), table["EN"].std(ddof=1)
    assert f"EN {mean:12.4f} ± {std:.4f}".split() == [l for l in r.stdout.splitlines() if "EN" in l][0].split()


def test_evaluate_reports_unpaired_files(tmp_path):
    z = np.zeros((20, 20))
    _write(tmp_path / "a", "x.png", z)
    _write(tmp_path / "b", "x.png", z)
    _write(tmp_path / "f", "y.png", z)
    r = _run("--fused", str(tmp_path / "f"), "--a", str(tmp_path / "a"), "--b", str(tmp_path / "b"))
    assert r.returncode == 2 and "no source pair for fused image(s) ['y']" in r.stderr


def test_evaluate_rejects_unknown_metric(tmp_path):
    r = _run("--fused", str(tmp_path), "--a", str(tmp_path), "--b", str(tmp_path), "--metrics", "Sharpness")
    assert r.returncode == 2 and "invalid choice" in r.stderr
