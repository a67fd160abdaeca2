"""Report writing: paper-vs-ours tables, atomic writes, provenance and the index."""
import json

import numpy as np
import pandas as pd
import pytest

from fusionkit.report import Study, compare_with_paper, write_index
from fusionkit.utils import atomic_path, atomic_write_text


def test_compare_with_paper_by_hand():
    ours = pd.DataFrame({"EN": [7.0, 6.5], "SD": [40.0, 35.0]}, index=pd.Index(["A", "B"], name="method"))
    paper = pd.DataFrame({"EN": [6.8, 6.0], "VIF": [0.9, 0.7]}, index=["A", "C"])
    t = compare_with_paper(ours, paper)
    assert list(t.index) == ["A", "B", "C"]
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


def test_study_writes_tables_figure_provenance_and_index(tmp_path, real_data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    params = {"profile": "smoke", "seed": 3, "pairs": 2}
    with Study("demo", params, datasets=["didfuse-tno"], root=tmp_path, notebook="x.ipynb") as st:
        st.table("scores", pd.DataFrame({"EN": [1.5]}, index=["m"]), caption="Scores")
        fig, ax = plt.subplots()
        ax.plot([0, 1])
        st.figure("curve", fig)
    d = tmp_path / "demo"
    assert (d / "scores.csv").read_text().startswith(",EN")
    md = (d / "scores.md").read_text()
    assert "profile **smoke**" in md and "NOT a reproduction" in md and "| m " in md
    assert (d / "curve.png").read_bytes()[:4] == b"\x89PNG"
    prov = json.loads((d / "provenance.json").read_text())
    for key in ("git", "profile", "params", "device_name", "torch", "seed", "data", "started", "finished"):
        assert key in prov
    assert prov["params"] == params and prov["seed"] == 3 and prov["status"] == "ok"
    assert prov["data"]["didfuse-tno"]["verified"] is True
    assert len(prov["data"]["didfuse-tno"]["manifest_sha256"]) == 64
    idx = (tmp_path / "index.md").read_text()
    assert "[demo](demo/)" in idx and "**smoke**" in idx


def test_failed_study_is_marked(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with Study("boom", {"profile": "quick"}, root=tmp_path):
            1 / 0
    prov = json.loads((tmp_path / "boom" / "provenance.json").read_text())
    assert prov["status"].startswith("failed: ZeroDivisionError")


def test_index_lists_every_study(tmp_path):
    for name, prof in [("a", "smoke"), ("b", "paper")]:
        Study(name, {"profile": prof}, root=tmp_path).finish()
    text = write_index(tmp_path).read_text()
    assert "[a](a/) | **smoke**" in text and "[b](b/) | **paper**" in text


def test_study_requires_profile(tmp_path):
    with pytest.raises(ValueError, match="profile"):
        Study("x", {"seed": 1}, root=tmp_path)
