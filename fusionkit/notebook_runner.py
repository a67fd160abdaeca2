"""Execute the study notebooks with papermill (``fusionkit run`` / ``fusionkit reproduce``)."""
from __future__ import annotations

import contextlib
import difflib
import os
import re
import subprocess
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


def check_profile(profile: str) -> str:
    """``profile`` itself when it is one of :data:`PROFILES`, else a ValueError naming the valid ones and
    the close match of a typo (``quik``: "did you mean 'quick'?"), worded as the study configs word it."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}{_did_you_mean(profile, PROFILES)}; valid: {', '.join(PROFILES)}")
    return profile


def _did_you_mean(name: Any, valid: Any) -> str:
    close = difflib.get_close_matches(str(name), list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
    import tqdm  # noqa: F401  (tqdm reads TQDM_* once, on import: now, before the kernel's are set)
    from papermill.exceptions import PapermillExecutionError

    from .report import mark_failed, study_dir

    check_profile(profile)
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
    # the kernel (papermill -> nbclient -> jupyter_client) inherits this process's environment: set it
    # for the run, restore it after
    saved = {k: os.environ.get(k) for k in (*PATH_VARS, *KERNEL_DEFAULTS, *KERNEL_ENV)}
    # the kernel runs in notebooks/: make every path absolute
    for k in PATH_VARS:
        if os.environ.get(k):
            os.environ[k] = str(Path(os.environ[k]).expanduser().resolve())
    for k, v in KERNEL_DEFAULTS.items():
        os.environ.setdefault(k, v)
    os.environ.update(KERNEL_ENV)
    os.environ["FUSIONKIT_REPORTS_DIR"] = str(root.resolve())
    try:
        pm.execute_notebook(str(path), str(out), parameters={"profile": profile, "overrides": overrides},
                            cwd=str(path.parent), progress_bar=progress, kernel_name="python3",
                            execution_timeout=timeout,
                            extra_arguments=[f"--IPKernelApp.exec_lines={KERNEL_STARTUP}"])
        tidy_outputs(out)
    except PapermillExecutionError as exc:
        with contextlib.suppress(Exception):
            tidy_outputs(out)
        mark_failed(root, profile, study.name, path.name, f"cell {exc.cell_index}: {exc.ename}: {exc.evalue}")
        raise NotebookFailed(path, out, exc.cell_index, exc.source, f"{exc.ename}: {exc.evalue}") from None
    except Exception as exc:  # kernel died, timeout, ...
        with contextlib.suppress(Exception):
            tidy_outputs(out)
        mark_failed(root, profile, study.name, path.name, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out


#: Environment of the notebook kernel, whatever the caller's (``make test`` and ``.ci/run`` export
#: ``MPLBACKEND=Agg``, with which no executed notebook showed a single figure: they were only saved
#: as PNG): figures inline, and no tqdm progress bar (every refresh of one is an output stored in the
#: executed notebook; tqdm >= 4.66 reads ``TQDM_DISABLE`` as the default of ``disable``, also in the
#: processes a notebook starts).
KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline", "TQDM_DISABLE": "1"}

#: Environment defaults for the notebook kernel (a value already set wins): a bar that is still drawn
#: (a process started by the notebook that passes ``disable=False``) refreshes at most every 30 s.
KERNEL_DEFAULTS = {"TQDM_MININTERVAL": "30"}

#: Run by the kernel before the first cell (ipykernel's ``exec_lines``): see :func:`quiet_progress_bars`.
KERNEL_STARTUP = "import fusionkit.notebook_runner as _fk_runner; _fk_runner.quiet_progress_bars(); del _fk_runner"


def quiet_progress_bars() -> None:
    """Make every tqdm bar of this process draw nothing, whatever its caller passes; run in each kernel
    :func:`run_notebook` starts (``KERNEL_STARTUP``).

    ``TQDM_DISABLE`` alone is not enough: tqdm's environment only changes the *default* of ``disable``,
    and fusionkit (``disable=not progress``) and ``tqdm.notebook`` (``disable=bool(...)``, the bar of
    ``tqdm.auto`` when ipywidgets is installed) always pass it. ``tqdm.auto`` is imported here once with
    tqdm's warnings silenced, so a kernel without ipywidgets shows no "IProgress not found" warning."""
    import warnings
    from functools import wraps

    from tqdm import TqdmWarning, std

    init = std.tqdm.__init__
    if getattr(init, "_fusionkit_quiet", False):
        return

    @wraps(init)
    def quiet_init(self, *args, **kwargs):
        if len(args) > _DISABLE_POS:  # ``disable`` given positionally
            args = (*args[:_DISABLE_POS], True, *args[_DISABLE_POS + 1:])
        else:
            kwargs["disable"] = True
        init(self, *args, **kwargs)

    quiet_init._fusionkit_quiet = True
    std.tqdm.__init__ = quiet_init
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TqdmWarning)
        import tqdm.auto  # noqa: F401


