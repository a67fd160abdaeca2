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
    t2, t3 = S.table2(cfg), S.table3(cfg)
    assert "IFCNN(max) (released)" in t2.data["means"].index and len(t3.data["means"].columns) == 9
    assert t3.data["per_pair"].pair.nunique() == 2  # smoke: test_limit pairs
