"""FMMF study (../shared/papers/003): config, the training plan of the ablation chain, a smoke training on
real data, and the trained method."""
import pytest
import torch

from fusionkit.studies import fmmf as S


def test_plan_is_the_seven_trainings_of_the_ablation_chain_plus_the_spread():
    cfg = S.config("quick")
    plan = S.training_plan(cfg)
    assert list(plan)[0] == "mapping" and set(plan) == set(S.VARIANTS) | {"mapping-1"}
    assert (plan["vifnet"].net_name, plan["vifnet"].criterion) == ("vifnet", "mean")
    assert (plan["concat-mean"].fusion, plan["concat-mean"].criterion) == ("concat", "mean")
    assert (plan["concat"].fusion, plan["concat"].criterion) == ("concat", "var")
    assert plan["depth5"].depth == 5 and plan["mapping"].depth == 3
    assert plan["mapping-1"].seed == plan["mapping"].seed + 1
    assert len({s.key() for s in plan.values()}) == len(plan)  # no two trainings share a run
    assert list(S.training_plan(cfg, ["spread"])) == ["mapping-1"]


def test_paper_defaults_are_section_4_1():
    cfg = S.config("paper")
    assert (cfg.crop, cfg.lr, cfg.lr_step) == (256, 1e-4, None)
    # 160,000 samples (4 epochs of 40,000) on our 317 pairs, one crop per pair per epoch
    assert abs(cfg.epochs * 317 - 160_000) < 317


def test_bad_variant_and_net_are_errors_naming_them():
    with pytest.raises(ValueError, match="unknown FMMF variant 'maping'"):
        S.run_spec(S.config("smoke"), "maping")
    with pytest.raises(ValueError, match="net_name='densefuse'"):
        S.FMMFRun(net_name="densefuse")


