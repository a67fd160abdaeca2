"""The search for DIDFuse's quick-profile schedule: which (crop, batch, epochs, learning-rate step) converges
on 2 CPU cores within about 20 minutes per training (issue 10, item 1).

    python benchmarks/didfuse_schedule.py train NAME [NAME ...] [--threads 1]   # train (or resume) settings
    python benchmarks/didfuse_schedule.py report [--limit 40]                   # score every finished one

``train`` runs through the study's run cache (``$FUSIONKIT_RUNS_DIR/didfuse``), so an interrupted setting
resumes and a finished one is never retrained; two settings can train side by side with ``--threads 1``
each (the minutes reported are then single-core minutes, stated in the table). ``report`` scores every
finished setting on TNO (``--limit`` pairs, 40 = all) with the ``sum`` rule (the released code's, and
the cheapest: the search is about convergence, not the fusion rule), next to the authors' released
``didfuse-ijcai`` checkpoint, and writes ``reports/quick/didfuse/schedule_search.{md,csv}`` plus a figure of
the loss curves. Settings whose run folder lacks a finished checkpoint are listed as not run.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import replace

import pandas as pd
import torch

from fusionkit import evaluation as E
from fusionkit.studies.didfuse import METRICS, TEST_SETS, DIDFuseRun

#: Every setting tried. ``ijcai-*`` train what the released code trains (loss 'released', FLIR-Train);
#: ``paper-*`` the paper's loss on the paper's data (FLIR-Train + the RoadScene stand-in for NIR).
_BASE = DIDFuseRun(variant="released", train_data="flir", random_crops=True, crop=64, batch_size=24)
SETTINGS: dict[str, DIDFuseRun] = {
    "ijcai-b24-e65": replace(_BASE, epochs=65, lr_step=43),     # the first try: ~490 steps
    "ijcai-b24-e160": replace(_BASE, epochs=160, lr_step=107),  # ~1200 steps
    "ijcai-b8-e60": replace(_BASE, batch_size=8, epochs=60, lr_step=40),  # ~1350 steps of 8
    "ijcai-b8-e100": replace(_BASE, batch_size=8, epochs=100, lr_step=67),  # ~2250 steps of 8
}


def _finished(spec: DIDFuseRun) -> bool:
    from fusionkit.runs import run_dir

    ck = run_dir(spec) / "checkpoint.pt"
    if not ck.is_file():
        return False
    st = torch.load(ck, map_location="cpu", weights_only=True)
    return int(st["epoch"]) + 1 >= spec.epochs


def train(names: list[str], threads: int) -> None:
    from fusionkit.runs import train_cached

    torch.set_num_threads(threads)
    for n in names:
        run = train_cached(SETTINGS[n], progress=False, use_zoo=False)
        print(f"{n}: {run.source}, {run.meta.get('train_seconds_total', 0) / 60:.1f} min, "
              f"final loss {run.history[-1]['total']:.4g}", flush=True)


def report(limit: int | None) -> None:
    from fusionkit import methods
    from fusionkit.methods.trained import DIDFuseTrained
    from fusionkit.report import Report
    from fusionkit.runs import load_run, run_dir

    rows, fusers, curves = [], {"released didfuse-ijcai": E.method_fuser(methods.get("didfuse-ijcai"))}, {}
    for n, spec in SETTINGS.items():
        row = {"setting": n, "loss": spec.variant, "data": spec.train_data, "crop": spec.crop,
               "batch": spec.batch_size, "epochs": spec.epochs, "lr step": spec.lr_step}
        if _finished(spec):
            st = torch.load(run_dir(spec) / "checkpoint.pt", map_location="cpu", weights_only=True)
            hist = st["history"]
            model, _ = load_run(run_dir(spec))
            fusers[n] = E.method_fuser(DIDFuseTrained.from_model(model, rule="sum"))
            curves[n] = hist
            row |= {"steps": sum(int(r["steps"]) for r in hist), "minutes": st.get("train_seconds", 0) / 60,
                    "threads": st.get("threads"),
                    "final loss": hist[-1]["total"],
                    "loss change, last 10 %": hist[-1]["total"] / hist[int(len(hist) * 0.9) - 1]["total"] - 1}
        rows.append(row)
    per_pair, _ = E.score(fusers, {"TNO": TEST_SETS["TNO"]}, METRICS, limit=limit, progress=False)
    means = per_pair.groupby("method", sort=False)[list(METRICS)].mean()
    ref = means.loc["released didfuse-ijcai"]
    table = pd.DataFrame(rows).set_index("setting")
    for n in means.index.drop("released didfuse-ijcai"):
        for m in METRICS:
            table.loc[n, m] = means.loc[n, m]
            table.loc[n, f"{m} vs released %"] = 100 * (means.loc[n, m] / ref[m] - 1)
    params = {"profile": "quick", "seed": 0, "limit": limit, "settings": {n: spec.as_dict() for n, spec in SETTINGS.items()}}
    with Report.start("didfuse", params, notebook="schedule_search", datasets=("didfuse-flir-train", "didfuse-tno",
                                                                               "didfuse-ijcai")) as rep:
        rep.table("schedule_search", table.reset_index(),
                  f"Schedule search (issue 10): every setting on TNO ({per_pair.pair.nunique()} pairs, sum rule) "
                  f"against the released checkpoint ({', '.join(f'{m} {ref[m]:.3f}' for m in METRICS)}). "
                  "Minutes are training time on this machine's CPU with the stated torch threads.", index=False)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        for n, hist in curves.items():
            steps = torch.tensor([r["steps"] for r in hist]).cumsum(0)
            ax.plot(steps, [r["total"] for r in hist], label=n)
        ax.set(xlabel="optimisation steps", ylabel="training loss (total)", yscale="log")
        ax.legend(fontsize=7)
        rep.figure("schedule_search_curves", fig)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("names", nargs="+", choices=list(SETTINGS))
    t.add_argument("--threads", type=int, default=os.cpu_count())
    r = sub.add_parser("report")
    r.add_argument("--limit", type=int, default=40)
    args = ap.parse_args(argv)
    train(args.names, args.threads) if args.cmd == "train" else report(args.limit)


if __name__ == "__main__":
    main()
