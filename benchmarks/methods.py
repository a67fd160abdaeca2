"""Benchmark: time every fusion method on 400x400 and 640x480 grey pairs (CPU, and CUDA for the
networks when present). Median of repeats, the first call excluded.

    python benchmarks/methods.py [--repeats 3] [--slow-repeats 1] [--methods NAME ...] [--key methods]

Writes reports/benchmarks/<key>.{md,csv} with provenance (AE-Netv2's Table V is built from ``methods``); the
networks trained here (the zoo's default model of each study) are timed with
``--methods didfuse jcae aenetv2 fmmf alan --key methods_trained``.
Input: TNO pair 1 of didfuse-tno, centre-cropped.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
import torch

from fusionkit import methods
from fusionkit.data import CenterCrop, FusionDataset
from fusionkit.report import Report
from fusionkit.timing import median_time

NETS = {"ifcnn-max", "ifcnn-mean", "ifcnn-sum", "didfuse-ijcai", "didfuse", "jcae", "aenetv2", "fmmf", "alan"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--slow-repeats", type=int, default=1, help="repeats for methods slower than 2 s")
    ap.add_argument("--methods", nargs="+", default=None, help="only these methods (default: all)")
    ap.add_argument("--key", default="methods", help="report name: reports/benchmarks/<key>.md")
    args = ap.parse_args()
    sizes = {"400x400": (400, 400), "640x480": (480, 640)}
    pairs = {}
    for label, hw in sizes.items():
        it = FusionDataset("didfuse-tno", transform=CenterCrop(hw), limit=1)[0]
        pairs[label] = (it["a"][0].numpy().astype(np.float64), it["b"][0].numpy().astype(np.float64))
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    for name in args.methods or methods.names():
        row = {"method": name}
        for dev in devices:
            if dev == "cuda" and name not in NETS:
                continue
            m = methods.get(name, device=dev) if name in NETS else methods.get(name)
            sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
            for label, (a, b) in pairs.items():
                t0 = time.perf_counter()
                m.fuse(a, b)
                reps = args.repeats if time.perf_counter() - t0 < 2 else args.slow_repeats
                row[f"{dev} {label} (ms)"] = 1000 * median_time(lambda: m.fuse(a, b), reps, sync)
        rows.append(row)
        print(row, flush=True)
    table = pd.DataFrame(rows).set_index("method")
    params = {"profile": "benchmark", "seed": 0, "repeats": args.repeats, "slow_repeats": args.slow_repeats,
              "input": "didfuse-tno pair 1, centre crops 400x400 and 480x640, grey float64 in [0, 1]",
              "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count()}
    st = Report("benchmarks", params, datasets=["didfuse-tno"], title="Fusion method timings", key=args.key)
    st.table(args.key, table, caption=(
        "Median wall time per fused pair (ms), first call excluded; `fuse()` on one grey pair, including "
        "host-device copies for CUDA"), float_fmt=".4g")
    st.finish()
    print(table.to_string())


if __name__ == "__main__":
    main()
