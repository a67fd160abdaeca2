"""Benchmark: DIDFuse inference (eager vs. the optimised path) and training throughput.

    python benchmarks/didfuse.py [--repeats 3] [--sizes 576x768 400x400] [--rules sum saliency+cam]

Inference: the released IJCAI weights fuse one TNO pair at 576x768 (cddfuse-tno's first pair of that
size, as stored) and a 400x400 centre crop of it. "eager" is ``DIDFuse.fuse`` under
``torch.inference_mode``; "fast" is :class:`fusionkit.nets.didfuse_fast.FastDIDFuse` (BN folded,
channels-last, exact tiles) with whole-image and tiled variants; the attention rules (saliency+cam) run
split: global statistics once, then their local part (radius 6) on ``--rule-tiles``-pixel tiles, under
``torch.compile`` ("compiled") or eagerly ("not compiled"; the statistics' histogram quantiser is
compiled in both, :func:`fusionkit.fusion_rules.saliency_table`), and the
"whole-map rule" row runs the same rule unsplit on the stitched maps (what the fast path did before).
Each row gives the median ms/pair (first call excluded), the speed-up over eager, the max |fast - eager|
over the whole image and the share of pixels differing by more than 1e-5 (BN folding moves features by
~1e-7, which can flip a value across one of the histogram saliency's 256 levels; the split rule itself
equals the whole-map rule on the same features, "max diff vs whole-map rule").
Training: pairs/s of a full optimisation step (forward, DIDFuse loss, backward, Adam) at the given
crop and batch, on CPU, and on CUDA (AMP) when present.

Writes reports/benchmarks/didfuse.{md,csv} and didfuse_training.{md,csv} with provenance.
"""
from __future__ import annotations

import argparse
import os
import time

import pandas as pd
import torch

from fusionkit.data import CenterCrop, FusionDataset
from fusionkit.fusion_rules import Rule, get_rule
from fusionkit.losses import didfuse_training_loss
from fusionkit.methods import get as get_method
from fusionkit.nets import DIDFuse
from fusionkit.nets.didfuse_fast import FastDIDFuse
from fusionkit.report import Report
from fusionkit.timing import median_time


def _pair(hw: tuple[int, int]):
    ds = FusionDataset("cddfuse-tno", mode="gray")
    for i in range(len(ds)):
        it = ds[i]
        if it["a"].shape[-2] >= hw[0] and it["a"].shape[-1] >= hw[1]:
            it = CenterCrop(hw)([it["a"], it["b"]])
            return it[0][None].float(), it[1][None].float(), ds.names[i]
    raise SystemExit(f"no cddfuse-tno pair is at least {hw}")


