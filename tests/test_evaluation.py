"""fusionkit.evaluation: tidy scoring, aggregations (hand cases), paired tests."""
import numpy as np
import pandas as pd
import pytest
import torch

from fusionkit import evaluation as E


def test_mean_std_over_runs_hand_case():
    # run 0: pairs 1, 3 -> mean 2;  run 1: pairs 5, 7 -> mean 6;  mean 4, std (ddof 1) = sqrt(8)
    df = pd.DataFrame({"strategy": ["s"] * 4, "run": [0, 0, 1, 1], "EN": [1.0, 3.0, 5.0, 7.0]})
    out = E.mean_std_over_runs(df, ["strategy"], metrics=["EN"])
    assert out.loc["s", ("mean", "EN")] == pytest.approx(4.0)
    assert out.loc["s", ("std", "EN")] == pytest.approx(np.sqrt(8.0))
    assert out.loc["s", ("runs", "")] == 2
    one = E.mean_std_over_runs(df[df.run == 0], ["strategy"], metrics=["EN"])
    assert np.isnan(one.loc["s", ("std", "EN")])
    assert E.pm(one["mean"], one["std"], 2).loc["s", "EN"] == "2.00"
    assert E.pm(out["mean"], out["std"], 2).loc["s", "EN"] == "4.00 ± 2.83"


def test_larger_value_counts_ignores_ties_and_follows_direction():
    ours, test = pd.Series([1.0, 2.0, 3.0, 4.0]), pd.Series([0.5, 2.0, 3.5, 1.0])
    assert E.larger_value_counts(ours, test) == (2, 1)
    # last metric lower-is-better: 4 vs 1 is now a loss for ours
    assert E.larger_value_counts(ours, test, [True, True, True, False]) == (1, 2)


def test_quantize_and_pair_metrics_follow_the_saved_8bit_image():
    f = torch.tensor([[0.0, 0.5], [1.0, 0.2]])
    assert E.quantize(f).tolist() == [[0.0, 128.0], [255.0, 51.0]]
    g = torch.rand(16, 16, generator=torch.Generator().manual_seed(0))
    sd = E.pair_metrics(g, g, g, ["SD"])["SD"]
    assert sd == pytest.approx(np.std(E.quantize(g)), rel=1e-6)


def test_paired_tests_against_scipy_by_hand():
    from scipy import stats

    rows = []
    ref, oth = [5.0, 6.0, 7.5, 8.0], [4.0, 6.5, 6.0, 7.0]
    for i, (x, y) in enumerate(zip(ref, oth)):
        rows += [{"dataset": "T", "method": "ours", "pair": str(i), "EN": x},
                 {"dataset": "T", "method": "avg", "pair": str(i), "EN": y}]
    t = E.paired_tests(pd.DataFrame(rows), "ours", ["EN"])
    assert len(t) == 1 and t.iloc[0].method == "avg"
    assert t.iloc[0].mean_diff == pytest.approx(np.mean(np.subtract(ref, oth)))
    assert t.iloc[0].p == pytest.approx(stats.ttest_rel(ref, oth).pvalue)


def test_mark_best_uses_each_metrics_direction():
    t = pd.DataFrame({"EN": [7.0, 6.0, 5.0], "RMSE": [3.0, 1.0, 2.0]}, index=["a", "b", "c"])
    m = E.mark_best(t, "{:.1f}")
    assert m.loc["a", "EN"] == "**7.0**" and m.loc["b", "EN"] == "_6.0_"
    assert m.loc["b", "RMSE"] == "**1.0**" and m.loc["c", "RMSE"] == "_2.0_"


def test_score_is_tidy_and_keeps_images(real_data):
    from fusionkit import methods

    fusers = {"avg": E.method_fuser(methods.get("avg")), "max": E.method_fuser(methods.get("max"))}
    df, kept = E.score(fusers, {"TNO": ("didfuse-tno", "test")}, ["EN", "SD"], limit=2, keep=1, progress=False)
    assert list(df.columns) == ["dataset", "method", "pair", "EN", "SD"]
    assert len(df) == 4 and set(df.method) == {"avg", "max"}
    assert set(kept) == {("TNO", "avg"), ("TNO", "max")} and len(kept[("TNO", "avg")]) == 1
    img = next(iter(kept[("TNO", "max")].values()))
    row = df[(df.method == "max")].iloc[0]
    assert row.SD == pytest.approx(float(np.std(img)), rel=1e-9)


