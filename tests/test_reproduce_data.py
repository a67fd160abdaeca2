"""`fusionkit reproduce` on a machine without the data: it fetches what the selected studies need
before any notebook runs, or (offline) stops with one message saying what is missing and how to
provide it."""
import os
import shutil
import socket
import subprocess
import sys

from fusionkit.data import ensure_data, missing_files

from conftest import ENTRY


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket goes: connections are refused


def test_offline_reproduce_stops_before_any_notebook_with_one_message(tmp_path):
    env = {**os.environ, "FUSIONKIT_DATA_DIR": str(tmp_path / "empty"), "FUSIONKIT_WEIGHTS_DIR": str(tmp_path / "w"),
           "FUSIONKIT_REPORTS_DIR": str(tmp_path / "reports")}
    url = f"http://127.0.0.1:{_closed_port()}"
    r = subprocess.run([sys.executable, "-m", "fusionkit.cli", "reproduce", "--paper", "didfuse", "--profile",
                        "smoke", "--base-url", url, "--reports", str(tmp_path / "reports")],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 2, r.stderr[-2000:]
    err = r.stderr.strip()
    assert err.startswith("error: missing data under") and "Traceback" not in err and len(err.splitlines()) == 1
    for name in ("didfuse-tno", "didfuse-flir-train", "didfuse-ijcai"):
        assert name in err
    assert "FUSIONKIT_DATA_DIR" in err and "fusionkit data fetch" in err
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").rglob("*.ipynb"))


def test_ensure_data_fetches_from_a_mirror_and_verifies(served, tmp_path, monkeypatch, real_data):
    root, url = served
    monkeypatch.setenv("FUSIONKIT_DATA_DIR", str(tmp_path / "data"))
    from fusionkit.data import load_manifest

    assert ENTRY in missing_files([load_manifest()[ENTRY]])
    assert ensure_data([ENTRY], base_url=url, progress=False) == [ENTRY]
    assert missing_files([load_manifest()[ENTRY]]) == {}
    assert ensure_data([ENTRY], base_url="http://127.0.0.1:9", progress=False) == []  # present: no network


def test_ensure_data_rejects_a_corrupt_mirror_file(served, tmp_path, monkeypatch, real_data):
    import pytest

    from fusionkit.data import DataUnavailable, load_manifest

    root, url = served
    f = load_manifest()[ENTRY].files[0]
    (root / f.path).write_bytes(b"not the image")
    shutil.rmtree(tmp_path / "data", ignore_errors=True)
    monkeypatch.setenv("FUSIONKIT_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(DataUnavailable, match=f"{ENTRY} \\(21 files\\). Download failed .*checksum mismatch"):
        ensure_data([ENTRY], base_url=url, progress=False)
