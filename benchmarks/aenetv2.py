"""Benchmark: AE-Netv2 inference (eager vs the optimised path) and training steps, per architecture.

    python benchmarks/aenetv2.py [--nets aenetv2-gcb aenetv2-squeeze-gcb] [--size 400] [--repeats 20]
                                 [--batch 8] [--train-batch 16] [--train-crop 128] [--train-steps 3]

Inference on a ``--size``-square grey TNO pair (the first TNO pair resized), random-initialised weights with
BN statistics set as after training (timing does not depend on the values): median ms per pair at batch 1
(first call excluded) for eager NCHW under ``torch.inference_mode`` and for
:func:`fusionkit.nets.aenetv2_fast.fast_aenet` (BN folded, channels-last; compiled; on cache-sized tiles), the max |fast - eager|,
and batched throughput (pairs/s at ``--batch``). The compute floor: MACs (``torch.utils.flop_counter``) /
the machine's measured dense-convolution rate (a 64->64 3x3 convolution on the same input, channels-last).
Training: seconds per optimisation step (forward, AE-Netv2 loss, backward, Adam) at ``--train-batch`` x
``--train-crop``^2, NCHW and channels-last, fp32 and (on a CPU with native bf16) bf16 autocast.

Writes reports/benchmarks/aenetv2.{md,csv} and aenetv2_training.{md,csv} with provenance.
"""
from __future__ import annotations

import argparse
import os
import time

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from fusionkit.complexity import macs
from fusionkit.data import FusionDataset
from fusionkit.data.transforms import Resize
from fusionkit.losses import aenet_training_loss
from fusionkit.nets import build
from fusionkit.nets.aenetv2_fast import fast_aenet
from fusionkit.report import Report
from fusionkit.devices import cpu_bf16_native
from fusionkit.timing import median_time


def _net(name: str) -> nn.Module:
    torch.manual_seed(0)
    m = build(name)
    for bn in (x for x in m.modules() if isinstance(x, nn.BatchNorm2d)):
        with torch.no_grad():
            bn.running_var.uniform_(0.5, 2.0)
            bn.running_mean.uniform_(-0.5, 0.5)
    return m.eval()


def _conv_rate(size: int, repeats: int) -> float:
    """MAC/s of a dense 64->64 3x3 convolution on a size x size map, channels-last (this machine's rate)."""
    x = torch.rand(1, 64, size, size).contiguous(memory_format=torch.channels_last)
    w = torch.rand(64, 64, 3, 3).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        t = median_time(lambda: F.conv2d(x, w, padding=1), repeats)
    return 64 * 64 * 9 * size * size / t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nets", nargs="+", default=["aenetv2-gcb", "aenetv2-squeeze-gcb"])
    p.add_argument("--size", type=int, default=400)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--train-batch", type=int, default=16)
    p.add_argument("--train-crop", type=int, default=128)
    p.add_argument("--train-steps", type=int, default=3)
    p.add_argument("--tiles", type=int, nargs="*", default=[64, 128], help="tile sides of the tiled paths")
    p.add_argument("--no-compile", action="store_true")
    args = p.parse_args()

    it = FusionDataset("didfuse-tno", "test", mode="gray", limit=1, transform=Resize((args.size, args.size)))[0]
    a, b = it["a"][None].float(), it["b"][None].float()
    rate = _conv_rate(args.size, max(args.repeats // 4, 2))
    rows, train_rows = [], []
    for name in args.nets:
        m = _net(name)
        with torch.inference_mode():
            want = m(a, b)
        n_macs = macs(m, a, b)
        paths = {"eager (NCHW)": m, "fast: BN folded, channels-last": fast_aenet(m)}
        if not args.no_compile:
            paths["fast, compiled"] = fast_aenet(m, compile=True)
        for t in args.tiles if name != "aenetv2-m" else []:  # strided pooling: no tiles
            paths[f"fast, {t}px tiles"] = fast_aenet(m, tile=t)
            if not args.no_compile:
                paths[f"fast, compiled, {t}px tiles"] = fast_aenet(m, compile=True, tile=t)
        for path, fn in paths.items():
            def call(fn=fn):
                with torch.inference_mode():
                    return fn(a, b)
            diff = float((call() - want).abs().max())
            ms = 1000 * median_time(call, args.repeats)
            ab, bb = a.expand(args.batch, -1, -1, -1).contiguous(), b.expand(args.batch, -1, -1, -1).contiguous()

            def batched(fn=fn):
                with torch.inference_mode():
                    return fn(ab, bb)
            pps = args.batch / median_time(batched, max(args.repeats // 4, 2))
            rows.append({"net": name, "path": path, "ms/pair (batch 1)": ms, "pairs/s (batch %d)" % args.batch: pps,
                         "max abs diff": diff, "GMAC/pair": n_macs / 1e9, "floor ms": 1000 * n_macs / rate,
                         "ms / floor": ms / (1000 * n_macs / rate)})
        loss_fn = aenet_training_loss()
        precisions = ("fp32", "bf16") if cpu_bf16_native() else ("fp32",)  # the Trainer's choice is bf16 there
        for cl, prec in [(cl, p) for cl in (False, True) for p in precisions]:
            net = build(name)
            fmt = torch.channels_last if cl else torch.contiguous_format
            net = net.to(memory_format=fmt)
            opt = torch.optim.Adam(net.parameters(), 1e-3)
            g = torch.Generator().manual_seed(0)
            batch = {k: torch.rand(args.train_batch, 1, args.train_crop, args.train_crop, generator=g)
                     .contiguous(memory_format=fmt) for k in ("a", "b", "target")}
            ts = []
            for _ in range(args.train_steps + 1):
                t0 = time.perf_counter()
                opt.zero_grad()
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=prec == "bf16"):
                    loss = loss_fn(net, batch)["total"]
                loss.backward()
                opt.step()
                ts.append(time.perf_counter() - t0)
            ts = sorted(ts[1:])
            train_rows.append({"net": name, "layout": "channels-last" if cl else "NCHW", "precision": prec,
                               "s/step (median)": ts[len(ts) // 2], "batch": args.train_batch, "crop": args.train_crop})
    table, train = pd.DataFrame(rows), pd.DataFrame(train_rows)
    params = {"profile": "benchmark", "seed": 0, "nets": args.nets, "size": args.size, "repeats": args.repeats,
              "batch": args.batch, "train_batch": args.train_batch, "train_crop": args.train_crop,
              "train_steps": args.train_steps, "dense conv MAC/s": rate, "torch_threads": torch.get_num_threads(),
              "cpu_count": os.cpu_count(), "input": "didfuse-tno first pair resized, grey float32 in [0, 1]",
              "weights": "random init, BN statistics as after training (timing does not depend on values)"}
    st = Report("benchmarks", params, datasets=["didfuse-tno"], title="AE-Netv2 inference and training", key="aenetv2")
    st.table("aenetv2", table, index=False, float_fmt=".4g", caption=(
        f"AE-Netv2 inference on CPU, {args.size}x{args.size} grey pair: median ms (first call excluded), batched "
        f"throughput, max |fast - eager|, and the compute floor (MACs / this machine's dense 3x3 convolution rate, "
        f"{rate / 1e9:.1f} GMAC/s)"))
    st.table("aenetv2_training", train, index=False, float_fmt=".4g", caption=(
        "AE-Netv2 training: seconds per step (forward, loss, backward, Adam), NCHW vs channels-last, fp32 vs bf16"))
    st.finish()
    print(table.to_string())
    print(train.to_string())


if __name__ == "__main__":
    main()