def test_run_effects_welch_by_hand_and_directions():
    # reference runs: pair means 1, 2, 3 (mean 2, var 1); variant runs 4, 5, 6 (mean 5, var 1):
    # Welch t = (2 - 5) / sqrt(1/3 + 1/3) = -3.674, df = 4 -> two-sided p = 0.02131
    rows = []
    for g, vals in (("full", [1, 2, 3]), ("ablated", [4, 5, 6])):
        for run, v in enumerate(vals):
            rows += [{"ablation": g, "run": run, "pair": k, "EN": v + d, "SD": 10.0} for k, d in enumerate((-1, 1))]
    per_pair = pd.DataFrame(rows)
    reported = pd.DataFrame({"ablation": ["ablated"] * 4, "metric": ["EN", "EN", "SD", "SD"],
                             "reference": [7.0, 7.0, 50.0, 50.0], "variant": [6.0, 8.0, 40.0, 45.0]})
    eff = E.run_effects(per_pair, "ablation", "full", ["EN", "SD"], reported).set_index("metric")
    en, sd = eff.loc["EN"], eff.loc["SD"]
    assert en["reference"] == 2 and en["variant"] == 5 and en["difference"] == -3 and en["direction"] == -1
    assert abs(en["p (Welch)"] - 0.02131) < 5e-5 and en["runs"] == "3/3"
    assert en["reported direction"] == "+1/-1" and en["agrees"] == "some"
    assert sd["direction"] == 0 and np.isnan(sd["p (Welch)"]) and sd["agrees"] == "none"


def test_score_takes_named_subsets_and_fuses_sequences_first_with_last(real_data):
    from fusionkit.evaluation import open_set

    seen = []

    def fuse(a, b):
        seen.append((a.clone(), b.clone()))
        return (a + b) / 2

    df, _ = E.score({"avg": fuse}, {"ME": ("ifcnn-me", None, ("chair",))}, ["EN"], progress=False)
    assert list(df["pair"]) == ["chair"]
    srcs = open_set("ifcnn-me", None, ("chair",))[0]["sources"]
    assert torch.equal(seen[0][0][0], srcs[0]) and torch.equal(seen[0][1][0], srcs[-1]) and len(srcs) == 5
    with pytest.raises(ValueError, match="no pair"):
        open_set("cddfuse-mri-ct", None, ("nope",))


# ----------------------------------------------------------------------------- the comparison helpers
def _frame():
    import pandas as pd

    rows = [{"dataset": "D", "method": m, "pair": p, "EN": v + 0.1 * p, "Qcv": 10 - v}
            for m, v in (("a", 2.0), ("b", 1.0)) for p in range(4)]
    rows.append({"dataset": "D", "method": "c", "pair": 0, "EN": 9.0, "Qcv": 0.0})  # scored on one pair only
    return pd.DataFrame(rows)


def test_on_common_pairs_keeps_the_pairs_every_method_has():
    from fusionkit.evaluation import on_common_pairs

    out = on_common_pairs(_frame())
    assert sorted(out.pair.unique()) == [0] and sorted(out.method) == ["a", "b", "c"]


def test_comparison_means_pairs_best_and_ttests():
    import pytest

    from fusionkit.evaluation import comparison

    c = comparison(_frame(), "a", ["EN", "Qcv"])
    assert c["means"].loc[("D", "a"), "EN"] == pytest.approx(2.15) and c["pairs"].loc[("D", "c")] == 1
    best = c["best"].xs("D")
    assert best.loc["c", "EN"] == "**9.000**" and best.loc["c", "Qcv"] == "**0.000**"  # Qcv: lower is better
    t = c["ttests"]
    row = t[(t.method == "b") & (t.metric == "EN")].iloc[0]
    assert row["mean_diff"] == pytest.approx(1.0) and row["n"] == 4


def test_larger_value_table_and_relative_gap():
    import pandas as pd
    import pytest

    from fusionkit.evaluation import larger_value_table, mean_with_p, relative_gap

    means = pd.DataFrame({"EN": [7.0, 6.5], "SD": [40.0, 41.0]}, index=["none", "abl"])
    table, counts = larger_value_table(means, "none", {1: "abl"})
    assert counts == {1: (1, 1)} and table.loc["EN", "Exp. 1: abl / Ours"] == "**7.000**"
    assert table.loc["SD", "Exp. 1: abl / Test"] == "**41.000**" and list(table.loc["Overall # larger value"]) == ["1", "1"]
    g = relative_gap(pd.Series({"EN": 6.3}), pd.Series({"EN": 7.0}), {"EN": 0.03})
    assert g.loc["EN", "difference %"] == pytest.approx(-10.0) and not g.loc["EN", "within target"]
    tests = pd.DataFrame([{"method": "b", "metric": "EN", "p": 0.012}])
    cells = mean_with_p(pd.DataFrame({"EN": [2.0, 1.0]}, index=["a", "b"]), tests)
    assert list(cells.EN) == ["2.0000", "1.0000 ± 0.01"]


def test_open_set_and_score_centre_crop_the_test_images(real_data):
    full = E.open_set("didfuse-tno", "test", limit=1)[0]
    small = E.open_set("didfuse-tno", "test", limit=1, crop=64)[0]
    H, W = full["a"].shape[-2:]
    assert small["a"].shape[-2:] == (64, 64)
    top, left = (H - 64) // 2, (W - 64) // 2
    assert torch.equal(small["a"], full["a"][..., top:top + 64, left:left + 64])  # the centre, unchanged
    per_pair, _ = E.score({"avg": lambda a, b: (a + b) / 2}, {"TNO": ("didfuse-tno", "test")}, ["EN"], limit=1,
                          progress=False, crop=64)
    assert len(per_pair) == 1 and per_pair.EN.iloc[0] > 0
