"""The git state of the checkout (recorded in every provenance file and zoo sidecar)."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any


def git_state(root: Path | None = None) -> dict[str, Any]:
    """Commit hash and dirty flag of the checkout (changes under reports/ are not counted)."""
    from . import paths

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