def _train_rate(device: str, crop: int, batch: int, steps: int, amp: bool) -> float:
    torch.manual_seed(0)
    model = DIDFuse().to(device)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = didfuse_training_loss("paper")
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    batch_t = {"a": torch.rand(batch, 1, crop, crop, device=device), "b": torch.rand(batch, 1, crop, crop, device=device)}
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step():
        with torch.autocast(device_type=device, dtype=torch.float16, enabled=amp):
            loss = loss_fn(model, batch_t)["total"]
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    step()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    return steps * batch / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", nargs="+", default=["576x768", "400x400"])
    ap.add_argument("--rules", nargs="+", default=["sum", "saliency+cam"])
    ap.add_argument("--tiles", nargs="+", type=int, default=[0, 64, 128], help="0 = whole image")
    ap.add_argument("--rule-tiles", nargs="+", type=int, default=[64], help="tile sides for split rules")
    ap.add_argument("--train-crop", type=int, default=128)
    ap.add_argument("--train-batch", type=int, default=8)
    ap.add_argument("--train-steps", type=int, default=2)
    args = ap.parse_args()

    model = get_method("didfuse-ijcai", fast=False).model.eval()
    rows = []
    inputs = {}
    for size in args.sizes:
        hw = tuple(int(v) for v in size.split("x"))
        inputs[size] = _pair(hw)
    for size, (a, b, name) in inputs.items():
        for rule in args.rules:
            fn = get_rule(rule)
            with torch.inference_mode():
                ref = model.fuse(a, b, fn)
                eager = median_time(lambda: model.fuse(a, b, fn), args.repeats)
            rows.append({"size": size, "rule": rule, "path": "eager", "ms/pair": 1000 * eager, "speed-up": 1.0,
                         "max abs diff": 0.0, "share > 1e-5": 0.0, "pair": name})
            for tile in args.tiles:
                variants = [(rt, comp) for rt in args.rule_tiles for comp in (True, False)[:1 + fn.split.compile]] \
                    if fn.split is not None else [(None, True)]
                for rt, comp in variants:
                    fast = FastDIDFuse(model, tile=tile or None, rule_tile=rt or 64, compile_rule=comp)
                    out = fast.fuse(a, b, fn)  # the first call compiles (excluded from the timing)
                    t = median_time(lambda: fast.fuse(a, b, fn), args.repeats)
                    path = f"fast, {'whole image' if not tile else f'{tile}px tiles'}"
                    label = f", rule on {rt}px tiles" + ("" if not fn.split.compile else
                                                         ", compiled" if comp else ", not compiled") if rt else ""
                    rows.append({"size": size, "rule": rule, "path": path + label,
                                 "ms/pair": 1000 * t, "speed-up": eager / t,
                                 "max abs diff": float((out - ref).abs().max()),
                                 "share > 1e-5": float(((out - ref).abs() > 1e-5).double().mean()), "pair": name})
                    if rt:
                        whole = fast.fuse(a, b, Rule(rule, fn.fn))
                        rows[-1]["max diff vs whole-map rule"] = float((out - whole).abs().max())
                if fn.split is not None and tile == args.tiles[-1]:
                    whole_rule = Rule(rule, fn.fn)
                    t = median_time(lambda: fast.fuse(a, b, whole_rule), args.repeats)
                    rows.append({"size": size, "rule": rule, "path": path + ", whole-map rule", "ms/pair": 1000 * t,
                                 "speed-up": eager / t, "pair": name})
            print(pd.DataFrame(rows).tail(len(args.tiles) + 1).to_string(), flush=True)
    table = pd.DataFrame(rows)

    train_rows = []
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for dev in devices:
        amp = dev == "cuda"
        batch = args.train_batch if dev == "cpu" else 24
        rate = _train_rate(dev, args.train_crop, batch, args.train_steps if dev == "cpu" else 20, amp)
        train_rows.append({"device": dev, "crop": args.train_crop, "batch": batch, "amp": amp,
                           "pairs/s": rate, "epoch of 317 pairs (s)": 317 / rate,
                           "paper schedule, 120 epochs (h)": 120 * 317 / rate / 3600})
        print(train_rows[-1], flush=True)
    train = pd.DataFrame(train_rows)

    params = {"profile": "benchmark", "seed": 0, "repeats": args.repeats, "sizes": args.sizes, "rules": args.rules,
              "tiles": args.tiles, "rule_tiles": args.rule_tiles, "train_crop": args.train_crop, "train_batch": args.train_batch,
              "train_steps": args.train_steps, "weights": "didfuse-ijcai (released)",
              "input": "cddfuse-tno first pair >= size, centre crop, grey float32 in [0, 1]",
              "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count()}
    st = Report("benchmarks", params, datasets=["cddfuse-tno", "didfuse-ijcai"], title="DIDFuse inference and training",
               key="didfuse")
    st.table("didfuse", table, index=False, caption=(
        "DIDFuse fusion, released weights, CPU: median ms per pair (first call excluded), speed-up over eager "
        "PyTorch and the max absolute difference fast vs. eager over the whole image (borders included)"), float_fmt=".4g")
    st.table("didfuse_training", train, caption=(
        "DIDFuse training throughput: pairs/s of full steps (forward, loss, backward, Adam) on random crops; "
        "317 pairs = FLIR-Train (180) + RoadScene train split (137)"), float_fmt=".4g", index=False)
    st.finish()
    print(table.to_string())
    print(train.to_string())


if __name__ == "__main__":
    main()
