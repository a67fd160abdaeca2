"""Report writing: paper-vs-ours tables, atomic writes, provenance and the index."""
import json

import numpy as np
import pandas as pd
import pytest

from fusionkit.report import Report, Table, compare_with_paper, mark_failed
from fusionkit.files import atomic_path, atomic_write_text


def test_compare_with_paper_by_hand():
    ours = pd.DataFrame({"EN": [7.0, 6.5], "SD": [40.0, 35.0]}, index=pd.Index(["A", "B"], name="method"))
    paper = pd.DataFrame({"EN": [6.8, 6.0], "VIF": [0.9, 0.7]}, index=["A", "C"])
    t = compare_with_paper(ours, paper)
    assert list(t.index) == ["A", "C", "B"]  # the paper's rows in its order, then ours it lacks
    assert t.loc["A", "EN (Δ)"] == pytest.approx(0.2)
    assert np.isnan(t.loc["B", "EN (paper)"]) and np.isnan(t.loc["C", "EN (ours)"])
    assert np.isnan(t.loc["A", "VIF (ours)"]) and t.loc["C", "VIF (paper)"] == 0.7
    assert list(t.columns[:3]) == ["EN (ours)", "EN (paper)", "EN (Δ)"]


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "t.txt"
    atomic_write_text(target, "good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert target.read_text() == "good"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_write_gives_umask_mode_not_0600(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        target = atomic_write_text(tmp_path / "r.md", "x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644  # readable by others, like a plain open()


def test_report_writes_tables_figure_provenance_and_index(tmp_path, real_data):
    import matplotlib.pyplot as plt

    params = {"profile": "quick", "seed": 3, "pairs": 2}
    rep = Report.start("demo", params, datasets=["didfuse-tno"], root=tmp_path, notebook="x.ipynb")
    d = tmp_path / "quick" / "demo"
    running = json.loads((d / "provenance-x.json").read_text())
    assert running["status"] == "running" and running["finished"] is None
    assert "| running |" in (tmp_path / "index.md").read_text()
    rep.table("scores", pd.DataFrame({"EN": [1.5]}, index=["m"]), caption="Scores")
    rep.tables({"flat": Table(pd.DataFrame({"EN": [2.5]}), "Flat", index=False)})
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    assert rep.figure("curve", fig) is None  # a notebook cell ending with it shows the figure, no path
    plt.close(fig)
    rep.finish()
    assert (d / "scores.csv").read_text().startswith(",EN")
    assert (d / "flat.csv").read_text().startswith("EN\n") and "| 0 " not in (d / "flat.md").read_text()
    md = (d / "scores.md").read_text()
    assert "profile **quick**" in md and "NOT a reproduction" in md and "| m " in md
    assert (d / "curve.png").read_bytes()[:4] == b"\x89PNG"
    prov = json.loads((d / "provenance-x.json").read_text())
    for key in ("git", "profile", "params", "device_name", "torch", "seed", "data", "started", "finished"):
        assert key in prov
    assert prov["params"] == params and prov["seed"] == 3 and prov["status"] == "ok"
    assert prov["data"]["didfuse-tno"]["verified"] is True
    assert len(prov["data"]["didfuse-tno"]["manifest_sha256"]) == 64
    assert sorted(prov["outputs"]) == ["curve.png", "flat.csv", "flat.md", "scores.csv", "scores.md"]
    idx = (tmp_path / "index.md").read_text()
    assert "[demo (x)](quick/demo/)" in idx and "**quick**" in idx and "| ok |" in idx


def test_config_dataclass_is_recorded(tmp_path):
    from fusionkit.studies import data

    cfg = data.config("paper", samples_per_task=1)
    rep = Report.start("data", cfg, root=tmp_path, notebook="00_data.ipynb")
    prov = json.loads(rep.provenance_path.read_text())
    assert prov["params"]["samples_per_task"] == 1 and prov["profile"] == "paper"
    assert rep.dir == tmp_path / "paper" / "data"


def test_failed_script_and_failed_notebook_are_marked(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with Report("boom", {"profile": "quick"}, root=tmp_path):
            1 / 0
    prov = json.loads((tmp_path / "quick" / "boom" / "provenance.json").read_text())
    assert prov["status"].startswith("failed: ZeroDivisionError")
    Report.start("nb", {"profile": "paper"}, root=tmp_path, notebook="12_nb.ipynb")
    mark_failed(tmp_path, "paper", "nb", "12_nb.ipynb", "cell 4: KeyError: 'x'")
    prov = json.loads((tmp_path / "paper" / "nb" / "provenance-12_nb.json").read_text())
    assert prov["status"] == "failed: cell 4: KeyError: 'x'" and prov["profile"] == "paper"
    assert "failed: cell 4" in (tmp_path / "index.md").read_text()


def test_index_best_profile_first_and_smoke_kept_apart(tmp_path):
    for name, prof in [("a", "quick"), ("a", "paper"), ("b", "quick"), ("benchmarks", "benchmark")]:
        Report(name, {"profile": prof}, root=tmp_path).finish()
    Report("a", {"profile": "smoke"}, root=tmp_path).finish()
    text = (tmp_path / "index.md").read_text()
    assert text.index("[a](paper/a/)") < text.index("[a](quick/a/)") < text.index("[b](quick/b/)")
    assert text.index("[b](quick/b/)") < text.index("[benchmarks](benchmarks/)")
    assert "smoke" not in text.split("| --- |")[-1]  # no smoke row in the committed index
    assert "[a](a/) | **smoke**" in (tmp_path / "smoke" / "index.md").read_text()


def test_report_requires_profile(tmp_path):
    with pytest.raises(ValueError, match="profile"):
        Report("x", {"seed": 1}, root=tmp_path)


def test_report_add_writes_a_sections_tables_and_figures_and_stamps_smoke_figures(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from fusionkit.report import Report, Section, Table, not_run

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    sec = Section("T", {"t1": Table(pd.DataFrame({"a": [1]}), "cap", False), "t1_per_pair": pd.DataFrame({"b": [2]})},
                  {"f1": fig}, "one finding")
    rep = Report("s", {"profile": "smoke", "seed": 0}, root=tmp_path)
    assert rep.add(sec) is sec
    d = tmp_path / "smoke" / "s"
    assert {p.name for p in d.iterdir()} >= {"t1.csv", "t1.md", "t1_per_pair.csv", "f1.png"}
    assert any(t.get_gid() == "smoke-note" and "smoke" in t.get_text() for t in fig.texts)  # says so
    assert sec.shown() == ["t1"] and "one finding" in sec._repr_markdown_()
    with pytest.raises(KeyError, match="has no table 'x'"):
        sec["x"]
    with pytest.raises(TypeError, match="Section"):
        rep.add({"t": sec.tables["t1"]})
    nr = not_run("Fig. 8", "fig8_numbers", "single_task_net is None")
    assert nr.finding.startswith("Not run") and list(nr["fig8_numbers"].df.columns) == ["not run"]


def test_compare_with_paper_keeps_the_papers_order_and_adds_relative_delta():
    from fusionkit.report import compare_with_paper

    ours = pd.DataFrame({"SD": [33.0], "EN": [6.6]}, index=["x"])
    paper = pd.DataFrame({"EN": [6.0], "SD": [30.0]}, index=["x"])
    t = compare_with_paper(ours, paper)
    assert list(t.columns[:4]) == ["EN (ours)", "EN (paper)", "EN (Δ)", "EN (Δ %)"]
    assert t.loc["x", "SD (Δ %)"] == pytest.approx(10.0) and t.loc["x", "EN (Δ %)"] == pytest.approx(10.0)


def test_inline_png_caps_the_longer_side():
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    from fusionkit.report.section import inline_png

    fig, ax = plt.subplots(figsize=(20, 10), dpi=150)  # 3000 x 1500 px at full dpi
    ax.imshow(np.random.default_rng(0).random((50, 100)))
    small = Image.open(io.BytesIO(inline_png(fig, max_px=600)))
    assert max(small.size) <= 600 + 10  # bbox_inches='tight' may add a few pixels of padding
    fig2, _ = plt.subplots(figsize=(2, 1), dpi=100)  # already small: the figure's own dpi
    buf = io.BytesIO()
    fig2.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    assert Image.open(io.BytesIO(inline_png(fig2, max_px=600))).size == Image.open(buf).size
    plt.close("all")
