"""Shared fixtures. Data-backed tests need the real data (FUSIONKIT_DATA_DIR); without it they
skip locally and fail in CI (CI=true), so CI can never pass by skipping them."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def manifest():
    from fusionkit.data import load_manifest

    return load_manifest(ROOT / "data_manifest.yaml")


def _missing_data(manifest, names):
    from fusionkit.data import verify_entry

    missing = []
    for n in names:
        e = manifest[n]
        f = e.files[0]
        if not e.local_path(f.path).is_file():
            missing.append(n)
    return missing


@pytest.fixture(scope="session")
def real_data(manifest):
    """Require the real datasets locally (skip outside CI, fail in CI)."""
    names = [e.name for e in manifest if e.available]
    missing = _missing_data(manifest, names)
    if missing:
        msg = (f"real data not found for {missing[:3]}...: set FUSIONKIT_DATA_DIR "
               f"(e.g. ../shared/data) or run `fusionkit data fetch`")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return manifest


@pytest.fixture(scope="session")
def vifb_fixtures():
    """../shared/fixtures/vifb (FUSIONKIT_FIXTURES_DIR, else beside the data folder)."""
    from fusionkit import paths

    root = Path(os.environ.get("FUSIONKIT_FIXTURES_DIR") or paths.data_dir().parent / "fixtures") / "vifb"
    if not (root / "matlab_metrics.csv").exists():
        msg = f"VIFB fixtures not found at {root}: set FUSIONKIT_FIXTURES_DIR"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return root