def test_smoke_training_on_real_data_and_the_method_fuses(real_data, tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    from fusionkit import methods
    from fusionkit.runs import train

    cfg = S.config("smoke")
    run = train(cfg, S.run_spec(cfg), progress=False)
    assert run.source == "trained" and len(run.history) == 1 and run.history[0]["total"] > 0
    m = methods.get("fmmf", checkpoint=str(run.path), chunk=7)
    a, b = torch.rand(37, 45).numpy(), torch.rand(37, 45).numpy()
    out = m.fuse(a, b)
    assert out.shape == (37, 45) and 0 <= out.min() and out.max() <= 1
    # the wrapped model in memory gives the same image
    same = methods.get("fmmf", checkpoint=str(run.path)).fuse(a, b)
    assert abs(out - same).max() < 1e-5


def test_smoke_tables_1_to_3_on_real_data(real_data, tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    cfg = S.config("smoke")
    t1 = S.table1(cfg)
    assert {"table1", "table1_ours_vs_paper", "table1_ten", "table1_ten_ours_vs_paper"} <= set(t1.tables)
    means = t1.data["means"]
    assert list(means.columns) == ["EI", "CE", "SF", "EN", "Qabf", "MS_SSIM", "SD", "VIF"]
    assert {"FMMF (ours)", "Wavelet", "IFCNN (released)"} <= set(means.index)
    vs = t1.tables["table1_ours_vs_paper"].df
    assert vs.loc["Ours", "EI (paper)"] == 45.5980  # the paper's row beside ours
    rep = t1.tables["table1_with_reported"]
    assert rep.index and {"FMMF (ours)", "Ours", "DenseFuse"} <= set(rep.df.index)  # the method names are written
    t2, t3 = S.table2(cfg), S.table3(cfg)
    assert "IFCNN(max) (released)" in t2.data["means"].index and len(t3.data["means"].columns) == 9
    assert t3.data["per_pair"].pair.nunique() == 2  # smoke: test_limit pairs


def test_smoke_metric_conventions_sets_the_released_ifcnn_beside_the_paper_s_rows(real_data):
    cfg = S.config("smoke")
    assert cfg.convention == "fmmf" and S.config("quick").convention == "fmmf"
    sec = S.metric_conventions(cfg)
    rows = sec.data["rows"]
    assert set(rows.method) == {"IFCNN(max)", "IFCNN(mean)", "IFCNN(sum)"} and set(rows.table) == {2, 3}
    assert len(rows) == 3 * (2 * 7 + 9)  # three IFCNN rows x (Table 2's 7 metrics, colour and grey + Table 3's 9)
    assert set(rows[rows.table == 2].inputs) == {"colour", "grey"} and set(rows[rows.table == 3].inputs) == {"grey"}
    t2 = rows[(rows.table == 2) & (rows.method == "IFCNN(max)")]
    assert (t2[t2.inputs == "colour"].fmmf.values != t2[t2.inputs == "grey"].fmmf.values).all()
    t3 = rows[(rows.table == 3) & (rows.method == "IFCNN(max)")].set_index("metric")
    assert t3.at["MS_SSIM", "paper"] == 0.9329
    # MI = 2 EN in fmmf, whatever the images; the two conventions agree on the metrics fmmf leaves alone
    assert abs(t3.at["MI", "fmmf"] - 2 * t3.at["EN", "fmmf"]) < 1e-9
    assert (t3.loc[["EI", "SF", "EN", "SCD"], "fmmf"] == t3.loc[["EI", "SF", "EN", "SCD"], "standard"]).all()
    assert list(sec.data["gaps"].columns) == ["standard mean |Δ %|", "fmmf mean |Δ %|", "closer"]
    gaps = sec.data["gaps"]
    assert gaps.loc[(3, "grey", "EI"), "closer"] == "same"  # fmmf leaves EI alone: no convention is closer


def test_claim_on_the_ifcnn_rows_is_decided_from_the_differences():
    import pandas as pd

    from fusionkit.report.ledger import FAILS, HOLDS
    from fusionkit.studies.fmmf_claims import _ifcnn_rows

    def frame(gaps):
        own = [{"table": 2, "metric": m, "method": r, "IFCNN's own": True, "fmmf Δ %": g * (-1) ** i}
               for m, g in gaps.items() for i, r in enumerate(("max", "mean", "sum"))]
        other = [{**r, "IFCNN's own": False, "fmmf Δ %": 50.0} for r in own]  # grey inputs: not decided on
        return pd.DataFrame(own + other)
    verdict, measured = _ifcnn_rows(frame({"EI": 0.5, "SF": 0.2, "SD": 10.0}))
    assert verdict == HOLDS and measured.startswith("2/3 cells") and "SD (T2) 10.0 %" in measured
    assert _ifcnn_rows(frame({"EI": 4.0, "SF": 0.2, "SD": 10.0}))[0] == FAILS


def test_smoke_tables_4_to_7_compare_each_variant_with_the_row_before(real_data, tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    cfg = S.config("smoke")
    t = S.tables4_to_7(cfg)
    assert set(t) == {0, 4, 5, 6, 7}
    assert set(t[0].data["per_pair"].method) == set(S.training_plan(cfg))
    d6 = t[6].data["differences"]
    assert list(d6.comparison.unique()) == ["concat - add", "mapping - concat"]
    # the paper's differences are the transcribed rows' differences (Table 6: Mapping - Concat on EI)
    ei = d6[(d6.comparison == "mapping - concat") & (d6.metric == "EI")].iloc[0]
    assert abs(ei.paper - (45.5980 - 44.5137)) < 1e-9
    assert d6["seed spread"].notna().all()  # the smoke plan trains a second seed of the main model
    assert "3-layers (paper)" in t[7]["table7"].df.index and "vifnet (ours)" in t[4]["table4"].df.index


def _ablation_frame(means: dict[str, float], n: int = 12, noise: float = 0.01):
    """A per-pair frame of the variants where each metric's per-pair value is ``means[variant]`` + noise."""
    import numpy as np
    import pandas as pd

    from fusionkit.studies.fmmf_claims import METRICS
    rng = np.random.default_rng(0)
    rows = [{"dataset": "ir-vis", "method": v, "pair": str(i),
             **{m: (mu if m != "CE" else -mu) + noise * rng.standard_normal() for m in METRICS}}
            for v, mu in means.items() for i in range(n)]
    return pd.DataFrame(rows)


def test_claim_t6_order_and_t7_depth_are_decided_from_the_numbers():
    from fusionkit.report.ledger import FAILS, HOLDS
    from fusionkit.studies.fmmf_claims import _no_better_with_depth, _order
    # mapping > concat > add on every metric (CE: lower is better, so its values run the other way)
    assert _order(_ablation_frame({"mapping": 3.0, "concat": 2.0, "add": 1.0}))[0] == HOLDS
    assert _order(_ablation_frame({"mapping": 1.0, "concat": 2.0, "add": 3.0}))[0] == FAILS
    same = _ablation_frame({"mapping": 1.0, "depth4": 1.0, "depth5": 1.0})
    assert _no_better_with_depth(same)[0] == HOLDS
    deeper = _ablation_frame({"mapping": 1.0, "depth4": 2.0, "depth5": 1.0})
    verdict, measured = _no_better_with_depth(deeper)
    assert verdict == FAILS and "depth4 better than depth 3 at p < 0.05 on 8/8" in measured


def test_every_table_and_figure_of_the_paper_has_a_claim():
    where = " ".join(c.where for c in S.CLAIMS)
    for n in range(1, 8):
        assert f"Table {n}" in where, n
    import re
    figs = {int(x) for c in S.CLAIMS for part in re.findall(r"Figs? ([\d, -]+)", c.where)
            for x in re.findall(r"\d+", part)}
    figs |= {int(x) for c in S.CLAIMS if c.id.startswith("F") for x in re.findall(r"\d+", c.id)}
    assert figs >= set(range(1, 11)), sorted(set(range(1, 11)) - figs)


def test_smoke_figures_and_the_maps(real_data, tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    cfg = S.config("smoke")
    f35 = S.fig3_fig5(cfg)
    assert set(f35.figures) == {"fig3_fig5_irvis"}
    assert len(f35.figures["fig3_fig5_irvis"].axes) >= 2 * (2 + 1)  # two pairs x (sources + ours), insets besides
    maps = S.fig_maps(cfg)
    stats = maps["fig_maps_stats"].df
    assert list(stats.scale) == ["1/1", "1/2", "1/4"] and stats["corr(Map_X, Map_Y)"].between(-1, 1).all()
    assert set(S.fig6_fig8(cfg).figures) == {"fig6_multi_focus", "fig8_medical"}
    assert set(S.fig_sources(cfg).figures) == {"fig4_sources", "fig7_sources", "fig9_sources"}
