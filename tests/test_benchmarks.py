"""The benchmark scripts run end to end (tiny settings) and write their reports with provenance."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(script, *args, reports):
    env = {**os.environ, "FUSIONKIT_REPORTS_DIR": str(reports)}
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True,
                          text=True, env=env, timeout=600)


def test_methods_benchmark(tmp_path, real_data):
    r = _run("methods.py", "--methods", "avg", "tif", "--repeats", "1", reports=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    table = (tmp_path / "benchmarks" / "methods.csv").read_text().splitlines()
    assert table[0].startswith("method,cpu 400x400 (ms),cpu 640x480 (ms)") and len(table) == 3
    prov = json.loads((tmp_path / "benchmarks" / "provenance-methods.json").read_text())
    assert prov["profile"] == "benchmark" and prov["status"] == "ok"


def test_metrics_benchmark(tmp_path, real_data):
    r = _run("metrics.py", "--repeats", "1", "--skip-vifb", "--size", "240x320", reports=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    from fusionkit.metrics import FAST_SUITE

    t = pd.read_csv(tmp_path / "benchmarks" / "metrics.csv", index_col="metric")
    suite = f"whole suite ({len(FAST_SUITE)} metrics, one call)"
    assert list(t.index) == [*FAST_SUITE, suite, "NIQE (NumPy only)", "CPBD (NumPy only)", "JNB (NumPy only)"]
    # on a real 320x240 triple the torch backend equals the NumPy reference, metric by metric
    assert (t.loc[list(FAST_SUITE), "max rel. diff"] < 1e-6).all(), t["max rel. diff"].to_string()
    # every row has the timings its backends give: torch and NumPy for the suite, NumPy only for NIQE, CPBD, JNB
    assert t.loc[[*FAST_SUITE, suite], ["fast cpu (ms)", "reference (ms)"]].notna().all().all()
    assert t["fast cpu (ms)"].iloc[-3:].isna().all() and t["reference (ms)"].iloc[-3:].notna().all()


def test_median_time_excludes_the_warmup_and_times_the_sync(monkeypatch):
    """A fake clock that only fn and sync advance: warm-up 100 s (excluded), then calls of 5, 1 and 3 s,
    each followed by a 0.5 s sync -> median(5.5, 1.5, 3.5) = 3.5; the order is fn, sync, fn, sync, ..."""
    import time

    from fusionkit.timing import median_time

    clock, events, durations = [0.0], [], iter([100.0, 5.0, 1.0, 3.0])
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])

    def fn():
        events.append("fn")
        clock[0] += next(durations)

    def sync():
        events.append("sync")
        clock[0] += 0.5

    assert median_time(fn, 3, sync=sync) == 3.5
    assert events == ["fn", "sync"] * 4
    durations = iter([100.0, 2.0])  # repeats < 1 still times one call; no sync given: nothing added
    assert median_time(fn, 0) == 2.0


def test_didfuse_benchmark(tmp_path, real_data):
    r = _run("didfuse.py", "--sizes", "64x80", "--rules", "sum", "saliency+cam", "--tiles", "0", "32", "--repeats",
             "1", "--rule-tiles", "16", "--train-crop", "32", "--train-batch", "2", "--train-steps", "1", reports=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    t = pd.read_csv(tmp_path / "benchmarks" / "didfuse.csv")
    assert list(t.path[:3]) == ["eager", "fast, whole image", "fast, 32px tiles"]
    assert list(t.path[3:]) == ["eager"] + [f"fast, {tile}, rule on 16px tiles, {c}" for tile in ("whole image", "32px tiles")
                                            for c in ("compiled", "not compiled")] + ["fast, 32px tiles, whole-map rule"]
    assert (t["max abs diff"].dropna() < 1e-4).all() and (t["ms/pair"] > 0).all()
    assert (t["max diff vs whole-map rule"].dropna() < 1e-6).all() and t["max diff vs whole-map rule"].notna().sum() == 4
    tr = pd.read_csv(tmp_path / "benchmarks" / "didfuse_training.csv")
    assert tr.loc[0, "device"] == "cpu" and tr.loc[0, "pairs/s"] > 0
    prov = json.loads((tmp_path / "benchmarks" / "provenance-didfuse.json").read_text())
    assert prov["status"] == "ok" and "cddfuse-tno" in prov["data"]


def test_training_benchmark_smoke(tmp_path, real_data):
    r = _run("training.py", "--smoke", reports=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    t = pd.read_csv(tmp_path / "benchmarks" / "training.csv").set_index("variant")
    assert list(t.index) == ["eager fp32", "eager bf16 (today)", "fast (compile + Adam fused)"]
    assert (t["pairs/s"] > 0).all() and t.loc["eager bf16 (today)", "vs today"] == 1.0
    assert t["vs today"].to_numpy() == pytest.approx((t["pairs/s"] / t.loc["eager bf16 (today)", "pairs/s"]).to_numpy())
    c = pd.read_csv(tmp_path / "benchmarks" / "training_curves.csv")
    assert list(c.columns) == ["epoch", "steps", "today total", "fast total", "relative difference"] and len(c) == 2
    assert c["relative difference"].to_numpy() == pytest.approx(
        ((c["fast total"] - c["today total"]).abs() / c["today total"].abs()).to_numpy())
    o = pd.read_csv(tmp_path / "benchmarks" / "training_other.csv")
    assert sorted(set(o.network)) == ["AE-Netv2 gcb", "JCAE"] and (o["pairs/s"] > 0).all()
    d = pd.read_csv(tmp_path / "benchmarks" / "training_data.csv")
    assert d["share of a fast step"].iloc[0] == pytest.approx(d["seconds per batch"].iloc[0] / d["fast step s"].iloc[0])
    assert (tmp_path / "benchmarks" / "training_curves.png").exists()
    assert "same initial weights, seed and batches" in (tmp_path / "benchmarks" / "training_curves.md").read_text()
    prov = json.loads((tmp_path / "benchmarks" / "provenance-training.json").read_text())
    assert prov["status"] == "ok" and prov["profile"] == "benchmark" and prov["params"]["smoke"]


def test_committed_training_benchmark_meets_the_aim():
    """The committed CPU measurement (reports/benchmarks/training.csv, 128x128 crops, batch 24) backs the
    Trainer's defaults: bf16 autocast beats fp32, and the fast step (compile + Adam fused) is at least twice
    today's eager bf16 step (issue 25's aim); its loss curve tracks today's within 2 % at every epoch."""
    t = pd.read_csv(ROOT / "reports" / "benchmarks" / "training.csv").set_index("variant")
    assert t.loc["eager bf16 (today)", "pairs/s"] > t.loc["eager fp32", "pairs/s"]
    assert t.loc["fast (compile + Adam fused)", "vs today"] >= 2.0, t.to_string()
    c = pd.read_csv(ROOT / "reports" / "benchmarks" / "training_curves.csv")
    assert c.steps.iloc[-1] >= 100 and (c["relative difference"] <= 0.02).all()


