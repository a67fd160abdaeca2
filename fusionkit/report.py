"""Write study reports: tables (CSV + Markdown), figures (PNG), provenance, the index.

Layout::

    reports/index.md                 every study, its profile, date and commit (regenerated)
    reports/<study>/provenance.json  where the numbers came from
    reports/<study>/<table>.csv|.md  tables; .md starts with the provenance summary
    reports/<study>/<figure>.png     figures

Every write is atomic (temporary file + rename), so an interrupted run never leaves a
half-written report in place of a good one.
"""
from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from . import __version__, paths
from .utils import atomic_path, atomic_write_text

REPRO_NOTE = {
    "smoke": "smoke profile: a test of the code path on a few pairs/steps. NOT a reproduction.",
    "quick": "quick profile: reduced epochs/crops, shows the trend only. NOT a reproduction.",
    "paper": "paper profile: the paper's own hyper-parameters.",
    "benchmark": "benchmark: timings and implementation checks, not a paper result.",
}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def git_state(root: Path | None = None) -> dict[str, Any]:
    """Commit hash and dirty flag of the checkout (changes under reports/ are not counted)."""
    root = root or paths.project_root()
    if root is None:
        return {"commit": None, "dirty": None}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--", ".", ":(exclude)reports"],
                                cwd=root, capture_output=True, text=True, check=True).stdout
        return {"commit": commit, "dirty": bool(status.strip())}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


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


class Study:
    """One study's report folder. Use as a context manager around the run::

        with Study("data", cfg, datasets=["didfuse-tno"]) as st:
            st.table("datasets", df)
            st.figure("samples", fig)
    """

    def __init__(self, name: str, params: dict[str, Any], datasets: Iterable[str] = (),
                 root: str | Path | None = None, notebook: str | None = None,
                 device: Any = None, title: str | None = None, key: str | None = None):
        if "profile" not in params:
            raise ValueError("params must contain 'profile' (use fusionkit.profiles.resolve)")
        self.name, self.params = name, dict(params)
        self.profile = self.params["profile"]
        self.seed = self.params.get("seed")
        self.datasets = list(datasets)
        self.root = Path(root) if root else paths.reports_dir()
        self.dir = self.root / name
        self.notebook, self.device, self.title = notebook, device, title or name
        self.outputs: list[str] = []
        self.key = key  # several runs sharing one folder each keep provenance-<key>.json
        self.started = _now()
        self.git = git_state()

    def __enter__(self) -> "Study":
        self.dir.mkdir(parents=True, exist_ok=True)
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

    def table(self, name: str, df: pd.DataFrame, caption: str | None = None,
              float_fmt: str = ".4g", index: bool = True) -> Path:
        """Write ``<name>.csv`` and ``<name>.md`` (with a provenance line) atomically."""
        self.dir.mkdir(parents=True, exist_ok=True)
        csv = self.dir / f"{name}.csv"
        atomic_write_text(csv, df.to_csv(index=index))
        md_df = df if index else df.reset_index(drop=True)
        atomic_write_text(self.dir / f"{name}.md", self._header(caption) + to_markdown(md_df, float_fmt) + "\n")
        self.outputs += [f"{name}.csv", f"{name}.md"]
        return csv

    def figure(self, name: str, fig: Any, dpi: int = 110) -> Path:
        """Save a matplotlib figure as ``<name>.png`` atomically."""
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self.dir / f"{name}.png"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
        self.outputs.append(f"{name}.png")
        return target

    def provenance(self, status: str = "running") -> dict[str, Any]:
        return {
            "study": self.name, "key": self.key, "title": self.title, "status": status, "profile": self.profile,
            "note": REPRO_NOTE.get(self.profile), "seed": self.seed, "params": self.params,
            "notebook": self.notebook, "git": self.git, **device_info(self.device),
            "python": sys.version.split()[0], "fusionkit": __version__,
            "data": dataset_checksums(self.datasets, verify=True),
            "started": self.started, "finished": _now() if status != "running" else None,
            "outputs": sorted(set(self.outputs)),
        }

    def finish(self, status: str = "ok") -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self.dir / (f"provenance-{self.key}.json" if self.key else "provenance.json")
        atomic_write_text(target, json.dumps(self.provenance(status), indent=2, default=str) + "\n")
        write_index(self.root)
        return target


def write_index(root: str | Path | None = None) -> Path:
    """Regenerate ``reports/index.md`` from every ``<study>/provenance.json`` under ``root``."""
    root = Path(root) if root else paths.reports_dir()
    rows = []
    for prov in sorted(root.glob("*/provenance*.json")):
        try:
            p = json.loads(prov.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            rows.append(f"| {prov.parent.name} | ? | ? | ? | ? | unreadable provenance ({exc}) |")
            continue
        commit = ((p.get("git") or {}).get("commit") or "?")[:12]
        outs = ", ".join(f"[{o}]({prov.parent.name}/{o})" for o in p.get("outputs", []) if o.endswith((".md", ".png")))
        label = p.get("study") + (f" ({prov.stem.split('-', 1)[1]})" if "-" in prov.stem else "")
        rows.append(f"| [{label}]({prov.parent.name}/) | **{p.get('profile')}** | "
                    f"{(p.get('finished') or p.get('started') or '?')[:19]} | `{commit}` | "
                    f"{p.get('device_name', '?')} | {p.get('status')} | {outs} |")
    text = ("# fusionkit reports\n\n<!-- regenerated by fusionkit.report.write_index; do not edit -->\n\n"
            "Each study folder holds its tables (CSV + Markdown), figures (PNG), the executed notebook "
            "and `provenance.json`. Only `paper`-profile results are reproductions; `smoke` and `quick` "
            "results test the code path and show trends.\n\n"
            "| study | profile | finished (UTC) | commit | device | status | outputs |\n"
            "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n")
    return atomic_write_text(root / "index.md", text)
