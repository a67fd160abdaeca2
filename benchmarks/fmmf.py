"""Benchmark: time and peak memory of fusing one grey pair with FMMF (issue 26: a 1024x768 pair must stay
under 2 GB peak RAM on the CPU) at 640x480 and 1024x768, for each variant's architecture, and what the
materialised N x N attention map would have needed instead.

    python benchmarks/fmmf.py [--sizes 640x480 1024x768] [--repeats 3] [--variants mapping depth5 vifnet]

Each measurement runs in a fresh process, so its peak resident memory (``ru_maxrss``, which includes
Python and PyTorch themselves) is that of the fusion alone; "peak - before" is what fusing added to the
process after the model was built. Weights are the zoo's when the zoo holds the variant, else a random
initialisation (time and memory do not depend on the weights). Input: didfuse-tno pair 1, resized.
Writes reports/benchmarks/fmmf.{md,csv} with provenance.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pandas as pd

CHILD = r"""
import json, resource, sys, time
import torch
from fusionkit.data import FusionDataset, Resize
from fusionkit.studies import fmmf as S
from fusionkit.nets.fmmf import CHUNK
from fusionkit import zoo
variant, w, h, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.manual_seed(0)
spec = S.run_spec(S.config("quick"), variant)
entry = zoo.find("fmmf", key=spec.key())
model = (entry.build() if entry is not None else spec.build()).eval()
it = FusionDataset("didfuse-tno", transform=Resize((h, w)), limit=1)[0]
a, b = it["a"][None], it["b"][None]
rss = lambda: int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
before = rss()
times = []
with torch.inference_mode():
    for _ in range(repeats + 1):
        t = time.perf_counter()
        out = model(a, b)
        times.append(time.perf_counter() - t)
assert out.shape[-2:] == (h, w)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
times = sorted(times[1:]) or times
print(json.dumps({"weights": "zoo" if entry is not None else "random init", "before_mb": before, "peak_mb": peak,
                  "median_s": times[len(times) // 2], "threads": torch.get_num_threads(), "chunk": CHUNK}))
"""


def measure(variant: str, w: int, h: int, repeats: int) -> dict:
    r = subprocess.run([sys.executable, "-c", CHILD, variant, str(w), str(h), str(repeats)], capture_output=True,
                       text=True, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(f"fmmf benchmark {variant} {w}x{h} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    from fusionkit.report import Report
    from fusionkit.studies import fmmf as S

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", nargs="+", default=["640x480", "1024x768"], help="WIDTHxHEIGHT")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--variants", nargs="+", default=["mapping", "depth5", "concat", "vifnet"],
                    help=f"from {', '.join(S.VARIANTS)}")
    args = ap.parse_args()
    rows = []
    for v in args.variants:
        for size in args.sizes:
            w, h = map(int, size.lower().split("x"))
            m = measure(v, w, h, args.repeats)
            spec = S.run_spec(S.config("quick"), v)
            step = 2 ** (spec.depth - 1)  # the mapping module's scale: the coarsest (docs/studies/fmmf.md)
            n = (-(-h // step)) * (-(-w // step)) if spec.net_name == "fmmf" and spec.fusion == "mapping" else 0
            rows.append({"variant": v, "size": size, "weights": m["weights"], "median time (s)": round(m["median_s"], 3),
                         "peak RSS (MB)": round(m["peak_mb"]), "peak - before (MB)": round(m["peak_mb"] - m["before_mb"]),
                         "attention positions N": n, "materialised N x N fp32 (MB)": round(n * n * 4 / 2**20),
                         "under 2 GB": m["peak_mb"] < 2048})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows).set_index(["variant", "size"])
    params = {"profile": "benchmark", "seed": 0, "repeats": args.repeats, "torch_threads": m["threads"],
              "cpu_count": os.cpu_count(), "attention_chunk": m["chunk"],
              "input": "didfuse-tno pair 1, resized (antialiased) to each size, grey float32 in [0, 1]"}
    st = Report("benchmarks", params, datasets=["didfuse-tno"], title="FMMF fusion: time and peak memory", key="fmmf")
    st.table("fmmf", table, caption=(
        "Fusing one grey pair on the CPU, each in a fresh process: median wall time (first call excluded), peak "
        "resident memory of the process (Python and PyTorch included) and what fusing added to it; the last columns "
        "give the attention's positions and the memory a materialised N x N map would take (the chunked form never "
        "holds it)"), float_fmt=".4g")
    st.finish()
    print(table.to_string())


if __name__ == "__main__":
    main()
