"""Benchmark: what makes a CPU training step fast (issue 25), and whether the fast step trains alike.

    python benchmarks/training.py [--crop 128] [--batch 24] [--steps 2] [--repeats 3]
                                  [--curve-epochs 15 --curve-crop 64] [--smoke]

1. **DIDFuse step, one change at a time** (``training.md``): pairs/s of full optimisation steps through
   :meth:`fusionkit.train.Trainer.step` (forward + loss 'paper' under the precision's autocast, backward, Adam)
   on real FLIR-Train random crops, for today's step (eager, bf16 autocast, PyTorch's CPU default Adam, the
   for-loop one), each change alone (channels-last, Adam foreach, Adam fused, ``torch.compile`` of forward +
   loss, one thread instead of all) and all the helping ones together. Every variant is warmed up first (the
   compile time is its first step, reported apart); then ``repeats`` rounds in which every variant times
   ``steps`` steps, the variants interleaved, so machine load hits all alike: the table gives the median and
   every round. This is why the loop is written out here instead of :func:`fusionkit.timing.time_per_item`.
2. **Batch assembly** (``training_data.md``): the Trainer's crop sampling + collate per batch, against the
   step, to say whether a DataLoader worker or pre-cropped batches could matter.
3. **Loss curves** (``training_curves.*``): two trainings through :meth:`Trainer.fit` from the same weights,
   seed and batches, today's step vs the fast one; the largest, median and final relative difference.
4. **JCAE and AE-Netv2 steps** (``training_other.md``): the same eager vs compiled comparison at their
   training shapes (synthetic inputs of those shapes: speed does not depend on the pixel values).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import pandas as pd
import torch

from fusionkit.data.crops import RandomCropPairs
from fusionkit.devices import cpu_model
from fusionkit.losses import didfuse_training_loss
from fusionkit.nets import build
from fusionkit.report import Report
from fusionkit.seeding import seed_everything
from fusionkit.studies.didfuse import TRAIN_DATA
from fusionkit.train import Trainer, TrainConfig

TODAY = dict(bf16=True, compile=False, adam="for-loop", channels_last=False)
#: name -> (TrainConfig changes against TODAY, torch threads or None for all)
VARIANTS = {
    "eager fp32": (dict(bf16=False), None),
    "eager bf16 (today)": ({}, None),
    "+ channels-last": (dict(channels_last=True), None),
    "+ Adam foreach": (dict(adam="foreach"), None),
    "+ Adam fused": (dict(adam="fused"), None),
    "+ torch.compile": (dict(compile=True), None),
    "today, 1 thread": ({}, 1),
    "fast (compile + Adam fused)": (dict(compile=True, adam="fused"), None),
    "fast, 1 thread": (dict(compile=True, adam="fused"), 1),
}
FAST = dict(compile=True, adam="fused")
#: --smoke (the tests): the code path with one compilation instead of a dozen
SMOKE_VARIANTS = ("eager fp32", "eager bf16 (today)", "fast (compile + Adam fused)")


def trainer(model: torch.nn.Module, loss, data, batch: int, out: str, **changes) -> Trainer:
    return Trainer(model, loss, data, TrainConfig(batch_size=batch, out_dir=out, progress=False, resume=False,
                                                  seed=0, **{**TODAY, **changes}))


def timed(t: Trainer, batches: list, threads: int | None) -> float:
    """Seconds of ``t.step`` over ``batches`` with ``threads`` torch threads (then the previous count)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        t0 = time.perf_counter()
        for b in batches:
            t.step(b)
        return time.perf_counter() - t0
    finally:
        torch.set_num_threads(before)


def throughput(variants: dict, make, batches: list, warm: dict, repeats: int) -> pd.DataFrame:
    """Rows per variant: median pairs/s over ``repeats`` interleaved rounds, each round, the first step."""
    pairs = sum(len(next(iter(b.values()))) for b in batches)
    with tempfile.TemporaryDirectory() as tmp:
        ts, first = {}, {}
        for name, (changes, threads) in variants.items():
            ts[name] = make(os.path.join(tmp, str(len(ts))), **changes)
            first[name] = timed(ts[name], [warm], threads)  # compile / oneDNN set-up happens here
            timed(ts[name], [warm], threads)
            print(f"{name}: first step {first[name]:.1f} s", flush=True)
        rates = {n: [] for n in variants}
        for _ in range(repeats):
            for name, (_, threads) in variants.items():
                rates[name].append(pairs / timed(ts[name], batches, threads))
    med = {n: float(pd.Series(r).median()) for n, r in rates.items()}
    return pd.DataFrame([{"variant": n, "threads": th or torch.get_num_threads(), "pairs/s": med[n],
                          "vs today": med[n] / med["eager bf16 (today)"], "first step s": first[n],
                          "rounds (pairs/s)": " ".join(f"{x:.3g}" for x in rates[n])}
                         for n, (_, th) in variants.items()])


