"""Where fusionkit finds its manifest, data, weights and reports.

* data:     ``$FUSIONKIT_DATA_DIR``, else ``<project>/data`` (git-ignored), else ``./data``
* weights:  ``$FUSIONKIT_WEIGHTS_DIR``, else the ``weights`` folder beside the data folder
* reports:  ``$FUSIONKIT_REPORTS_DIR``, else ``<project>/reports``, else ``./reports``
* manifest: ``$FUSIONKIT_MANIFEST``, else ``<project>/data_manifest.yaml``
* runs:     ``$FUSIONKIT_RUNS_DIR``, else ``<project>/runs`` (git-ignored)
* pending:  ``$FUSIONKIT_PENDING_DIR``, else ``<project>/pending`` (tracked: parked interrupted trainings)

``<project>`` is the source checkout that holds this package (``pyproject.toml`` beside
``fusionkit/``), or the first parent of the working directory that holds ``data_manifest.yaml``.
"""
from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path | None:
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists() and (here / "data_manifest.yaml").exists():
        return here
    cwd = Path.cwd().resolve()
    for d in [cwd, *cwd.parents]:
        if (d / "data_manifest.yaml").exists():
            return d
    return None


def _env_path(var: str) -> Path | None:
    v = os.environ.get(var)
    return Path(v).expanduser().resolve() if v else None


def data_dir() -> Path:
    env = _env_path("FUSIONKIT_DATA_DIR")
    if env:
        return env
    root = project_root()
    return (root / "data") if root else Path.cwd() / "data"


def weights_dir() -> Path:
    return _env_path("FUSIONKIT_WEIGHTS_DIR") or data_dir().parent / "weights"


def reports_dir() -> Path:
    env = _env_path("FUSIONKIT_REPORTS_DIR")
    if env:
        return env
    root = project_root()
    return (root / "reports") if root else Path.cwd() / "reports"


def runs_dir() -> Path:
    """Where training runs (checkpoints, logs) live: $FUSIONKIT_RUNS_DIR, else <project>/runs.
    Never committed; a finished run with the same configuration is reused instead of retrained."""
    env = _env_path("FUSIONKIT_RUNS_DIR")
    if env:
        return env
    root = project_root()
    return (root / "runs") if root else Path.cwd() / "runs"


def pending_dir() -> Path:
    """Interrupted long trainings committed so that a session on another machine resumes them:
    $FUSIONKIT_PENDING_DIR, else <project>/pending (tracked; an entry leaves once its model is in the zoo)."""
    env = _env_path("FUSIONKIT_PENDING_DIR")
    if env:
        return env
    root = project_root()
    return (root / "pending") if root else Path.cwd() / "pending"


def manifest_path() -> Path:
    env = _env_path("FUSIONKIT_MANIFEST")
    if env:
        return env
    root = project_root()
    if root is None:
        raise FileNotFoundError(
            "data_manifest.yaml not found: set FUSIONKIT_MANIFEST or run from the fusionkit checkout")
    return root / "data_manifest.yaml"