#: index of ``disable`` among the positional parameters of ``tqdm.__init__`` (after ``self``)
_DISABLE_POS = 10

_REDRAWN = re.compile(r".*\r(?=.)")  # a line up to its last carriage return that more text follows


def tidy_outputs(path: str | Path) -> bool:
    """Store a terminal's view of the stream outputs of the executed notebook ``path``: consecutive
    outputs of one stream merged (as Jupyter shows them), each line redrawn after a carriage return (the
    progress bar of a process the notebook started) reduced to its last state, and lines left blank by
    a cleared bar dropped. Everything else (prints, figures, tables) is kept as it is. Returns whether
    the notebook changed."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    changed = False
    for cell in nb.cells:
        if not cell.get("outputs"):
            continue
        merged: list[Any] = []
        for o in cell["outputs"]:
            if (o.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == o.get("name")):
                merged[-1]["text"] += o["text"]
                changed = True
            else:
                merged.append(o)
        for o in merged:
            if o.get("output_type") == "stream" and "\r" in o["text"]:
                o["text"] = _redraws_resolved(o["text"])
                changed = True
        cell["outputs"] = [o for o in merged if o.get("output_type") != "stream" or o["text"]]
    if changed:
        nbformat.write(nb, str(path))
    return changed


def _redraws_resolved(text: str) -> str:
    lines = text.split("\n")
    kept = []
    for i, line in enumerate(lines):
        if "\r" in line:
            line = _REDRAWN.sub("", line)
            if not line.replace("\r", "").strip():  # a bar cleared at its end (``leave=False``)
                if i < len(lines) - 1:
                    continue
                line = ""
        kept.append(line)
    return "\n".join(kept)


def lab_post_save_hook(os_path: str, model: Any = None, contents_manager: Any = None, **_: Any) -> None:
    """JupyterLab's post-save hook (`make lab` sets ``ContentsManager.post_save_hook`` to it): see
    :func:`refresh_git_index`. Never raises: a failing hook would fail the save."""
    with contextlib.suppress(Exception):
        refresh_git_index(os_path)


def refresh_git_index(path: str | Path) -> bool:
    """Let ``git status`` see a notebook saved with new outputs as unmodified.

    Git's clean filter (.gitattributes, tools/setup_git_filters.sh) strips the outputs, but ``git status``
    takes a file whose size differs from the one recorded in the index for modified without running the
    filter. When the file, filtered, is exactly what the index holds, this records its new size and time
    there (``git update-index``; the stored content stays the same). A file with any other change, an
    untracked file or one outside a git checkout is left alone: nothing is ever staged. Returns whether
    the index was updated."""
    p = Path(path).resolve()

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=p.parent, capture_output=True, text=True, timeout=60)

    staged = git("ls-files", "--stage", "--", p.name)
    if staged.returncode or not staged.stdout.strip():
        return False
    blob = staged.stdout.split()[1]
    filtered = git("hash-object", "--", p.name)  # through the clean filter of p's path
    if filtered.returncode or filtered.stdout.strip() != blob:
        return False
    return git("update-index", "--", p.name).returncode == 0


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
    check_profile(profile)
    bad = [s for s in selected or [] if s not in valid]
    if bad:
        raise ValueError(f"unknown paper(s) {bad}{_did_you_mean(bad[0], valid)}; valid: {', '.join(valid)}")
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
