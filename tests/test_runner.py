"""Profiles, papermill runner and `fusionkit reproduce`."""
import ast
import json
import subprocess
import sys

import nbformat
import pytest

from fusionkit import profiles
from fusionkit.runner import NotebookFailed, parse_value, reproduce, run_notebook


def test_resolve_fills_none_from_preset_and_rejects_unknown():
    cfg = profiles.resolve("data", "quick", seed=None, samples_per_task=5)
    assert cfg["samples_per_task"] == 5 and cfg["seed"] == profiles.PRESETS["data"]["quick"]["seed"]
    assert cfg["profile"] == "quick"
    with pytest.raises(ValueError, match="unknown parameter"):
        profiles.resolve("data", "smoke", epochs=3)
    with pytest.raises(ValueError, match="smoke, quick, paper"):
        profiles.resolve("data", "huge")


def test_every_registered_notebook_exists_and_has_parameters():
    import papermill as pm

    from fusionkit.runner import notebooks_dir

    for spec in profiles.NOTEBOOKS:
        path = notebooks_dir() / spec.notebook
        assert path.exists(), path
        declared = pm.inspect_notebook(str(path))
        assert "profile" in declared
        assert declared["profile"]["default"] == '"smoke"'
        nb = nbformat.read(path, as_version=4)
        pcell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assigned = {t.id for node in ast.parse(pcell.source).body if isinstance(node, ast.Assign)
                    for t in node.targets}
        assert set(declared) == assigned, f"papermill cannot parse some parameters of {path.name}"
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit without outputs"


def test_parse_value():
    assert parse_value("3") == 3 and parse_value("0.5") == 0.5 and parse_value("null") is None
    assert parse_value("abc") == "abc" and parse_value("[1, 2]") == [1, 2]


def _notebook(path, body):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('profile = "smoke"\nn = None')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_run_notebook_injects_parameters(tmp_path):
    nb = _notebook(tmp_path / "07_demo.ipynb", "print(f'RESULT {profile} {n * 2}')")
    out = run_notebook(nb, "quick", {"n": 21}, reports_root=tmp_path / "reports", progress=False)
    assert out == tmp_path / "reports" / "demo" / "07_demo.ipynb"
    text = "".join(o.get("text", "") for c in nbformat.read(out, 4).cells for o in c.get("outputs", []))
    assert "RESULT quick 42" in text


def test_failing_notebook_reports_cell_and_error(tmp_path):
    nb = _notebook(tmp_path / "bad.ipynb", "x = 1\nraise KeyError('no such pair')")
    with pytest.raises(NotebookFailed) as ei:
        run_notebook(nb, "smoke", reports_root=tmp_path / "r", progress=False)
    msg = str(ei.value)
    assert "bad.ipynb" in msg and "raise KeyError" in msg and "KeyError" in msg and "no such pair" in msg
    assert ei.value.cell is not None


def test_unknown_parameter_lists_valid_ones(tmp_path):
    nb = _notebook(tmp_path / "p.ipynb", "pass")
    with pytest.raises(ValueError, match="valid: profile, n"):
        run_notebook(nb, "smoke", {"epochs": 3}, reports_root=tmp_path, progress=False)


def test_reproduce_rejects_unknown_paper():
    with pytest.raises(ValueError, match="valid: data"):
        reproduce(["nosuchpaper"], progress=False)


def test_cli_reproduce_smoke_writes_index_and_data_reports(tmp_path, real_data):
    r = subprocess.run([sys.executable, "-m", "fusionkit.cli", "reproduce", "--profile", "smoke",
                        "--paper", "data", "--reports", str(tmp_path)], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / "index.md").exists()
    for f in ("datasets.csv", "datasets.md", "samples.png", "provenance.json", "00_data.ipynb"):
        assert (tmp_path / "data" / f).exists(), f
    prov = json.loads((tmp_path / "data" / "provenance.json").read_text())
    assert prov["profile"] == "smoke" and prov["status"] == "ok"
    assert all(v.get("verified") for v in prov["data"].values())


def test_reproduce_stops_or_keeps_going_after_a_failure(tmp_path, monkeypatch):
    import fusionkit.runner as runner

    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "01_bad.ipynb", "raise RuntimeError('broken on purpose')")
    _notebook(nbdir / "02_good.ipynb", "print('fine')")
    specs = [profiles.NotebookSpec("bad", "01_bad.ipynb", "bad", "b"),
             profiles.NotebookSpec("good", "02_good.ipynb", "good", "g")]
    monkeypatch.setattr(runner, "NOTEBOOKS", specs)
    monkeypatch.setattr(runner, "papers", lambda: ["bad", "good"])
    monkeypatch.setattr(runner, "notebooks_dir", lambda: nbdir)
    stop = reproduce(None, "smoke", keep_going=False, reports_root=tmp_path / "r1", progress=False)
    assert [r.ok for r in stop] == [False] and "broken on purpose" in stop[0].error
    go = reproduce(None, "smoke", keep_going=True, reports_root=tmp_path / "r2", progress=False)
    assert [r.ok for r in go] == [False, True]
    assert (tmp_path / "r2" / "good" / "02_good.ipynb").exists()
