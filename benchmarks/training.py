"""Benchmark: DIDFuse training on CPU, fp32 vs bf16 autocast (the Trainer's default on CPU).

    python benchmarks/training.py [--sizes 64 128] [--batch 8] [--steps 6] [--repeats 3]
                                  [--curve-epochs 15 --curve-steps 10 --curve-crop 64] [--smoke]

Throughput: pairs/s of a full optimisation step (forward, DIDFuse loss 'paper', backward, Adam;
fp32 master weights; contiguous NCHW tensors: channels-last was tried and measured no faster at
128x128 and slower in bf16 at 64x64) on real FLIR-Train + RoadScene-train centre crops, median over ``repeats``
timings of ``steps`` steps each (one warm-up step per precision excluded), fp32 and bf16 runs
interleaved (fp32, bf16, fp32, ...) so that machine load hits both alike; this is why the timing loop
is written out here instead of :func:`fusionkit.timing.median_time`, which times one function back to
back. Loss curves: two short trainings through
:class:`fusionkit.train.Trainer` with the same initial weights, seed and batches, one fp32 and one bf16;
the table gives the largest, median and final relative difference of the logged total loss (each
logged "epoch" is the mean of ``curve-steps`` steps, which smooths the per-batch noise).

Writes reports/benchmarks/training.{md,csv}, training_curves.{md,csv}, training_curves.png.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import pandas as pd
import torch

from fusionkit.data.crops import CropPairs
from fusionkit.losses import didfuse_training_loss
from fusionkit.nets import build
from fusionkit.report import Report
from fusionkit.studies.didfuse import TRAIN_SETS
from fusionkit.train import Trainer, TrainConfig
from fusionkit.seeding import seed_everything


class Stepper:
    """One DIDFuse model + Adam in fp32 or under bf16 autocast, warmed up with one step (oneDNN primitive
    creation and allocator growth happen there, not in the timings)."""

    def __init__(self, bf16: bool, warmup: dict[str, torch.Tensor]):
        seed_everything(0)
        self.bf16, self.model = bf16, build("didfuse").train()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss_fn = didfuse_training_loss("paper")
        self.step(warmup)

    def step(self, b: dict[str, torch.Tensor]) -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            terms = self.loss_fn(self.model, b)
        self.opt.zero_grad(set_to_none=True)
        terms["total"].backward()
        self.opt.step()

    def rate(self, batches: list[dict[str, torch.Tensor]]) -> float:
        """Pairs/s over full training steps on ``batches``."""
        t0 = time.perf_counter()
        for b in batches:
            self.step(b)
        return sum(len(b["a"]) for b in batches) / (time.perf_counter() - t0)


def batches_of(data: CropPairs, batch: int, n: int) -> list[dict[str, torch.Tensor]]:
    """``n`` consecutive batches of the crops (wrapping around a small data set)."""
    idx = torch.arange(n * batch) % len(data)
    return [{"a": data.a[i], "b": data.b[i]} for i in idx.split(batch)]


def curves(crop: int, batch: int, epochs: int, steps: int, limit: int | None) -> dict[str, list[dict]]:
    data = CropPairs(TRAIN_SETS, crop, limit)
    seed_everything(0)
    init = build("didfuse").state_dict()  # both runs start from these weights (build draws from the global RNG)
    out = {}
    for name, bf16 in (("fp32", False), ("bf16", True)):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = TrainConfig(epochs=epochs, batch_size=batch, lr=1e-3, seed=0, out_dir=tmp, bf16=bf16,
                              max_steps_per_epoch=steps, progress=False)
            model = build("didfuse")
            model.load_state_dict(init)
            t0 = time.perf_counter()
            out[name] = Trainer(model, didfuse_training_loss("paper"), data, cfg).fit()
            print(f"curve {name}: {time.perf_counter() - t0:.0f} s, final total {out[name][-1]['total']:.4f}",
                  flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=6, help="timed steps per run")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per precision (median)")
    ap.add_argument("--curve-epochs", type=int, default=15)
    ap.add_argument("--curve-steps", type=int, default=10, help="steps per logged epoch of the loss curves")
    ap.add_argument("--curve-crop", type=int, default=64)
    ap.add_argument("--smoke", action="store_true", help="seconds: tiny sizes, 1 repeat, 2x2 curve steps")
    args = ap.parse_args()
    limit = None
    if args.smoke:
        args.sizes, args.batch, args.steps, args.repeats = [32], 2, 1, 1
        args.curve_epochs, args.curve_steps, args.curve_crop, limit = 2, 2, 32, 4

    t_start, load_start = time.perf_counter(), os.getloadavg()
    rows = []
    for size in args.sizes:
        data = CropPairs(TRAIN_SETS, size, limit)
        batches = batches_of(data, args.batch, args.steps + 1)
        steppers = {"fp32": Stepper(False, batches[-1]), "bf16": Stepper(True, batches[-1])}
        rates = {"fp32": [], "bf16": []}
        for _ in range(args.repeats):  # interleaved: load on the machine affects both alike
            for name, stepper in steppers.items():
                rates[name].append(stepper.rate(batches[:-1]))
        fp32, bf16 = (float(pd.Series(rates[k]).median()) for k in ("fp32", "bf16"))
        rows.append({"crop": size, "batch": args.batch, "fp32 pairs/s": fp32, "bf16 pairs/s": bf16,
                     "speed-up": bf16 / fp32, "fp32 runs": " ".join(f"{r:.3g}" for r in rates["fp32"]),
                     "bf16 runs": " ".join(f"{r:.3g}" for r in rates["bf16"])})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)

    hist = curves(args.curve_crop, args.batch, args.curve_epochs, args.curve_steps, limit)
    c = pd.DataFrame({"epoch": [r["epoch"] for r in hist["fp32"]],
                      "fp32 total": [r["total"] for r in hist["fp32"]],
                      "bf16 total": [r["total"] for r in hist["bf16"]]})
    c["relative difference"] = (c["bf16 total"] - c["fp32 total"]).abs() / c["fp32 total"]
    rel = c["relative difference"]
    summary = (f"{len(c) * args.curve_steps} steps (batch {args.batch}, {args.curve_crop}x{args.curve_crop}), "
               f"same initial weights, seed and batches; total loss smoothed as the mean of each logged epoch of "
               f"{args.curve_steps} steps: bf16 vs fp32 relative difference at most {rel.max():.1%} "
               f"(epoch {int(c['epoch'][rel.idxmax()])}), median {rel.median():.1%}, final {rel.iloc[-1]:.1%}; fp32 "
               f"{c['fp32 total'].iloc[0]:.4f} -> {c['fp32 total'].iloc[-1]:.4f}, bf16 "
               f"{c['bf16 total'].iloc[0]:.4f} -> {c['bf16 total'].iloc[-1]:.4f}")
    print(summary)

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(c["epoch"], c["fp32 total"], "k-o", ms=3, label="fp32")
    ax.plot(c["epoch"], c["bf16 total"], "r--s", ms=3, label="bf16 autocast")
    ax.set_yscale("log")
    ax.set_xlabel(f"logged epoch ({args.curve_steps} steps each)")
    ax.set_ylabel("total DIDFuse loss")
    ax.legend()
    fig.tight_layout()

    params = {"profile": "benchmark", "seed": 0, **{k: v for k, v in vars(args).items()},
              "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
              "wall_s": round(time.perf_counter() - t_start, 1),
              "loadavg_1_5_15_start": load_start, "loadavg_1_5_15_end": os.getloadavg(),
              "data": "centre crops of didfuse-flir-train + roadscene train split"}
    with Report("benchmarks", params, datasets=["didfuse-flir-train", "roadscene"], key="training",
                title="DIDFuse CPU training: fp32 vs bf16") as rep:
        rep.table("training", table, "DIDFuse training throughput on CPU, fp32 vs bf16 autocast (fp32 master "
                  "weights): pairs/s of full steps (forward, loss, backward, Adam; warm-up step excluded), median of "
                  f"{args.repeats} runs of {args.steps} steps each; fp32 and bf16 runs interleaved so machine load "
                  "hits both alike, speed-up = ratio of the medians (the issue's target: 1.8x)",
                  index=False)
        rep.table("training_curves", c, "Same seed and batches, fp32 vs bf16 through the Trainer: " + summary,
                  index=False)
        rep.figure("training_curves", fig)
    print(table.drop(columns=["fp32 runs", "bf16 runs"]).to_string())


if __name__ == "__main__":
    main()
