"""Benchmark of the metric suite: time per 640x480 triple, fast (torch) vs reference (NumPy/SciPy).

    python benchmarks/metrics.py [--repeats 5] [--ref-repeats 1] [--skip-vifb] [--size 480x640]

Writes reports/benchmarks/metrics.{md,csv} (timings and fast-vs-reference agreement) and
reports/benchmarks/metrics_vifb.{md,csv} (our `vifb` values vs VIFB's MATLAB fixtures), with
provenance. Input: TNO pair 1 of `didfuse-tno`, centre-cropped to 480x640, fused by averaging.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from fusionkit import paths
from fusionkit.data import CenterCrop, FusionDataset
from fusionkit.metrics import FAST_SUITE, noref
from fusionkit.metrics import backend_numpy as reference
from fusionkit.metrics import backend_torch as fast
from fusionkit.metrics.vifb import compare_with_fixtures
from fusionkit.report import Report
from fusionkit.timing import median_time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ref-repeats", type=int, default=1)
    ap.add_argument("--skip-vifb", action="store_true")
    ap.add_argument("--size", default="480x640", help="HEIGHTxWIDTH of the centre crop (the tests use a small one)")
    args = ap.parse_args()

    try:
        h, w = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        ap.error(f"--size {args.size!r}: expected HEIGHTxWIDTH, e.g. 480x640")
    ds = FusionDataset("didfuse-tno", transform=CenterCrop((h, w)), limit=1)
    it = ds[0]
    a, b = (it[k][0].numpy().astype(np.float64) * 255 for k in ("a", "b"))
    f = (a + b) / 2
    names = [n for n in FAST_SUITE]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    fast_vals = {k: float(v[0]) for k, v in fast.compute(names, *(torch.from_numpy(x)[None] for x in (f, a, b))).items()}
    for n in names:
        row = {"metric": n}
        for dev in devices:
            t3 = [torch.from_numpy(x)[None].to(dev) for x in (f, a, b)]
            sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
            row[f"fast {dev} (ms)"] = 1000 * median_time(lambda: fast.compute([n], *t3), args.repeats, sync)
        ref_val = reference.FUNCTIONS[n](f, a, b)
        row["reference (ms)"] = 1000 * median_time(lambda: reference.FUNCTIONS[n](f, a, b), args.ref_repeats)
        row["speed-up (cpu)"] = row["reference (ms)"] / row["fast cpu (ms)"]
        row["max rel. diff"] = abs(fast_vals[n] - ref_val) / max(abs(ref_val), 1e-12)
        rows.append(row)
    suite = {"metric": f"whole suite ({len(names)} metrics, one call)"}
    for dev in devices:
        t3 = [torch.from_numpy(x)[None].to(dev) for x in (f, a, b)]
        sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
        suite[f"fast {dev} (ms)"] = 1000 * median_time(lambda: fast.compute(names, *t3), args.repeats, sync)
        if dev == "cuda":
            tb = [x.repeat(32, 1, 1) for x in t3]
            suite["fast cuda, batch of 32 (ms per triple)"] = 1000 * median_time(
                lambda: fast.compute(names, *tb), args.repeats, sync) / 32
    suite["reference (ms)"] = sum(r["reference (ms)"] for r in rows)
    suite["speed-up (cpu)"] = suite["reference (ms)"] / suite["fast cpu (ms)"]
    suite["max rel. diff"] = max(r["max rel. diff"] for r in rows)
    rows.append(suite)
    for n, fn in (("NIQE", noref.niqe), ("CPBD", noref.cpbd), ("JNB", noref.jnb)):
        rows.append({"metric": f"{n} (NumPy only)", "reference (ms)": 1000 * median_time(lambda: fn(f), args.ref_repeats)})
    table = pd.DataFrame(rows).set_index("metric")

    params = {"profile": "benchmark", "seed": 0, "repeats": args.repeats, "ref_repeats": args.ref_repeats,
              "input": f"didfuse-tno pair 1, centre crop {h}x{w}, fused = (a+b)/2", "torch_threads": torch.get_num_threads(),
              "cpu_count": os.cpu_count()}
    st = Report("benchmarks", params, datasets=["didfuse-tno"] + ([] if args.skip_vifb else ["vifb"]),
               title="Metric suite: speed and fidelity", key="metrics")
    st.table("metrics", table, caption=(
        f"Median time per {w}x{h} triple ({args.repeats} repeats after one warm-up; reference: "
        f"{args.ref_repeats}); goal on 2 CPU cores: whole suite < 500 ms, >= 20x the reference, "
        f"values equal to 1e-6 relative"), float_fmt=".3g")
    if not args.skip_vifb:
        d = compare_with_fixtures(paths.data_dir().parent / "fixtures" / "vifb"
                                  if not os.environ.get("FUSIONKIT_FIXTURES_DIR")
                                  else Path(os.environ["FUSIONKIT_FIXTURES_DIR"]) / "vifb",
                                  paths.data_dir() / "vifb" / "input")
        per_metric = d.groupby("metric").agg(values=("ok", "size"), within_0_5pct=("ok", "sum"),
                                             max_rel_err=("rel_err", "max"), median_rel_err=("rel_err", "median"))
        st.table("metrics_vifb", per_metric, caption=(
            "convention='vifb' vs VIFB's MATLAB values (25 methods x 5 pairs); misses are all YDTR / "
            "SwinFusion (see docs/metrics.md)"), float_fmt=".3g")
        st.table("metrics_vifb_misses", d[~d["ok"]].set_index(["image", "method", "metric"]),
                 caption="values outside 0.5 % relative (and 1e-3 absolute)", float_fmt=".5g")
    st.finish()
    print(table.to_string())


if __name__ == "__main__":
    main()
