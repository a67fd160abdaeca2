"""Papermill runner and `fusionkit reproduce`: overrides checked against the study config, per-profile
report folders, failed notebooks marked in their provenance, data checked before any notebook."""
import json
import subprocess
import sys

import nbformat
import pytest

from fusionkit.notebook_runner import NotebookFailed, parse_value, reproduce, run_notebook


def test_parse_value():
    assert parse_value("3") == 3 and parse_value("0.5") == 0.5 and parse_value("null") is None
    assert parse_value("abc") == "abc" and parse_value("[1, 2]") == [1, 2]


def _notebook(path, body, params='profile = "smoke"\noverrides = {}'):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_run_notebook_injects_profile_and_overrides(tmp_path):
    nb = _notebook(tmp_path / "07_demo.ipynb", "print(f'RESULT {profile} {overrides[\"n\"] * 2}')")
    out = run_notebook(nb, "quick", {"n": 21}, reports_root=tmp_path / "reports", progress=False)
    assert out == tmp_path / "reports" / "quick" / "demo" / "07_demo.ipynb"
    text = "".join(o.get("text", "") for c in nbformat.read(out, 4).cells for o in c.get("outputs", []))
    assert "RESULT quick 42" in text


def test_kernel_progress_bars_refresh_rarely_and_the_environment_is_restored(tmp_path, monkeypatch):
    import os

    monkeypatch.delenv("TQDM_MININTERVAL", raising=False)
    nb = _notebook(tmp_path / "08_bars.ipynb", "from tqdm.auto import tqdm\nprint('MIN', tqdm(range(2)).mininterval)")
    out = run_notebook(nb, "quick", reports_root=tmp_path / "reports", progress=False)
    text = "".join(o.get("text", "") for c in nbformat.read(out, 4).cells for o in c.get("outputs", []))
    assert "MIN 30.0" in text and "TQDM_MININTERVAL" not in os.environ
    monkeypatch.setenv("TQDM_MININTERVAL", "2")  # the user's own setting wins
    out = run_notebook(nb, "quick", reports_root=tmp_path / "reports", progress=False)
    assert "MIN 2.0" in "".join(o.get("text", "") for c in nbformat.read(out, 4).cells for o in c.get("outputs", []))


def test_failing_notebook_reports_cell_and_marks_provenance_failed(tmp_path):
    body = ("from fusionkit.report import Report\n"
            "r = Report.start('bad', {'profile': profile}, notebook='05_bad.ipynb')\n"
            "x = 1\nraise KeyError('no such pair')")
    nb = _notebook(tmp_path / "05_bad.ipynb", body)
    with pytest.raises(NotebookFailed) as ei:
        run_notebook(nb, "quick", reports_root=tmp_path / "r", progress=False)
    msg = str(ei.value)
    assert "05_bad.ipynb" in msg and "raise KeyError" in msg and "no such pair" in msg
    cell = ei.value.cell  # papermill's index in the executed notebook (its injected-parameters cell counts)
    prov = json.loads((tmp_path / "r" / "quick" / "bad" / "provenance-05_bad.json").read_text())
    assert prov["status"].startswith(f"failed: cell {cell}: KeyError") and "no such pair" in prov["status"]
    assert f"failed: cell {cell}" in (tmp_path / "r" / "index.md").read_text()


def test_overrides_are_checked_against_the_study_config_before_running(tmp_path):
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['epochs'\].*valid: seed, scan_limit"):
        run_notebook("00_data.ipynb", "smoke", {"epochs": 3}, reports_root=tmp_path, progress=False)
    with pytest.raises(ValueError, match="samples_per_task: 'many' is not a valid int"):
        run_notebook("00_data.ipynb", "smoke", {"samples_per_task": "many"}, reports_root=tmp_path, progress=False)
    assert not list(tmp_path.rglob("*.ipynb"))  # nothing ran
    nb = _notebook(tmp_path / "old.ipynb", "pass", params='profile = "smoke"\nn = None')
    with pytest.raises(ValueError, match="must declare `profile` and `overrides`"):
        run_notebook(nb, "smoke", reports_root=tmp_path, progress=False)


def test_reproduce_rejects_unknown_paper_and_profile():
    with pytest.raises(ValueError, match="valid: data, didfuse"):
        reproduce(["nosuchpaper"], progress=False)
    with pytest.raises(ValueError, match="valid: smoke, quick, paper"):
        reproduce(["data"], profile="huge", progress=False)


def test_cli_reproduce_smoke_goes_to_the_ignored_smoke_folder(tmp_path, real_data):
    r = subprocess.run([sys.executable, "-m", "fusionkit.cli", "reproduce", "--profile", "smoke",
                        "--paper", "data", "--reports", str(tmp_path), "-p", "samples_per_task", "1"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    d = tmp_path / "smoke" / "data"
    for f in ("datasets.csv", "datasets.md", "samples.png", "provenance-00_data.json", "00_data.ipynb"):
        assert (d / f).exists(), f
    prov = json.loads((d / "provenance-00_data.json").read_text())
    assert prov["profile"] == "smoke" and prov["status"] == "ok" and prov["params"]["samples_per_task"] == 1
    assert (tmp_path / "smoke" / "index.md").exists() and not (tmp_path / "index.md").exists()
    executed = nbformat.read(d / "00_data.ipynb", 4)
    assert any(o.get("output_type") == "display_data" or "data" in o for c in executed.cells
               for o in c.get("outputs", []))  # tables shown inline


def test_reproduce_stops_or_keeps_going_after_a_failure(tmp_path, monkeypatch, real_data):
    import fusionkit.notebook_runner as runner
    import fusionkit.studies as studies
    from fusionkit.registry import Registry

    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "01_bad.ipynb", "raise RuntimeError('broken on purpose')")
    _notebook(nbdir / "02_good.ipynb", "print('fine')")
    reg = Registry("study")
    reg.register("bad")(studies.StudyInfo("bad", "data", ("01_bad.ipynb",), "b"))
    reg.register("good")(studies.StudyInfo("good", "data", ("02_good.ipynb",), "g"))
    monkeypatch.setattr(studies, "STUDIES", reg)
    monkeypatch.setattr(runner, "notebooks_dir", lambda: nbdir)
    stop = reproduce(None, "smoke", keep_going=False, reports_root=tmp_path / "r1", progress=False)
    assert [r.ok for r in stop] == [False] and "broken on purpose" in stop[0].error
    go = reproduce(None, "smoke", keep_going=True, reports_root=tmp_path / "r2", progress=False)
    assert [r.ok for r in go] == [False, True]
    assert (tmp_path / "r2" / "smoke" / "good" / "02_good.ipynb").exists()