def didfuse_batches(crop: int, batch: int, n: int, limit: int | None) -> tuple[RandomCropPairs, list]:
    data = RandomCropPairs(TRAIN_DATA["flir"], crop, limit, seed=0)
    t = Trainer(build("didfuse"), didfuse_training_loss("released"), data,
                TrainConfig(batch_size=batch, out_dir=tempfile.mkdtemp(), progress=False, resume=False, **TODAY))
    out = []
    while len(out) < n:
        out += list(t._batches(len(out)))
    return data, out[:n]


def assembly(data: RandomCropPairs, batch: int, epochs: int = 3) -> dict:
    """Seconds per batch of the Trainer's own batch assembly (random crops, collate)."""
    t = Trainer(build("didfuse"), didfuse_training_loss("paper"), data,
                TrainConfig(batch_size=batch, out_dir=tempfile.mkdtemp(), progress=False, resume=False, **TODAY))
    n, t0 = 0, time.perf_counter()
    for e in range(epochs):
        data.set_epoch(e)
        n += sum(1 for _ in t._batches(e))
    return {"batches": n, "seconds per batch": (time.perf_counter() - t0) / n}


def curves(crop: int, batch: int, epochs: int, limit: int | None) -> tuple[pd.DataFrame, str]:
    data = RandomCropPairs(TRAIN_DATA["flir"], crop, limit, seed=0)
    seed_everything(0)
    init = build("didfuse").state_dict()
    hist, secs = {}, {}
    for name, changes in (("today", {}), ("fast", FAST)):
        with tempfile.TemporaryDirectory() as tmp:
            model = build("didfuse")
            model.load_state_dict(init)
            cfg = TrainConfig(epochs=epochs, batch_size=batch, lr=1e-3, seed=0, out_dir=tmp, progress=False,
                              **{**TODAY, **changes})
            t0 = time.perf_counter()
            hist[name] = Trainer(model, didfuse_training_loss("paper"), data, cfg).fit()
            secs[name] = time.perf_counter() - t0
            print(f"curve {name}: {secs[name]:.0f} s, final total {hist[name][-1]['total']:.4f}", flush=True)
    c = pd.DataFrame({"epoch": [r["epoch"] for r in hist["today"]],
                      "steps": pd.Series([r["steps"] for r in hist["today"]]).cumsum(),
                      "today total": [r["total"] for r in hist["today"]],
                      "fast total": [r["total"] for r in hist["fast"]]})
    c["relative difference"] = (c["fast total"] - c["today total"]).abs() / c["today total"].abs()
    rel = c["relative difference"]
    note = (f"{int(c.steps.iloc[-1])} steps (batch {batch}, {crop}x{crop} random FLIR-Train crops, loss 'paper'), the "
            f"same initial weights, seed and batches; today's step ({secs['today']:.0f} s) vs the fast one "
            f"(compile + Adam fused, {secs['fast']:.0f} s with its compilation); total loss, mean of each epoch: "
            f"relative difference at most {rel.max():.2%} (epoch {int(c['epoch'][rel.idxmax()])}), median "
            f"{rel.median():.2%}, final {rel.iloc[-1]:.2%}")
    return c, note


