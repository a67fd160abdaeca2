"""Write study reports: tables (CSV + Markdown), figures (PNG), provenance, the index.

Layout (one folder per profile; ``smoke`` output is git-ignored)::

    reports/index.md                                every study, best profile first (regenerated)
    reports/<profile>/<study>/provenance-<nb>.json  where the numbers came from, and the status:
                                                    running / ok / failed: cell N: <error>
    reports/<profile>/<study>/<table>.csv|.md       tables; .md starts with the provenance summary
    reports/<profile>/<study>/<figure>.png          figures
    reports/benchmarks/                             timings (profile "benchmark")
    reports/smoke/index.md                          the smoke runs' own index (not committed)

A notebook calls ``report = Report.start(study, cfg, notebook=...)`` (provenance written at once
with status ``running``) and ``report.finish()`` at its end (``ok``); the runner marks a notebook
that fails ``failed: cell N: <error>`` (:func:`mark_failed`). Scripts use the ``with`` form.

Every write is atomic (temporary file + rename), so an interrupted run never leaves a
half-written report in place of a good one.
"""
from __future__ import annotations

import json
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any, Iterable, Mapping

import pandas as pd

from . import __version__, paths
from .utils import atomic_path, atomic_write_text, git_state

REPRO_NOTE = {
    "smoke": "smoke profile: a test of the code path on a few pairs/steps. NOT a reproduction.",
    "quick": "quick profile: reduced epochs/crops, shows the trend only. NOT a reproduction.",
    "paper": "paper profile: the paper's own hyper-parameters.",
    "benchmark": "benchmark: timings and implementation checks, not a paper result.",
}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def device_info(device: Any = None) -> dict[str, Any]:
    import torch

    from .utils import select_device

    dev = str(device) if device is not None else str(select_device())
    if dev.startswith("cuda") and torch.cuda.is_available():
        name = torch.cuda.get_device_name(torch.device(dev))
    else:
        name = platform.processor() or platform.machine()
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
    return {"device": dev, "device_name": name, "torch": torch.__version__,
            "cuda": torch.version.cuda, "threads": torch.get_num_threads()}


def dataset_checksums(names: Iterable[str], verify: bool = True) -> dict[str, Any]:
    """Manifest digest of each dataset used and, with ``verify``, whether the local files match."""
    from .data import load_manifest, verify_entry

    man = load_manifest()
    out = {}
    for n in names:
        e = man[n]
        rec: dict[str, Any] = {"available": e.available, "files": len(e.files),
                               "manifest_sha256": e.checksum() if e.files else None}
        if e.available and verify:
            res = verify_entry(e)
            rec["verified"] = res.passed
            if not res.passed:
                rec["problems"] = res.problems()[:20]
        out[n] = rec
    return out


def to_markdown(df: pd.DataFrame, float_fmt: str = ".4g") -> str:
    return df.to_markdown(floatfmt=float_fmt)


def compare_with_paper(ours: pd.DataFrame, paper: pd.DataFrame, ours_label: str = "ours",
                       paper_label: str = "paper") -> pd.DataFrame:
    """Put the paper's reported numbers beside ours, column by column, with the difference.

    Both frames are indexed by row (e.g. method) with one column per quantity (e.g. metric).
    For each quantity the result has ``<q> (ours)``, ``<q> (paper)``, ``<q> (Δ)`` = ours − paper.
    Rows present in only one frame keep NaN on the other side.
    """
    rows = list(dict.fromkeys(list(ours.index) + list(paper.index)))
    cols = list(dict.fromkeys(list(ours.columns) + list(paper.columns)))
    o = ours.reindex(index=rows, columns=cols)
    p = paper.reindex(index=rows, columns=cols)
    parts = {}
    for c in cols:
        parts[f"{c} ({ours_label})"] = o[c]
        parts[f"{c} ({paper_label})"] = p[c]
        parts[f"{c} (Δ)"] = pd.to_numeric(o[c], errors="coerce") - pd.to_numeric(p[c], errors="coerce")
    out = pd.DataFrame(parts, index=rows)
    out.index.name = ours.index.name or paper.index.name
    return out


PROFILE_ORDER = ("paper", "quick", "smoke")  # best first
FOLDER_PROFILES = ("smoke", "quick", "paper")  # these get reports/<profile>/<study>/


def study_dir(root: str | Path, profile: str, study: str) -> Path:
    """``root/<profile>/<study>`` for the three profiles, ``root/<study>`` otherwise (benchmarks)."""
    root = Path(root)
    return root / profile / study if profile in FOLDER_PROFILES else root / study


