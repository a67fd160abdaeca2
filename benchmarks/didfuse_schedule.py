"""The search for DIDFuse's quick-profile schedule: which (crop, batch, epochs, learning-rate step) converges
on 2 CPU cores within about 20 minutes per training (issue 10, item 1).

    python benchmarks/didfuse_schedule.py train NAME [NAME ...] [--threads 1]   # train (or resume) settings
    python benchmarks/didfuse_schedule.py report [--limit 40]                   # score every finished one
    python benchmarks/didfuse_schedule.py paper-epoch                           # time one paper-profile epoch

``train`` runs through the study's run cache (``$FUSIONKIT_RUNS_DIR/didfuse``), so an interrupted setting
resumes and a finished one is never retrained; two settings can train side by side with ``--threads 1``
each (the minutes reported are then single-core minutes, stated in the table). ``report`` scores every
finished setting on TNO (``--limit`` pairs, 40 = all) with the ``sum`` rule (the released code's, and
the cheapest: the search is about convergence, not the fusion rule), next to the authors' released
``didfuse-ijcai`` checkpoint, and writes ``reports/quick/didfuse/schedule_search.{md,csv}`` plus a figure of
the loss curves. Settings whose run folder lacks a finished checkpoint are listed as not run.
``paper-epoch`` trains one epoch of the paper profile's schedule (all 317 training pairs, 128x128, batch 24,
bf16 autocast on CPU) through the Trainer in a temporary folder and projects the paper profile's CPU time
(``reports/benchmarks/didfuse_paper_epoch.{md,csv}``).
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
    "ijcai-b8-e60": replace(_BASE, batch_size=8, epochs=60, lr_step=40),  # ~1350 steps of 8
    # the paper's loss and data: the first quick preset (batch 24, ~455 steps), then 3x the steps of batch 8
    "paper-b24-e35": DIDFuseRun(random_crops=True, crop=64, batch_size=24, epochs=35, lr_step=23),
    "paper-b8-e33": DIDFuseRun(random_crops=True, crop=64, batch_size=8, epochs=33, lr_step=22),
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

    from fusionkit import paper_tables
    from fusionkit.feature_stats import map_correlation  # noqa: F401  (the gaps below are eq. (1)'s)
    from fusionkit.studies.didfuse import _encode, config, fuser

    rows, fusers, curves = [], {"released didfuse-ijcai": E.method_fuser(methods.get("didfuse-ijcai"))}, {}
    models, paper_fusers = {"released didfuse-ijcai": methods.get("didfuse-ijcai").model}, {}
    for n, spec in SETTINGS.items():
        row = {"setting": n, "loss": spec.variant, "data": spec.train_data, "crop": spec.crop,
               "batch": spec.batch_size, "epochs": spec.epochs, "lr step": spec.lr_step}
        if _finished(spec):
            st = torch.load(run_dir(spec) / "checkpoint.pt", map_location="cpu", weights_only=True)
            hist = st["history"]
            model, _ = load_run(run_dir(spec))
            fusers[n] = E.method_fuser(DIDFuseTrained.from_model(model, rule="sum"))
            models[n] = model
            if spec.variant == "paper":
                paper_fusers[n] = fuser(model, "saliency+cam", config("quick"))
            curves[n] = hist
            ep = sorted(st.get("epoch_seconds") or [0.0])
            row |= {"steps": sum(int(r["steps"]) for r in hist), "minutes": st.get("train_seconds", 0) / 60,
                    "minutes, CPU to itself": ep[len(ep) // 10] * len(hist) / 60,
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
    it = E.open_set(*TEST_SETS["TNO"], limit=1)[0]
    gap_rows = {}
    for n, model in models.items():
        with torch.inference_mode():
            _, (_, _, b, d) = _encode(model, it["a"][None], it["b"][None], config("quick"))
        gap_rows[n] = (float((b[0] - b[1]).pow(2).mean()), float((d[0] - d[1]).pow(2).mean()))
    gaps = pd.DataFrame(gap_rows, index=["base", "detail"]).T
    for n in gaps.index.drop("released didfuse-ijcai"):
        table.loc[n, "base gap, TNO 1"] = gaps.loc[n, "base"]
        table.loc[n, "detail gap, TNO 1"] = gaps.loc[n, "detail"]
    # the paper-loss settings as the paper fuses (Sal-Att & CAM, SD/SF/AG in its convention) vs its DIDFuse row
    paper_row = paper_tables.pivot("didfuse", 5, ["dataset", "method"]).loc[("TNO", "DIDFuse")]
    if paper_fusers:
        pp, _ = E.score(paper_fusers, {"TNO": TEST_SETS["TNO"]}, METRICS, limit=limit, progress=False,
                        convention="didfuse")
        for n, r in pp.groupby("method")[list(METRICS)].mean().iterrows():
            for m in METRICS:
                table.loc[n, f"{m} Sal-Att & CAM vs paper %"] = 100 * (r[m] / paper_row[m] - 1)
    params = {"profile": "quick", "seed": 0, "limit": limit, "settings": {n: spec.as_dict() for n, spec in SETTINGS.items()}}
    caption = (f"Schedule search (issue 10): every setting on TNO ({per_pair.pair.nunique()} pairs, sum rule) "
               f"against the released checkpoint ({', '.join(f'{m} {ref[m]:.3f}' for m in METRICS)}). ")
    with Report.start("didfuse", params, notebook="schedule_search", datasets=("didfuse-flir-train", "didfuse-tno",
                                                                               "didfuse-ijcai")) as rep:
        from fusionkit.files import atomic_write_text  # every column, for scripts (the reader's tables: below)

        atomic_write_text(rep.dir / "schedule_search.csv", table.reset_index().to_csv(index=False))
        write_layout(rep, table.reset_index(), caption)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        for n, hist in curves.items():
            steps = torch.tensor([r["steps"] for r in hist]).cumsum(0)
            ax.plot(steps, [r["total"] for r in hist], label=n)
        ax.set(xlabel="optimisation steps", ylabel="training loss (total)", yscale="log")
        ax.legend(fontsize=7)
        rep.figure("schedule_search_curves", fig)


SCHEDULE_COLUMNS = ["setting", "loss", "data", "crop", "batch", "epochs", "lr step", "steps", "minutes",
                    "minutes, CPU to itself", "threads", "final loss", "loss change, last 10 %", "base gap, TNO 1",
                    "detail gap, TNO 1"]


def write_layout(rep, table: pd.DataFrame, caption: str) -> None:
    """The reader's layout of the schedule search: the schedules, the metrics against the released checkpoint,
    and (for the paper-loss settings only: the released-loss ones are not fused the paper's way) the metrics
    against the paper's DIDFuse row."""
    rep.table("schedule_search_settings", table[SCHEDULE_COLUMNS], caption + (
        "Minutes: wall time of the training on this machine's CPU with the stated torch threads (other work shared "
        "the CPU at times); 'CPU to itself': the 10th-percentile epoch time x epochs. Base / detail gap: mean "
        "(B_I - B_V)^2 and (D_I - D_V)^2 over the feature maps of the first TNO pair (eq. (1)'s gaps)."), index=False)
    rep.table("schedule_search_vs_released", table[["setting", *(c for m in METRICS for c in (m, f"{m} vs released %"))]],
              caption + "Metric means (sum rule, standard convention) and the relative difference (%).", index=False)
    vp = [c for c in table.columns if c.endswith("Sal-Att & CAM vs paper %")]
    rep.table("schedule_search_vs_paper", table[table["loss"] == "paper"][["setting", *vp]],
              "Paper-loss settings fused as the paper fuses (Sal-Att & CAM, the paper's SD/SF/AG convention) against "
              "the paper's DIDFuse row on TNO (%).", index=False)


def relayout() -> None:
    """Rewrite the reader's tables from the committed schedule_search.csv (no training, same numbers)."""
    from fusionkit import paths
    from fusionkit.report import Report, study_dir

    folder = study_dir(paths.reports_dir(), "quick", "didfuse")
    table = pd.read_csv(folder / "schedule_search.csv")
    caption = ("Schedule search (issue 10): every setting on TNO (40 pairs, sum rule) against the released "
               "checkpoint. ")
    params = {"profile": "quick", "seed": 0, "relayout_of": "schedule_search.csv"}
    with Report.start("didfuse", params, notebook="schedule_search_layout", datasets=()) as rep:
        write_layout(rep, table, caption)


def paper_epoch() -> None:
    """One epoch of the paper profile on this CPU, and what the whole paper profile would take here."""
    import tempfile

    from fusionkit.report import Report
    from fusionkit.runs import train_cached
    from fusionkit.studies.didfuse import config, run_spec, training_plan

    cfg = config("paper")
    spec = replace(run_spec(cfg), epochs=1, lr_step=None)
    with tempfile.TemporaryDirectory() as tmp:
        run = train_cached(spec, runs_dir=tmp, use_zoo=False)
    secs = run.meta["train_seconds_total"]
    steps, n_train = run.history[0]["steps"], len(training_plan(cfg))  # a dict: name -> spec
    row = {"pairs": steps * spec.batch_size, "steps": steps, "batch": spec.batch_size, "crop": spec.crop,
           "precision": run.meta["precision"], "threads": torch.get_num_threads(), "epoch seconds": secs,
           "pairs/s": run.pairs_per_second, "one paper training, 120 epochs (h)": 120 * secs / 3600,
           "trainings in the paper profile": n_train, "paper profile trainings (days)": n_train * 120 * secs / 86400}
    params = {"profile": "benchmark", "seed": 0, "spec": spec.as_dict()}
    with Report.start("benchmarks", params, datasets=("didfuse-flir-train", "roadscene"), key="didfuse_paper_epoch",
                      title="DIDFuse paper profile: one CPU epoch") as rep:
        rep.table("didfuse_paper_epoch", pd.DataFrame([row]),
                  "One epoch of the DIDFuse paper profile on this machine's CPU (Trainer, bf16 autocast), and the "
                  "projected CPU time of the paper profile's trainings (120 epochs each)", index=False)
    print(row)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("names", nargs="+", choices=list(SETTINGS))
    t.add_argument("--threads", type=int, default=os.cpu_count())
    r = sub.add_parser("report")
    r.add_argument("--limit", type=int, default=40)
    sub.add_parser("paper-epoch")
    sub.add_parser("relayout", help="rewrite the reader's tables from the committed schedule_search.csv")
    args = ap.parse_args(argv)
    if args.cmd == "train":
        train(args.names, args.threads)
    elif args.cmd == "report":
        report(args.limit)
    elif args.cmd == "relayout":
        relayout()
    else:
        paper_epoch()


if __name__ == "__main__":
    main()
