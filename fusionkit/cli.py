"""The ``fusionkit`` command line: thin wrappers around the package layers."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__


def _cmd_data(args: argparse.Namespace) -> int:
    from . import paths
    from .data import fetch_entry, load_manifest, verify_entry

    man = load_manifest(args.manifest)
    if args.data_dir:
        import os

        os.environ["FUSIONKIT_DATA_DIR"] = str(Path(args.data_dir).resolve())
    if args.action == "list":
        print(f"data folder: {paths.data_dir()}   weights folder: {paths.weights_dir()}")
        print(f"{'name':<22}{'kind':<11}{'task':<15}{'pairs':>6}{'seqs':>6}{'files':>7}  status")
        for e in man:
            if not e.available:
                status = f"unavailable (substitute: {e.substitute})"
            else:
                present = sum(e.local_path(f.path).is_file() for f in e.files)
                status = "present" if present == len(e.files) else f"{present}/{len(e.files)} files present"
            print(f"{e.name:<22}{e.kind:<11}{e.task or '-':<15}{len(e.pairs):>6}{len(e.sequences):>6}"
                  f"{len(e.files):>7}  {status}")
        return 0
    entries = [man[n] for n in args.names] if args.names else list(man)
    if args.action == "fetch" and not args.names:
        entries = [e for e in entries if e.available]
    if args.action == "verify":
        failed = 0
        for e in entries:
            if not e.available:
                print(f"{e.name}: unavailable, nothing to verify (substitute: {e.substitute})")
                continue
            res = verify_entry(e)
            if res.passed:
                print(f"{e.name}: OK ({len(res.ok)} files)")
            else:
                failed += 1
                print(f"{e.name}: FAILED ({len(res.missing)} missing, {len(res.corrupt)} corrupt, "
                      f"{len(res.ok)} OK)")
                for p in res.problems():
                    print(f"  {p}")
        if failed:
            print(f"{failed} entr{'y' if failed == 1 else 'ies'} failed verification; "
                  f"`fusionkit data fetch NAME` downloads missing or corrupt files", file=sys.stderr)
        return 1 if failed else 0
    if args.action == "fetch":
        bad = [e.name for e in entries if not e.available]
        if bad and args.names:
            for n in bad:
                e = man[n]
                print(f"{n}: cannot be fetched: {e.raw.get('reason')} Substitute: {e.substitute}",
                      file=sys.stderr)
            return 2
        rc = 0
        for e in entries:
            try:
                got = fetch_entry(e, base_url=args.base_url, retries=args.retries,
                                  progress=not args.no_progress)
                print(f"{e.name}: {len(got)} file(s) downloaded, {len(e.files) - len(got)} already present")
            except (OSError, ValueError) as exc:
                print(f"{e.name}: ERROR: {exc}", file=sys.stderr)
                rc = 1
        return rc
    raise AssertionError(args.action)


def _params(pairs: list[list[str]] | None) -> dict:
    from .notebook_runner import parse_value

    return {k: parse_value(v) for k, v in (pairs or [])}


def _cmd_run(args: argparse.Namespace) -> int:
    from .notebook_runner import NotebookFailed, run_notebook

    try:
        out = run_notebook(args.notebook, args.profile, _params(args.param), args.reports)
    except NotebookFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"executed notebook: {out}")
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from .data import DataUnavailable
    from .notebook_runner import reproduce

    try:
        results = reproduce(args.paper, args.profile, args.keep_going, _params(args.param), args.reports,
                            base_url=args.base_url, fetch=not args.no_fetch)
    except (ValueError, DataUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for r in results:
        print(f"{'ok    ' if r.ok else 'FAILED'} {r.notebook:<28} {r.seconds:7.1f} s  {r.output or ''}")
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(r.notebook for r in failed)}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .metrics import stats
    from .metrics.files import evaluate_files, pair_dataset, pair_folders
    from .files import atomic_write_text

    try:
        if args.dataset:
            rows = pair_dataset(Path(args.fused), args.dataset, args.split)
        elif args.a and args.b:
            rows = pair_folders(Path(args.fused), Path(args.a), Path(args.b))
        else:
            print("error: give --a DIR --b DIR, or --dataset NAME", file=sys.stderr)
            return 2
        table = evaluate_files(rows, args.metrics, args.convention, progress=not args.no_progress)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = stats.summarize(table)
    print(f"{len(table)} image(s), convention {args.convention}")
    for m, r in summary.iterrows():
        print(f"  {m:<9} {r['mean']:12.4f} ± {r['std']:.4f}")
    if args.out:
        atomic_write_text(args.out, table.to_csv())
        print(f"per-image values: {args.out}")
    return 0


def _cmd_fuse(args: argparse.Namespace) -> int:
    import time

    import numpy as np
    from tqdm.auto import tqdm

    from . import methods
    from .data import FusionDataset
    from .data.io import read_image, save_image
    from .metrics.files import pair_folders, pair_sources

    opts = dict(_params([o.split("=", 1) for o in (args.opt or []) if "=" in o]))
    bad = [o for o in (args.opt or []) if "=" not in o]
    if bad:
        print(f"error: --opt expects key=value, got {bad}", file=sys.stderr)
        return 2
    try:
        method = methods.get(args.method, **opts)
        if args.dataset:
            ds = FusionDataset(args.dataset, split=args.split)
            rows = [(n, *ds.paths(i)) for i, n in enumerate(ds.names)]
            if ds.align == "resize-b-to-a":
                rows = [(n, None, None) for n in ds.names]
        elif args.a and args.b:
            rows = pair_sources(Path(args.a), Path(args.b))
        else:
            print("error: give --dataset NAME or --a DIR --b DIR", file=sys.stderr)
            return 2
    except (ValueError, FileNotFoundError, KeyError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    times = []
    bar = tqdm(rows, desc=f"fuse {args.method}", unit="pair", disable=args.no_progress)
    for i, (name, pa, pb) in enumerate(bar):
        try:
            if pa is None:  # dataset that needs alignment: let the dataset load it
                it = ds[i]
                a, b = it["a"][0].numpy(), it["b"][0].numpy()
            else:
                a, b = read_image(pa, "gray"), read_image(pb, "gray")
            t0 = time.perf_counter()
            f = method.fuse(a, b)
            times.append(time.perf_counter() - t0)
        except (ValueError, RuntimeError) as exc:
            print(f"error: pair {name}: {exc}", file=sys.stderr)
            return 1
        save_image(out / f"{name}.png", f)
        bar.set_postfix_str(f"{1000 * times[-1]:.0f} ms/pair")
    print(f"{len(times)} fused image(s) in {out}; median {1000 * float(np.median(times)):.1f} ms per pair")
    if args.evaluate:
        from .metrics.files import evaluate_files, pair_dataset
        from .metrics.stats import summarize

        pairs = (pair_dataset(out, args.dataset, args.split) if args.dataset
                 else pair_folders(out, Path(args.a), Path(args.b)))
        table = evaluate_files(pairs, progress=not args.no_progress)
        from .files import atomic_write_text

        atomic_write_text(out / "metrics.csv", table.to_csv())
        for m, r in summarize(table).iterrows():
            print(f"  {m:<9} {r['mean']:12.4f} ± {r['std']:.4f}")
        print(f"per-image metrics: {out / 'metrics.csv'}")
    return 0


def _profile(text: str) -> str:
    """``--profile``: one of the profiles, else an error naming them and the close match of a typo."""
    from .notebook_runner import check_profile

    try:
        return check_profile(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    from .studies.config import PROFILES

    p = argparse.ArgumentParser(prog="fusionkit", description=__doc__)
    p.add_argument("--version", action="version", version=f"fusionkit {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("data", help="list, verify or fetch the datasets and checkpoints of the manifest")
    d.add_argument("action", choices=["list", "verify", "fetch"])
    d.add_argument("names", nargs="*", help="manifest entries (default: every available one)")
    d.add_argument("--manifest", help="manifest file (default: the project's data_manifest.yaml)")
    d.add_argument("--data-dir", help="data folder (default: $FUSIONKIT_DATA_DIR, else ./data)")
    d.add_argument("--base-url", help="fetch from a mirror laid out like the data folder: URL/<path>")
    d.add_argument("--retries", type=int, default=3)
    d.add_argument("--no-progress", action="store_true")
    d.set_defaults(func=_cmd_data)

    from .metrics import ALL, CONVENTIONS

    ev = sub.add_parser("evaluate", help="fusion metrics of a folder of fused images")
    ev.add_argument("--fused", required=True, help="folder of fused images")
    ev.add_argument("--a", help="folder of source a images (ir-vis: infrared), paired by file name")
    ev.add_argument("--b", help="folder of source b images (ir-vis: visible)")
    ev.add_argument("--dataset", help="take the sources from a manifest dataset (fused named <pair>.png)")
    ev.add_argument("--split", default=None, help="dataset split (default: every pair)")
    ev.add_argument("--metrics", nargs="+", choices=ALL, metavar="METRIC", help=f"default: all ({', '.join(ALL)})")
    ev.add_argument("--convention", choices=CONVENTIONS, default="standard")
    ev.add_argument("--out", help="CSV of per-image values")
    ev.add_argument("--no-progress", action="store_true")
    ev.set_defaults(func=_cmd_evaluate)

    fu = sub.add_parser("fuse", help="fuse a dataset or two folders with a registered method")
    fu.add_argument("--method", required=True, help="method name (fusionkit.methods.names())")
    fu.add_argument("--opt", action="append", metavar="KEY=VALUE", help="method option (value parsed as YAML)")
    fu.add_argument("--dataset", help="manifest dataset")
    fu.add_argument("--split", default=None)
    fu.add_argument("--a", help="folder of source a images (ir-vis: infrared)")
    fu.add_argument("--b", help="folder of source b images, paired with --a by file name")
    fu.add_argument("--out", required=True, help="output folder: one <pair>.png per pair")
    fu.add_argument("--evaluate", action="store_true", help="then score the fused images (all metrics)")
    fu.add_argument("--no-progress", action="store_true")
    fu.set_defaults(func=_cmd_fuse)

    r = sub.add_parser("run", help="execute one notebook with papermill")
    r.add_argument("notebook")
    r.add_argument("--profile", type=_profile, metavar="{" + ",".join(PROFILES) + "}", default="smoke")
    r.add_argument("-p", "--param", nargs=2, action="append", metavar=("KEY", "VALUE"),
                   help="override a field of the study's config (value parsed as YAML), e.g. -p epochs 3")
    r.add_argument("--reports", help="reports folder (default: ./reports)")
    r.set_defaults(func=_cmd_run)

    rp = sub.add_parser("reproduce", help="run every (or some) study notebook in order")
    rp.add_argument("--paper", action="append", help="only this paper's notebooks (repeatable)")
    rp.add_argument("--profile", type=_profile, metavar="{" + ",".join(PROFILES) + "}", default="smoke")
    rp.add_argument("-p", "--param", nargs=2, action="append", metavar=("KEY", "VALUE"),
                    help="override a config field in every study that has it (YAML value)")
    rp.add_argument("--base-url", help="download missing data from a mirror laid out like the data folder")
    rp.add_argument("--no-fetch", action="store_true", help="never download: stop if data are missing")
    rp.add_argument("--keep-going", action="store_true", help="run the remaining notebooks after a failure")
    rp.add_argument("--reports", help="reports folder (default: ./reports)")
    rp.set_defaults(func=_cmd_reproduce)

    from .runs import parse_shard

    tr = sub.add_parser("train", help="train every model a study's notebooks use at a profile (resumable; "
                                      "torchrun-able), optionally into the zoo")
    tr.add_argument("--paper", required=True, help="study name (fusionkit reproduce --help lists them)")
    tr.add_argument("--profile", type=_profile, default="smoke", metavar="{" + ",".join(PROFILES) + "}")
    tr.add_argument("--select", nargs="+", default=None, help="plan groups (default: all; see the study's "
                                                               "PLAN_GROUPS)")
    tr.add_argument("--device", default=None)
    tr.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: one per idle core, "
                    "devices.configure_threads)")
    tr.add_argument("--shard", type=parse_shard, default=(0, 1), metavar="K/N",
                    help="train only every N-th run of the plan from the K-th (0-based): N processes share it")
    tr.add_argument("--zoo", action="store_true", help="keep every finished model in the zoo (zoo/<study>/)")
    tr.add_argument("--park", action="store_true", help="train nothing: copy each run's latest checkpoint to the "
                    "tracked pending/<study>/<key>/ (commit it; a later `fusionkit train` resumes from it)")
    tr.set_defaults(func=_cmd_train)

    lg = sub.add_parser("ledger", help="write the claims ledgers (reports/<profile>/<study>/README.md) from the "
                                       "committed tables, and the README's claims summary")
    lg.add_argument("--paper", nargs="+", default=None, help="studies (default: every study with claims)")
    lg.add_argument("--profile", nargs="+", default=["quick", "paper"], choices=("smoke", "quick", "paper"))
    lg.set_defaults(func=_cmd_ledger)
    return p


def _cmd_train(args: argparse.Namespace) -> int:
    from .runs import train_plan
    from .studies import STUDIES

    study = STUDIES.get(args.paper).load()
    groups = list(getattr(study, "PLAN_GROUPS", ()))
    bad = [s for s in args.select or [] if s not in groups]
    if bad:
        raise SystemExit(f"fusionkit train: --select {bad} not in {args.paper}'s plan groups: {', '.join(groups)}")
    if args.threads:
        import os

        from .devices import configure_threads

        os.environ["FUSIONKIT_THREADS"] = str(args.threads)
        configure_threads()
    if args.park:
        from .runs import park_plan

        parked = park_plan(study, args.profile, args.select)
        for p in parked:
            print(f"parked {p}")
        if not parked:
            print("nothing to park: no run of this plan has a checkpoint yet")
        return 0
    train_plan(study, args.profile, args.select, args.shard, args.device, args.zoo)
    return 0


def _cmd_ledger(args: argparse.Namespace) -> int:
    from .studies.ledgers import write_ledgers

    for path in write_ledgers(args.paper or None, args.profile):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.func not in (_cmd_ledger,):  # commands that compute: one torch thread per idle core by default
        from .devices import configure_threads

        configure_threads()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
