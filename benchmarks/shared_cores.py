"""Benchmark: fusing and training while another job shares the cores (issue 25, "shared cores").

    python benchmarks/shared_cores.py [--repeats 7] [--smoke]

Each measurement runs in a fresh process (the OpenMP settings are read when torch loads), with the cores
free or beside a *busy* process: a torch job multiplying 512x512 matrices with 1 thread, or with every
core's thread (what a second `fusionkit train` started with defaults does). Measured: one AE-Netv2 (gcb)
fusion of a 400x400 pair (median ms of ``repeats``) and one DIDFuse training step (64x64 crops, batch 8,
bf16, median s), under each setting: torch's default (one thread per core, libgomp's default spin-wait),
``OMP_WAIT_POLICY=PASSIVE`` (idle threads sleep instead of spinning), one thread, and fusionkit's default
(:func:`fusionkit.devices.configure_threads`: one thread per core no other process keeps busy). "fair share": the
time the free-core measurement would take on the cores left to it (beside a 1-thread job on 2 cores: 1 of
2, so 2x the free time at most; beside an all-cores job: half of every core, 2x again) - a slowdown far
beyond 2x is threads waiting on each other, not a lack of cores.

Writes reports/benchmarks/shared_cores.{md,csv}.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import pandas as pd

CORES = str(len(os.sched_getaffinity(0)))
SETTINGS = {  # name -> environment changes of the measured process
    "torch default (all cores, spin-wait)": {"FUSIONKIT_THREADS": CORES},
    "OMP_WAIT_POLICY=PASSIVE": {"FUSIONKIT_THREADS": CORES, "OMP_WAIT_POLICY": "PASSIVE"},
    "1 thread": {"OMP_NUM_THREADS": "1"},
    "fusionkit default (a thread per idle core)": {},
}
LOADS = {"cores free": None, "beside a 1-thread job": 1, "beside an all-cores job": 0}


def _busy(threads: int) -> None:
    """The background job: matrix products until killed (``threads`` 0: torch's default count)."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    x = torch.rand(512, 512)
    while True:
        x = torch.tanh(x @ x)


def _measure(kind: str, repeats: int) -> dict:
    """One measurement in this process: the median over ``repeats`` after one warm-up."""
    import statistics

    import torch

    from fusionkit.seeding import seed_everything

    from fusionkit.devices import configure_threads

    configure_threads()  # as fusionkit's entry points do (the settings' environment decides what it picks)
    seed_everything(0)
    if kind == "fuse":
        from fusionkit import methods

        m = methods.get("aenetv2-gcb")
        g = torch.Generator().manual_seed(0)
        a, b = (torch.rand(400, 400, generator=g).numpy() for _ in range(2))
        fn = lambda: m.fuse(a, b)  # noqa: E731
    else:
        from fusionkit.losses import didfuse_training_loss
        from fusionkit.nets import build
        from fusionkit.train import Trainer, TrainConfig

        class Crops(torch.utils.data.Dataset):
            def __len__(self):
                return 8

            def __getitem__(self, i):
                g = torch.Generator().manual_seed(i)
                return {"a": torch.rand(1, 64, 64, generator=g), "b": torch.rand(1, 64, 64, generator=g)}

        import tempfile

        t = Trainer(build("didfuse"), didfuse_training_loss("paper"), Crops(), TrainConfig(
            batch_size=8, out_dir=tempfile.mkdtemp(), progress=False, resume=False, compile=False))
        batch = next(t._batches(0))
        fn = lambda: t.step(batch)  # noqa: E731
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return {"median s": statistics.median(ts), "threads": torch.get_num_threads()}


def run(kind: str, setting: dict, load: int | None, repeats: int) -> dict:
    env = {**os.environ, **setting}
    bg = None
    if load is not None:
        benv = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY",
                                                                 "FUSIONKIT_THREADS")}
        bg = subprocess.Popen([sys.executable, __file__, "--busy", str(load)], env=benv)
        time.sleep(3)  # let it start and load torch
    try:
        out = subprocess.run([sys.executable, __file__, "--measure", kind, "--repeats", str(repeats)], env=env,
                             capture_output=True, text=True, timeout=1200)
        if out.returncode:
            raise RuntimeError(out.stderr[-2000:])
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if bg is not None:
            bg.kill()
            bg.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--smoke", action="store_true", help="seconds: 1 repeat, the fusion only, two settings")
    ap.add_argument("--busy", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.busy is not None:
        return _busy(args.busy)
    if args.measure:
        print(json.dumps(_measure(args.measure, args.repeats)))
        return None

    from fusionkit.devices import cpu_model
    from fusionkit.report import Report

    kinds, settings, loads = ("fuse", "train step"), SETTINGS, LOADS
    if args.smoke:
        args.repeats, kinds = 1, ("fuse",)
        settings = {k: SETTINGS[k] for k in (list(SETTINGS)[0], list(SETTINGS)[-1])}
        loads = {k: LOADS[k] for k in list(LOADS)[:2]}
    t_start, load_start = time.perf_counter(), os.getloadavg()
    rows = []
    for kind in kinds:
        for sname, setting in settings.items():
            for lname, load in loads.items():
                r = run("fuse" if kind == "fuse" else "step", setting, load, args.repeats)
                rows.append({"workload": kind, "setting": sname, "load": lname, "threads": r["threads"],
                             "median ms": 1000 * r["median s"]})
                print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    free = df[df.load == "cores free"].set_index(["workload", "setting"])["median ms"]
    best_free = df[df.load == "cores free"].groupby("workload")["median ms"].min()
    df["vs the same setting, cores free"] = df["median ms"] / [free[(w, s)] for w, s in zip(df.workload, df.setting)]
    df["vs the fastest, cores free"] = df["median ms"] / df.workload.map(best_free)
    params = {"profile": "benchmark", "seed": 0, **{k: v for k, v in vars(args).items() if k not in ("busy", "measure")},
              "cpu": cpu_model(), "cpu_count": os.cpu_count(), "wall_s": round(time.perf_counter() - t_start, 1),
              "loadavg_1_5_15_start": load_start, "loadavg_1_5_15_end": os.getloadavg()}
    with Report("benchmarks", params, key="shared_cores", title="Fusing and training beside another job") as rep:
        rep.table("shared_cores", df, (
            f"On {cpu_model()}, {os.cpu_count()} cores: one AE-Netv2 (gcb) fusion of a 400x400 pair and one DIDFuse "
            f"training step (64x64, batch 8, bf16), median of {args.repeats}, each in a fresh process, with the "
            "cores free or beside a busy torch job (1 thread, or one per core). A fair share of the cores makes "
            "a measurement at most ~2x slower than with them free; far beyond that, threads spin or wait on each "
            "other (docs/training.md says which setting fusionkit uses and why)"), index=False)
    print(df.to_string())
    return None


if __name__ == "__main__":
    main()