def test_aenetv2_benchmark(tmp_path, real_data):
    r = _run("aenetv2.py", "--nets", "aenetv2-gcb", "--size", "48", "--repeats", "2", "--batch", "2",
             "--train-batch", "2", "--train-crop", "32", "--train-steps", "1", "--no-compile", "--tiles", "16",
             reports=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    t = pd.read_csv(tmp_path / "benchmarks" / "aenetv2.csv")
    assert list(t.path) == ["eager (NCHW)", "fast: BN folded, channels-last", "fast, 16px tiles"]
    assert (t["max abs diff"] < 1e-5).all() and (t["ms/pair (batch 1)"] > 0).all()
    assert t["GMAC/pair"].iloc[0] == pytest.approx(5184 * 48 * 48 / 1e9)
    tr = pd.read_csv(tmp_path / "benchmarks" / "aenetv2_training.csv")
    from fusionkit.devices import cpu_bf16_native

    precisions = ["fp32", "bf16"] if cpu_bf16_native() else ["fp32"]
    assert list(zip(tr.layout, tr.precision)) == [(lay, p) for lay in ("NCHW", "channels-last") for p in precisions]
    assert (tr["s/step (median)"] > 0).all()


def test_shared_cores_benchmark_smoke(tmp_path, real_data):
    r = _run("shared_cores.py", "--smoke", reports=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    t = pd.read_csv(tmp_path / "benchmarks" / "shared_cores.csv")
    assert len(t) == 4 and (t["median ms"] > 0).all()
    free = t[t.load == "cores free"].set_index("setting")["median ms"]
    assert t["vs the same setting, cores free"].to_numpy() == pytest.approx((t["median ms"] / t.setting.map(free)).to_numpy())


def test_committed_shared_cores_back_the_thread_default():
    """reports/benchmarks/shared_cores.csv backs devices.configure_threads: beside a busy job fusionkit's
    default stays within a fair share (<= 2.5x its cores-free time, both workloads) where torch's default
    does not (> 2.5x), and with the cores free it is no slower than torch's default (within 25 %)."""
    t = pd.read_csv(ROOT / "reports" / "benchmarks" / "shared_cores.csv")
    ours = t[t.setting.str.startswith("fusionkit default")]
    torch_default = t[t.setting.str.startswith("torch default")]
    busy = ours[ours.load != "cores free"]
    assert len(busy) == 4 and (busy["vs the same setting, cores free"] <= 2.5).all(), busy.to_string()
    assert (torch_default[torch_default.load != "cores free"]["vs the same setting, cores free"] > 2.5).any()
    f_ours = ours[ours.load == "cores free"].set_index("workload")["median ms"]
    f_torch = torch_default[torch_default.load == "cores free"].set_index("workload")["median ms"]
    assert (f_ours <= 1.25 * f_torch).all()


def test_fmmf_benchmark(tmp_path, real_data):
    r = _run("fmmf.py", "--sizes", "72x40", "--repeats", "1", "--variants", "mapping", "vifnet", reports=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    t = pd.read_csv(tmp_path / "benchmarks" / "fmmf.csv").set_index("variant")
    assert list(t.index) == ["mapping", "vifnet"] and (t["size"] == "72x40").all()
    assert t.loc["mapping", "attention positions N"] == 18 * 10 and t.loc["vifnet", "attention positions N"] == 0
    # a fresh process per row: its peak includes PyTorch itself, so it is far above what fusing added
    assert (t["peak RSS (MB)"] > t["peak - before (MB)"]).all() and (t["median time (s)"] > 0).all()
    prov = json.loads((tmp_path / "benchmarks" / "provenance-fmmf.json").read_text())
    assert prov["profile"] == "benchmark" and prov["status"] == "ok"