def index_root(root: str | Path, profile: str) -> Path:
    """Where the index a report updates lives: ``root`` (committed profiles) or ``root/smoke``."""
    return Path(root) / "smoke" if profile == "smoke" else Path(root)


@dataclass
class Table:
    """A table a study function returns: the frame, its caption, and whether its index is data."""

    df: pd.DataFrame
    caption: str = ""
    index: bool = True

    def _repr_html_(self) -> str:  # shown inline when a notebook cell ends with it
        return self.df._repr_html_()


def _params(cfg: Any) -> dict[str, Any]:
    if is_dataclass(cfg):
        return asdict(cfg)
    return dict(cfg)


class Report:
    """One notebook's (or script's) outputs in ``reports/<profile>/<study>/``.

    Notebooks::

        report = Report.start("didfuse", cfg, notebook="13_didfuse_comparison.ipynb", datasets=DATASETS)
        report.table("table5_tno", df, "caption")      # CSV + Markdown, atomically
        report.figure("fig5_qualitative", fig)           # PNG
        report.finish()

    Scripts and benchmarks: ``with Report("benchmarks", {"profile": "benchmark", ...}) as r: ...``.
    ``cfg`` is a study config dataclass or a dict; either must carry ``profile``.
    """

    def __init__(self, name: str, params: Any, datasets: Iterable[str] = (),
                 root: str | Path | None = None, notebook: str | None = None,
                 device: Any = None, title: str | None = None, key: str | None = None):
        self.params = _params(params)
        if "profile" not in self.params:
            raise ValueError("params must contain 'profile' (a study config, or a dict with 'profile')")
        self.name = name
        self.profile = self.params["profile"]
        self.seed = self.params.get("seed")
        self.datasets = list(datasets)
        self.root = Path(root) if root else paths.reports_dir()
        self.dir = study_dir(self.root, self.profile, name)
        self.notebook, self.device, self.title = notebook, device, title or name
        self.outputs: list[str] = []
        self.key = key or (Path(notebook).stem if notebook else None)
        self.started = _now()
        self.git = git_state()
        self._data: dict[str, Any] | None = None
        self.status = "new"

    @classmethod
    def start(cls, name: str, params: Any, **kw: Any) -> "Report":
        """Create the report and write its provenance with status ``running`` at once, so a run that
        dies halfway never leaves new tables beside an old ``ok``."""
        rep = cls(name, params, **kw)
        rep._write("running")
        return rep

    def __enter__(self) -> "Report":
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.status == "new":
            self._write("running")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.finish(status="ok" if exc is None else f"failed: {exc_type.__name__}: {exc}")

    def _header(self, caption: str | None) -> str:
        g = self.git
        lines = [f"<!-- generated by fusionkit {__version__}; do not edit -->"]
        if caption:
            lines.append(f"**{caption}**\n")
        lines.append(f"_Study `{self.name}` · profile **{self.profile}** · seed {self.seed} · commit "
                     f"`{(g['commit'] or 'unknown')[:12]}`{' (dirty)' if g['dirty'] else ''} · "
                     f"{self.started}_  \n_{REPRO_NOTE.get(self.profile, '')}_\n")
        return "\n".join(lines) + "\n"

    def table(self, name: str, df: pd.DataFrame | Table, caption: str | None = None,
              float_fmt: str = ".4g", index: bool | None = None) -> Path:
        """Write ``<name>.csv`` and ``<name>.md`` (with a provenance line) atomically.
        ``index=False`` leaves a meaningless 0..n index out of both files."""
        if isinstance(df, Table):
            caption = caption if caption is not None else df.caption
            index = df.index if index is None else index
            df = df.df
        index = True if index is None else index
        self.dir.mkdir(parents=True, exist_ok=True)
        csv = self.dir / f"{name}.csv"
        atomic_write_text(csv, df.to_csv(index=index))
        md = df.to_markdown(floatfmt=float_fmt, index=index)
        atomic_write_text(self.dir / f"{name}.md", self._header(caption) + md + "\n")
        self.outputs += [f"{name}.csv", f"{name}.md"]
        return csv

    def tables(self, tables: Mapping[str, Table | pd.DataFrame]) -> None:
        """Write every table of a study function's result."""
        for name, t in tables.items():
            self.table(name, t)

    def figure(self, name: str, fig: Any, dpi: int = 110) -> None:
        """Save a matplotlib figure as ``<name>.png`` atomically (``<dir>/<name>.png``). Returns
        nothing, so a notebook cell ending with it shows the figure itself, inline, and no path."""
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self.dir / f"{name}.png"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
        self.outputs.append(f"{name}.png")

    @property
    def provenance_path(self) -> Path:
        return self.dir / (f"provenance-{self.key}.json" if self.key else "provenance.json")

    def provenance(self, status: str = "running") -> dict[str, Any]:
        if self._data is None:
            self._data = dataset_checksums(self.datasets, verify=True)
        return {
            "study": self.name, "key": self.key, "title": self.title, "status": status, "profile": self.profile,
            "note": REPRO_NOTE.get(self.profile), "seed": self.seed, "params": self.params,
            "notebook": self.notebook, "git": self.git, **device_info(self.device),
            "python": sys.version.split()[0], "fusionkit": __version__,
            "data": self._data, "started": self.started, "finished": _now() if status != "running" else None,
            "outputs": sorted(set(self.outputs)),
        }

    def _write(self, status: str) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.provenance_path, json.dumps(self.provenance(status), indent=2, default=str) + "\n")
        self.status = status
        write_index(index_root(self.root, self.profile))
        return self.provenance_path

    def finish(self, status: str = "ok") -> Path:
        """Write the final provenance (``ok`` unless told otherwise) and regenerate the index."""
        return self._write(status)