def other_steps(repeats: int, steps: int, smoke: bool) -> pd.DataFrame:
    """JCAE and AE-Netv2 at their training shapes (the quick presets): eager vs compiled, bf16, Adam fused."""
    from fusionkit.losses import aenet_training_loss, jcae_training_loss
    from fusionkit.studies import aenetv2, jcae

    jq, aq = jcae.config("smoke" if smoke else "quick"), aenetv2.config("smoke" if smoke else "quick")
    g = torch.Generator().manual_seed(0)
    cases = {
        "JCAE": (lambda: build("jcae"), jcae_training_loss(jq.lam), jq.batch_size, jq.crop, ("a", "b"), {}),
        "AE-Netv2 gcb": (lambda: build("aenetv2-gcb"), aenet_training_loss(aq.fidelity), aq.batch_size, aq.crop,
                         ("a", "b", "target"), dict(channels_last=True)),
    }
    rows = []
    for name, (net, loss, batch, crop, keys, extra) in cases.items():
        batches = [{k: torch.rand(batch, 1, crop, crop, generator=g) for k in keys} for _ in range(steps + 1)]
        variants = {"eager bf16 (today)": (extra, None), "fast (compile + Adam fused)": ({**extra, **FAST}, None)}
        if smoke:  # one compilation (DIDFuse's) is enough to test the path
            variants["fast (compile + Adam fused)"] = ({**extra, "adam": "fused"}, None)
        df = throughput(variants, lambda out, **ch: trainer(net(), loss, batches, batch, out, **ch),
                        batches[1:], batches[0], repeats)
        rows.append(df.assign(network=name, batch=batch, crop=crop))
    return pd.concat(rows, ignore_index=True)[["network", "batch", "crop", "variant", "threads", "pairs/s",
                                               "vs today", "first step s", "rounds (pairs/s)"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--steps", type=int, default=2, help="timed steps per variant and round")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds (median)")
    ap.add_argument("--curve-epochs", type=int, default=15, help="epochs of the loss curves (7 steps each)")
    ap.add_argument("--curve-crop", type=int, default=64)
    ap.add_argument("--other-steps", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="seconds: tiny crops and batches, 1 round")
    args = ap.parse_args()
    limit = None
    if args.smoke:
        args.crop, args.batch, args.steps, args.repeats, args.other_steps = 32, 2, 1, 1, 1
        args.curve_epochs, args.curve_crop, limit = 2, 32, 4

    t_start, load_start = time.perf_counter(), os.getloadavg()
    data, batches = didfuse_batches(args.crop, args.batch, args.steps + 1, limit)
    loss = didfuse_training_loss("paper")
    variants = {k: VARIANTS[k] for k in SMOKE_VARIANTS} if args.smoke else VARIANTS
    table = throughput(variants, lambda out, **ch: trainer(build("didfuse"), loss, data, args.batch, out, **ch),
                       batches[1:], batches[0], args.repeats)
    print(table.to_string(), flush=True)
    step_s = args.batch / table.set_index("variant").loc["fast (compile + Adam fused)", "pairs/s"]
    asm = assembly(data, args.batch)
    data_table = pd.DataFrame([{"crop": args.crop, "batch": args.batch, **asm, "fast step s": step_s,
                                "share of a fast step": asm["seconds per batch"] / step_s}])
    other = other_steps(args.repeats, args.other_steps, args.smoke)
    print(other.to_string(), flush=True)
    c, note = curves(args.curve_crop, args.batch, args.curve_epochs, limit)
    print(note, flush=True)

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(c["steps"], c["today total"], "k-o", ms=3, label="today: eager, Adam for-loop")
    ax.plot(c["steps"], c["fast total"], "r--s", ms=3, label="fast: compile + Adam fused")
    ax.set(title="DIDFuse training loss, today's step vs the fast one (bf16, CPU)",
           xlabel="optimiser steps", ylabel="total loss 'paper' (epoch mean)")
    ax.legend()
    fig.tight_layout()

    params = {"profile": "benchmark", "seed": 0, **vars(args), "cpu": cpu_model(),
              "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
              "wall_s": round(time.perf_counter() - t_start, 1),
              "loadavg_1_5_15_start": load_start, "loadavg_1_5_15_end": os.getloadavg(),
              "data": "random crops of didfuse-flir-train (the ijcai-paper training's data)"}
    best = table.set_index("variant").loc["fast (compile + Adam fused)", "vs today"]
    with Report("benchmarks", params, datasets=["didfuse-flir-train"], key="training",
                title="CPU training step: today's vs the fast one") as rep:
        rep.table("training", table, (
            f"DIDFuse training step on {cpu_model()} ({args.crop}x{args.crop} crops, batch {args.batch}, loss 'paper'): "
            f"pairs/s of full steps (Trainer.step: forward + loss, backward, Adam), median of {args.repeats} "
            f"interleaved rounds of {args.steps} steps; 'today' = eager, bf16 autocast, PyTorch's CPU default Adam "
            f"(for-loop); each '+' row changes one thing; 'first step s' includes compilation. The fast step: "
            f"{best:.2f}x today's (the issue's aim: >= 2x)"), index=False)
        rep.table("training_data", data_table, "Batch assembly (the Trainer's random crops + collate) per batch, "
                  "against one fast step: a DataLoader worker or pre-cropped batches could save at most this share",
                  index=False)
        rep.table("training_other", other, "JCAE and AE-Netv2 steps at their quick-profile training shapes "
                  "(synthetic inputs), bf16, eager vs compiled with Adam fused; median pairs/s over interleaved "
                  "rounds", index=False)
        rep.table("training_curves", c, "Today's step vs the fast one through Trainer.fit: " + note, index=False)
        rep.figure("training_curves", fig)


if __name__ == "__main__":
    main()
