"""Execute the study notebooks with papermill (``fusionkit run`` / ``fusionkit reproduce``)."""
from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import paths
from .report import index_root, write_index
from .studies.config import PROFILES


PATH_VARS = ("FUSIONKIT_DATA_DIR", "FUSIONKIT_WEIGHTS_DIR", "FUSIONKIT_REPORTS_DIR",
             "FUSIONKIT_MANIFEST", "FUSIONKIT_FIXTURES_DIR", "FUSIONKIT_RUNS_DIR")


class NotebookFailed(RuntimeError):
    def __init__(self, notebook: Path, output: Path, cell: int | None, source: str, error: str):
        self.notebook, self.output, self.cell, self.source, self.error = notebook, output, cell, source, error
        snippet = "\n".join("    " + ln for ln in source.strip().splitlines()[:12])
        super().__init__(f"notebook {notebook} failed in cell {cell}:\n{snippet}\n{error}\n"
                         f"(executed notebook with the traceback: {output})")


def notebooks_dir() -> Path:
    root = paths.project_root()
    if root is None:
        raise FileNotFoundError("notebooks/ not found: run from the fusionkit checkout")
    return root / "notebooks"


def parse_value(text: str) -> Any:
    """Parse a ``-p key value`` value as a YAML scalar (``3`` -> int, ``null`` -> None, ``a`` -> str)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def study_for(notebook: str | Path):
    """The :class:`fusionkit.studies.StudyInfo` a notebook belongs to; a notebook outside the
    catalogue (a user's own) gets a study named after it (``07_demo.ipynb`` -> ``demo``) and no
    config check."""
    from .studies import StudyInfo, study_of

    try:
        return study_of(Path(notebook).name)
    except ValueError:
        stem = re.sub(r"^\d+_", "", Path(notebook).stem)
        return StudyInfo(stem, "", (Path(notebook).name,), stem)


def notebook_parameters(path: Path) -> dict[str, Any]:
    import papermill as pm

    return pm.inspect_notebook(str(path))


def resolve_notebook(notebook: str | Path) -> Path:
    path = Path(notebook)
    if not path.exists() and (notebooks_dir() / path.name).exists():
        path = notebooks_dir() / path.name
    if not path.exists():
        raise FileNotFoundError(f"notebook not found: {notebook}")
    return path


def run_notebook(notebook: str | Path, profile: str = "smoke", overrides: dict[str, Any] | None = None,
                 reports_root: str | Path | None = None, progress: bool = True,
                 timeout: int | None = None) -> Path:
    """Run one notebook with papermill (parameters ``profile`` and ``overrides``, checked against the
    study's config first); the executed copy goes to ``reports/<profile>/<study>/<name>.ipynb``.
    A failing notebook's provenance is marked ``failed: cell N: <error>``."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .report import mark_failed, study_dir

    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; valid: {', '.join(PROFILES)}")
    path = resolve_notebook(notebook)
    overrides = dict(overrides or {})
    declared = notebook_parameters(path)
    if "overrides" not in declared:
        raise ValueError(f"{path.name}: its parameters cell must declare `profile` and `overrides`")
    study = study_for(path)
    if study.module:  # unknown names / wrong types: an error before anything runs
        study.load().config(profile, **overrides)
    root = Path(reports_root) if reports_root else paths.reports_dir()
    out = study_dir(root, profile, study.name) / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = {k: os.environ.get(k) for k in (*PATH_VARS, *KERNEL_DEFAULTS)}
    # the kernel inherits the environment but runs in notebooks/: make every path absolute
    for k in PATH_VARS:
        if os.environ.get(k):
            os.environ[k] = str(Path(os.environ[k]).expanduser().resolve())
    for k, v in KERNEL_DEFAULTS.items():
        os.environ.setdefault(k, v)
    os.environ["FUSIONKIT_REPORTS_DIR"] = str(root.resolve())
    try:
        pm.execute_notebook(str(path), str(out), parameters={"profile": profile, "overrides": overrides},
                            cwd=str(path.parent), progress_bar=progress, kernel_name="python3",
                            execution_timeout=timeout)
    except PapermillExecutionError as exc:
        mark_failed(root, profile, study.name, path.name, f"cell {exc.cell_index}: {exc.ename}: {exc.evalue}")
        raise NotebookFailed(path, out, exc.cell_index, exc.source, f"{exc.ename}: {exc.evalue}") from None
    except Exception as exc:  # kernel died, timeout, ...
        mark_failed(root, profile, study.name, path.name, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out


#: Environment defaults for the notebook kernel (a value already set wins). Every progress-bar refresh
#: is stored in the executed notebook: at tqdm's default of 10 per second a 77-minute render kept
#: several hundred kB of them; tqdm reads ``TQDM_MININTERVAL`` (seconds between refreshes).
KERNEL_DEFAULTS = {"TQDM_MININTERVAL": "30"}


@dataclass
class RunResult:
    study: str
    notebook: str
    ok: bool
    seconds: float
    output: Path | None
    error: str | None = None


def papers() -> list[str]:
    """Study names ``reproduce --paper`` accepts, in run order."""
    from .studies import all_studies

    return [s.name for s in all_studies()]


def required_entries(selected: list[str]) -> list[str]:
    """Manifest entries the selected studies read (``DATASETS`` or ``datasets()`` of each module)."""
    from .studies import STUDIES

    names: list[str] = []
    for s in selected:
        mod = STUDIES.get(s).load()
        ds = getattr(mod, "DATASETS", None)
        names += list(ds if ds is not None else mod.datasets())
    return list(dict.fromkeys(names))


def reproduce(selected: list[str] | None = None, profile: str = "smoke", keep_going: bool = False,
              overrides: dict[str, Any] | None = None, reports_root: str | Path | None = None,
              progress: bool = True, base_url: str | None = None, fetch: bool = True) -> list[RunResult]:
    """Run the notebooks of every study (or of the ``selected`` ones) in order.

    First the data the studies need are checked and, when missing, downloaded (``base_url``: a
    mirror); when that fails :class:`fusionkit.data.DataUnavailable` is raised before any notebook
    runs. ``overrides`` apply to the studies whose config has those names."""
    from tqdm.auto import tqdm

    from .data import ensure_data
    from .studies import STUDIES

    valid = papers()
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; valid: {', '.join(PROFILES)}")
    bad = [s for s in selected or [] if s not in valid]
    if bad:
        raise ValueError(f"unknown paper(s) {bad}; valid: {', '.join(valid)}")
    studies = [STUDIES.get(n) for n in valid if not selected or n in selected]
    ensure_data(required_entries([s.name for s in studies]), base_url=base_url, progress=progress, fetch=fetch)
    jobs = []
    for s in studies:
        valid_keys = {f for f in s.load().Config.__dataclass_fields__}
        ov = {k: v for k, v in (overrides or {}).items() if k in valid_keys}
        jobs += [(s.name, nb, ov) for nb in s.notebooks]
    results: list[RunResult] = []
    root = Path(reports_root) if reports_root else paths.reports_dir()
    bar = tqdm(jobs, desc=f"reproduce ({profile})", unit="notebook", disable=not progress)
    for study, nb, ov in bar:
        bar.set_postfix_str(nb)
        t0 = time.perf_counter()
        try:
            out = run_notebook(notebooks_dir() / nb, profile, ov, root, progress=False)
            results.append(RunResult(study, nb, True, time.perf_counter() - t0, out))
        except Exception as exc:  # report and (optionally) go on
            results.append(RunResult(study, nb, False, time.perf_counter() - t0, getattr(exc, "output", None),
                                     str(exc)))
            print(f"\nFAILED: {exc}", file=sys.stderr)
            if not keep_going:
                break
    write_index(index_root(root, profile))
    return results
