"""The transcribed DIDFuse tables: shape, and internal consistency that a typo would break."""
import pytest

from fusionkit import paper_tables

METRICS = ["EN", "SD", "SF", "VIF", "AG", "SCD"]


def test_table3_shape():
    t = paper_tables.load("didfuse", 3)
    assert len(t) == 2 * 6 * 6
    assert sorted(t.dataset.unique()) == ["NIR-Street", "NIR-Urban"]
    assert t.groupby(["dataset", "strategy"]).metric.apply(list).map(sorted).map(tuple).unique().tolist() == [
        tuple(sorted(METRICS))]
    assert (t["std"] > 0).all() and (t["mean"] > 0).all()


def test_table4_ours_column_equals_table3_saliency_cam():
    """The paper's Table IV 'Ours' is its Table III 'Sal-Att & CAM' mean (same model and rule)."""
    t3 = paper_tables.load("didfuse", 3)
    t4 = paper_tables.load("didfuse", 4)
    assert len(t4) == 2 * 5 * 6
    sal = t3[t3.strategy == "saliency+cam"].set_index(["dataset", "metric"])["mean"]
    for _, r in t4.iterrows():
        assert r.ours == pytest.approx(sal[(r.dataset, r.metric)])


def test_table4_larger_value_counts_match_the_papers_overall_row():
    t4 = paper_tables.load("didfuse", 4)
    counts = [(int((g.ours > g.test).sum()), int((g.test > g.ours).sum())) for _, g in t4.groupby("experiment")]
    assert counts == [(12, 0), (10, 2), (11, 1), (9, 3), (12, 0)]  # 'Overall # larger value' row


def test_table5_shape_and_bold_marks_the_maximum():
    t = paper_tables.load("didfuse", 5)
    assert len(t) == 5 * 6 * 9
    assert list(t.dataset.unique()) == ["TNO", "FLIR", "NIR-Country", "NIR-Forest", "NIR-Field"]
    assert t.method.nunique() == 9 and "DIDFuse" in set(t.method)
    for _, g in t.groupby(["dataset", "metric"]):
        assert len(g) == 9
        assert set(g[g["mark"] == "bold"]["value"]) == {g["value"].max()}


def test_unknown_table_names_the_available_ones():
    with pytest.raises(FileNotFoundError, match="didfuse_table3.csv"):
        paper_tables.load("didfuse", 9)


def _paper_text(name: str) -> str:
    import os
    from pathlib import Path

    from fusionkit import paths

    p = paths.data_dir().parent / "papers" / name
    if not p.is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"paper text not found: {p}")
        pytest.skip(f"paper text not found: {p}")
    return Path(p).read_text()


def test_jcae_table1_matches_the_paper_text():
    """Every number of the CSV against the table rows of the paper's text, parsed independently."""
    import re

    t = paper_tables.load("jcae", 1)
    assert len(t) == 10 * 5 and list(t.metric.unique()) == ["MI", "CC", "Qcv", "SCD", "SSIM"]
    text = _paper_text("001_6362801b0cc60012.txt")
    for method, g in t.groupby("method", sort=False):
        line = next(x for x in text.splitlines() if x.startswith(method + "\t"))
        nums = [float(v) for v in re.findall(r"\d+\.\d+", line)]
        want = [v for _, r in g.iterrows() for v in (float(r["mean"]), r["significance"]) if v != ""]
        assert nums == [float(v) for v in want], method
    assert (t[t.method == "Proposed"].significance == "").all()


def test_aenetv2_tables_match_the_paper_text():
    """Tables V-VII of AE-Netv2: each CSV row against the numbers of its line in the paper's text."""
    import re

    lines = _paper_text("004_7c5282c5fbda296f.txt").splitlines()
    t5 = paper_tables.load("aenetv2", 5)
    assert len(t5) == 39 and t5.no.tolist() == list(range(1, 40))
    for _, r in t5.iterrows():
        line = next(x for x in lines if x.startswith(f"{r['no']} {r['method']}"))
        cells = line.split("\t")
        assert cells[4].strip() == r["time_s"] and cells[7].strip() == r["model_size_mb"], r["method"]
    t6 = paper_tables.load("aenetv2", 6)
    flops = next(x for x in lines if x.startswith("Flops\t"))
    params = next(x for x in lines if x.startswith("Parameters\t83,587"))
    assert t6.flops.tolist() == [int(v.replace(",", "")) for v in re.findall(r"[\d,]+", flops)]
    assert t6.parameters.tolist() == [int(v.replace(",", "")) for v in re.findall(r"[\d,]+", params)]
    t7 = paper_tables.load("aenetv2", 7)
    assert t7.architecture.unique().tolist() == ["Regular", "GCB", "Inception", "Separable", "Squeeze",
                                                 "GCB+Inception", "Squeeze+GCB", "Squeeze2+GCB"]
    table7 = lines[next(i for i, x in enumerate(lines) if x.startswith("\tType\tRegular\tGCB")) + 1:][:9]
    for metric, g in t7.groupby("metric", sort=False):
        cells = next(x.split("\t") for x in table7 if metric in x.split("\t")[:2])
        assert [float(v) for v in cells[2:] if v] == g.value.astype(float).tolist(), metric


def test_fmmf_tables_match_the_paper_text():
    """FMMF Tables 1-7: every CSV row against the numbers of its line in the paper's text."""
    import re

    lines = _paper_text("003_c3d5f9f507403807.txt").splitlines()
    sizes = {1: (13, 8), 2: (11, 7), 3: (10, 9), 4: (2, 8), 5: (2, 8), 6: (3, 8), 7: (3, 8)}
    for n, (rows, cols) in sizes.items():
        t = paper_tables.load("fmmf", n)
        assert len(t) == rows * cols, n
        for method, g in t.groupby("method", sort=False):
            cands = [x for x in lines if x.split("\t")[0].strip() == method and len(x.split("\t")) == cols + 1]
            assert len(cands) == 1, (n, method)  # the row's line in the text, found by name and width
            assert [float(v) for v in re.findall(r"\d+\.\d+", cands[0])] == g.value.astype(float).tolist(), (n, method)


def test_fmmf_ablation_chain_links_the_tables():
    """Issue 26: Table 4 Ours-Net = Table 5 Ours(Mean); Table 5 Ours(Var) = Table 6 Concat; Table 6 Mapping =
    Table 7 3-layers = Table 1 Ours (the same trainings reported twice)."""
    row = lambda n, m: paper_tables.load("fmmf", n).query("method == @m").value.astype(float).tolist()  # noqa: E731
    assert row(4, "Ours-Net") == row(5, "Ours(Mean)")
    assert row(5, "Ours(Var)") == row(6, "Concat")
    assert row(6, "Mapping") == row(7, "3-layers") == row(1, "Ours")
