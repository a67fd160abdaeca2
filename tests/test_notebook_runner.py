"""Papermill runner and `fusionkit reproduce`: overrides checked against the study config, per-profile
report folders, failed notebooks marked in their provenance, data checked before any notebook."""
import json
import os
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


def _outputs(path):
    return [o for c in nbformat.read(path, 4).cells for o in c.get("outputs", [])]


def _text(path):
    return "".join(o.get("text", "") for o in _outputs(path))


def test_kernel_shows_figures_inline_whatever_the_callers_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # as `make test` and .ci/run export it
    body = ("import matplotlib\nimport matplotlib.pyplot as plt\nprint('BACKEND', matplotlib.get_backend())\n"
            "fig, ax = plt.subplots()\nax.plot([0, 1], [1, 0])")
    out = run_notebook(_notebook(tmp_path / "09_fig.ipynb", body), "quick", reports_root=tmp_path / "r", progress=False)
    assert "BACKEND module://matplotlib_inline.backend_inline" in _text(out)
    assert any("image/png" in o.get("data", {}) for o in _outputs(out))
    assert os.environ["MPLBACKEND"] == "Agg"  # the caller's environment is restored


def test_executed_notebook_keeps_no_progress_bar_redraws(tmp_path, monkeypatch):
    monkeypatch.delenv("TQDM_MININTERVAL", raising=False)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    body = ("import os, time\nfrom tqdm.auto import tqdm\nfrom tqdm import tqdm as std_tqdm\nprint('BEFORE')\n"
            "for _ in tqdm(range(300), desc='auto'): time.sleep(0.001)\n"
            # as fusionkit's trainer and evaluation do: an explicit disable=False
            "for _ in std_tqdm(range(300), desc='explicit', disable=False, mininterval=0): time.sleep(0.001)\n"
            "print('AFTER', os.environ.get('TQDM_MININTERVAL'))")
    nb = _notebook(tmp_path / "08_bars.ipynb", body)
    out = run_notebook(nb, "quick", reports_root=tmp_path / "reports", progress=False)
    text = _text(out)
    assert "BEFORE" in text and "AFTER 30" in text  # the prints are kept
    assert "\r" not in text and "it/s" not in text and "300/300" not in text and "IProgress" not in text
    assert not [o for o in _outputs(out) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert "TQDM_MININTERVAL" not in os.environ and "TQDM_DISABLE" not in os.environ  # restored
    monkeypatch.setenv("TQDM_MININTERVAL", "2")  # the user's own setting wins
    out = run_notebook(nb, "quick", reports_root=tmp_path / "reports", progress=False)
    assert "AFTER 2" in _text(out)
    import inspect

    import tqdm.std

    from fusionkit.notebook_runner import _DISABLE_POS  # a positional disable is forced too

    assert list(inspect.signature(tqdm.std.tqdm.__init__).parameters)[1 + _DISABLE_POS] == "disable"


def test_the_callers_own_progress_bars_are_left_alone(tmp_path):
    nb = _notebook(tmp_path / "07_demo.ipynb", "print('ran')")
    code = ("import io\nfrom fusionkit.notebook_runner import run_notebook\n"
            f"run_notebook({str(nb)!r}, 'quick', reports_root={str(tmp_path / 'r')!r}, progress=True)\n"
            "from tqdm import tqdm\nbar = tqdm(range(3), file=io.StringIO())\n"
            "print('DISABLED', bar.disable, 'MININTERVAL', bar.mininterval)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       env={k: v for k, v in os.environ.items() if not k.startswith("TQDM_")})
    assert r.returncode == 0, r.stderr[-3000:]
    assert "DISABLED False MININTERVAL 0.1" in r.stdout
    assert "Executing" in r.stderr  # papermill's bar


def test_tidy_outputs_keeps_the_last_state_of_a_redrawn_line(tmp_path):
    from fusionkit.notebook_runner import tidy_outputs

    nb = nbformat.v4.new_notebook()
    stream = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("train()")
    cell.outputs = [stream("stream", name="stdout", text="epoch 1\n"),
                    stream("stream", name="stderr", text="\r  0%|  | 0/300\r 50%|# | 150/300"),
                    stream("stream", name="stderr", text="\r100%|##| 300/300\n"),
                    stream("stream", name="stderr", text="\r 10%|  | 3/30\r" + " " * 20 + "\r"),  # leave=False
                    nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"}),
                    stream("stream", name="stdout", text="loss 0.5\ndone\n")]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "x.ipynb")
    assert tidy_outputs(tmp_path / "x.ipynb")
    outs = nbformat.read(tmp_path / "x.ipynb", 4).cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outs] == [
        ("stream", "stdout", "epoch 1\n"), ("stream", "stderr", "100%|##| 300/300\n"),
        ("display_data", None, None), ("stream", "stdout", "loss 0.5\ndone\n")]
    assert not tidy_outputs(tmp_path / "x.ipynb")  # nothing left to tidy


def test_unknown_profile_suggests_the_close_match(tmp_path, capsys):
    from fusionkit.cli import main

    with pytest.raises(ValueError, match=r"unknown profile 'quik' \(did you mean 'quick'\?\); valid: smoke, quick, paper"):
        run_notebook("00_data.ipynb", "quik", reports_root=tmp_path, progress=False)
    with pytest.raises(ValueError, match="did you mean 'paper'"):
        reproduce(["data"], profile="papr", progress=False)
    with pytest.raises(SystemExit) as ei:
        main(["run", "00_data.ipynb", "--profile", "quik", "--reports", str(tmp_path)])
    assert ei.value.code == 2 and "did you mean 'quick'?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["reproduce", "--profile", "huge"])
    err = capsys.readouterr().err
    assert "unknown profile 'huge'; valid: smoke, quick, paper" in err and "did you mean" not in err
    assert not list(tmp_path.rglob("*.ipynb"))  # nothing ran


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
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['epochs'\].*valid: seed,.* scan_limit"):
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