Study = Report  # the name scripts and benchmarks used before


def mark_failed(root: str | Path, profile: str, study: str, notebook: str, message: str) -> Path:
    """Record that ``notebook`` failed (``status: failed: <message>``), keeping what its provenance
    already says; used by the runner when a notebook stops with an error."""
    d = study_dir(root, profile, study)
    target = d / f"provenance-{Path(notebook).stem}.json"
    try:
        prov = json.loads(target.read_text())
    except (OSError, json.JSONDecodeError):
        prov = {"study": study, "key": Path(notebook).stem, "title": study, "profile": profile,
                "notebook": Path(notebook).name, "git": git_state(), "started": _now(), "outputs": []}
    prov.update(status=f"failed: {message}", finished=_now())
    atomic_write_text(target, json.dumps(prov, indent=2, default=str) + "\n")
    write_index(index_root(root, profile))
    return target


def write_index(root: str | Path | None = None) -> Path:
    """Regenerate ``<root>/index.md``: every study with its best available profile first
    (paper > quick > smoke), then benchmarks. ``root/smoke`` gets its own index of smoke runs."""
    root = Path(root) if root else paths.reports_dir()
    smoke = root.name == "smoke"
    found = sorted(root.glob("*/provenance*.json")) + ([] if smoke else sorted(root.glob("*/*/provenance*.json")))
    entries = []
    for prov in found:
        rel = prov.parent.relative_to(root).as_posix()
        if not smoke and rel.split("/")[0] == "smoke":
            continue
        try:
            p = json.loads(prov.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            p = {"study": rel, "status": f"unreadable provenance ({exc})"}
        entries.append((rel, prov, p))

    def order(e):
        p = e[2]
        prof = p.get("profile")
        rank = PROFILE_ORDER.index(prof) if prof in PROFILE_ORDER else len(PROFILE_ORDER)
        return (prof not in PROFILE_ORDER, p.get("study") or "", rank, p.get("key") or "")

    rows = []
    for rel, prov, p in sorted(entries, key=order):
        commit = ((p.get("git") or {}).get("commit") or "?")[:12]
        outs = ", ".join(f"[{o}]({rel}/{o})" for o in p.get("outputs", []) if o.endswith((".md", ".png")))
        label = (p.get("study") or rel) + (f" ({p['key']})" if p.get("key") else "")
        rows.append(f"| [{label}]({rel}/) | **{p.get('profile')}** | "
                    f"{(p.get('finished') or p.get('started') or '?')[:19]} | `{commit}` | "
                    f"{p.get('device_name', '?')} | {p.get('status')} | {outs} |")
    text = ("# fusionkit reports\n\n<!-- regenerated by fusionkit.report.write_index; do not edit -->\n\n"
            "One folder per profile (`paper/`, `quick/`; `smoke/` is never committed), one sub-folder per "
            "study with its tables (CSV + Markdown), figures (PNG), executed notebooks and provenance. "
            "Each study is listed with its best available profile first. Only `paper`-profile results "
            "are reproductions; `quick` results show how far a CPU-sized run gets, `smoke` tests the code "
            "path.\n\n"
            "| study | profile | finished (UTC) | commit | device | status | outputs |\n"
            "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n")
    return atomic_write_text(root / "index.md", text)
