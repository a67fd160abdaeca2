"""fusionkit.studies.didfuse: the strategy scorer, Table IV, the plan and its zoo names, `fusionkit train`,
torchrun, the trained-vs-released table, and the Section every table function returns."""
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fusionkit import evaluation as E
from fusionkit import runs
from fusionkit.report import Section
from fusionkit.studies import didfuse as D


@pytest.fixture
def smoke_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path / "zoo"))  # smoke trainings, never the committed zoo
    return tmp_path


def test_table3_scores_equal_single_rule_fusion(real_data, smoke_runs, monkeypatch):
    """Table III encodes each pair once for all its strategies: the scores equal fusing through the method
    (three of the six strategies, to keep the saliency ones' cost out of the suite)."""
    monkeypatch.setattr(D, "STRATEGIES", {k: D.STRATEGIES[k] for k in ("weighted", "l1_attention+cam", "weighted+cam")})
    cfg = D.config("smoke")
    t3 = D.table3(cfg)
    assert isinstance(t3, Section) and set(t3.tables) >= {"table3", "table3_winners", "table3_per_pair"}
    st = t3["table3_per_pair"].df
    assert list(st.strategy) == list(D.STRATEGIES)
    model = runs.train_cached(D.run_spec(cfg)).model
    for r in ("weighted", "l1_attention+cam"):
        one, _ = E.score({r: D.fuser(model, r, cfg)}, D.VAL_SETS, D.METRICS, limit=1, progress=False,
                         convention=cfg.convention)
        row = st[st.strategy == r].iloc[0]
        assert row.SD == pytest.approx(one.SD.iloc[0], rel=1e-6) and row.VIF == pytest.approx(one.VIF.iloc[0], rel=1e-6)
    # the paper's table keeps its own row and column order
    assert list(t3["table3_reported"].df.columns) == list(D.STRATEGIES.values())
    # the chart: one bar group per metric, each strategy's mean relative to the weighted average, in %
    m = st.groupby(["strategy", "run"])[list(D.METRICS)].mean().groupby(level=0).mean()
    ax = t3.figures["table3_strategies"].axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [D.STRATEGIES[k] for k in ("l1_attention+cam", "weighted+cam")]
    heights = [b.get_height() for b in ax.containers[0]]
    assert heights == pytest.approx([100 * (m.loc["l1_attention+cam", k] / m.loc["weighted", k] - 1) for k in D.METRICS])


def test_table4_counts_and_paper_row(real_data, smoke_runs):
    t = D.table4(D.config("smoke"))
    t4 = t["table4"].df
    assert list(t4.index) == list(D.METRICS) + ["Overall # larger value"]
    # the counts, recomputed here from the per-pair table: mean per training, then over trainings
    pp = t["table4_per_pair"].df
    means = pp.groupby(["ablation", "run"])[list(D.METRICS)].mean().groupby(level=0).mean()
    for k, (abl, _) in D.ABLATIONS.items():
        c = f"Exp. {k}: {abl} / Ours"
        wins = int((means.loc["none"] > means.loc[abl]).sum()), int((means.loc[abl] > means.loc["none"]).sum())
        assert (int(t4.loc["Overall # larger value", c]), int(t4.loc["Overall # larger value", c.replace("Ours", "Test")])) \
            == wins
    assert list(t["table4_vs_paper"].df["paper: full / ablation wins"]) == ["12/0", "10/2", "11/1", "9/3", "12/0"]
    # the chart: per metric and ablation, (full - ablation) / ablation in %, ablations in the paper's order
    ax = t.figures["table4_chart"].axes[0]
    assert [x.get_text() for x in ax.get_legend().get_texts()] == [a for a, _ in D.ABLATIONS.values()]
    assert [b.get_height() for b in ax.containers[1]] == pytest.approx(
        [100 * (means.loc["none", k] / means.loc["no_detail", k] - 1) for k in D.METRICS])


def test_training_plan_order_and_zoo_names():
    cfg = D.config("quick")
    plan = D.training_plan(cfg)
    names = list(plan)
    assert names[:2] == ["table5", "ijcai-setup"]
    assert names[2:8] == ["no_base-0", "no_detail-0", "no_decomposition-0", "plain_ae-0", "no_skip-0", "none-1"]
    n_none = max(cfg.runs, cfg.repro_runs, cfg.ablation_runs)
    assert len(plan) == 1 + n_none + 5 * cfg.ablation_runs
    ij = plan["ijcai-setup"]
    assert (ij.variant, ij.train_data, ij.epochs) == ("released", "flir", cfg.ijcai_epochs)
    assert runs.zoo_name("paper", "table5") == "paper-table5" and runs.zoo_name("quick", "table5") == "table5"
    assert list(D.training_plan(cfg, ["no_skip"])) == [f"no_skip-{i}" for i in range(cfg.ablation_runs)]
    # the authors' schedule (issue 25): only when selected, the same spec at every profile
    assert "ijcai-paper" not in plan
    ip = D.training_plan(cfg, ["ijcai-paper"])["ijcai-paper"]
    assert (ip.variant, ip.train_data, ip.crop, ip.batch_size, ip.epochs, ip.lr, ip.lr_step, ip.lr_gamma,
            ip.random_crops, ip.seed, ip.bf16) == ("released", "flir", 128, 24, 120, 1e-3, 40, 0.1, True, 0, True)
    assert D.training_plan(D.config("smoke"), ["ijcai-paper"])["ijcai-paper"].key() == ip.key()
    assert ip.steps(180) == 120 * 7  # FLIR-Train's 180 pairs: 7 batches of 24 an epoch
    # the released train.py's crop sampling: the same spec with fixed centre crops, also opt-in
    assert "ijcai-center" not in plan
    ic = D.training_plan(cfg, ["ijcai-center"])["ijcai-center"]
    assert ic == dataclasses.replace(ip, random_crops=False) and ic.key() != ip.key()
    assert type(ic.dataset().factory()).__name__ == "CropPairs"


def test_fusionkit_train_keeps_the_runs_of_a_profile_in_the_zoo(real_data, tmp_path):
    env = {**os.environ, "FUSIONKIT_RUNS_DIR": str(tmp_path), "FUSIONKIT_ZOO_DIR": str(tmp_path / "zoo")}
    r = subprocess.run([sys.executable, "-m", "fusionkit", "train", "--paper", "didfuse", "--profile", "smoke",
                        "--select", "none", "no_skip", "--zoo", "--threads", "1"], capture_output=True, text=True,
                       env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    names = sorted(p.name for p in (tmp_path / "didfuse").iterdir())
    assert len(names) == 2 and names[0].startswith("no_skip-paper-seed0") and names[1].startswith("none-paper-seed0")
    from fusionkit import methods, zoo

    entries = zoo.entries("didfuse", root=tmp_path / "zoo")
    assert [e.name for e in entries] == ["smoke-no_skip-0", "smoke-table5"]
    for e in entries:  # the fp16 copy was checked against fp32 on the probe before storing
        assert (e.meta["dtype"] == "float16") == (e.meta["fp16_max_abs_diff"] <= 1e-3)
    os.environ["FUSIONKIT_ZOO_DIR"] = str(tmp_path / "zoo")
    try:
        m = methods.get("didfuse", model="smoke-table5", rule="sum")
        assert m.record["spec"]["ablation"] == "none" and m.record["profile"] == "smoke"
        run = runs.train_cached(D.run_spec(D.config("smoke")), runs_dir=tmp_path / "elsewhere")
        assert run.source == "zoo"  # no training: the zoo entry with the same run key is used
    finally:
        del os.environ["FUSIONKIT_ZOO_DIR"]
    bad = subprocess.run([sys.executable, "-m", "fusionkit", "train", "--paper", "didfuse", "--select", "nope"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode != 0 and "plan groups" in bad.stderr


def test_trained_vs_released_table(real_data, smoke_runs, monkeypatch, tmp_path):
    """Per retrained model, set and metric: the relative gap and the paired t-test, recomputed here from the
    per-pair scores; the checkpoint's EN/SD equal its own fusion scored directly (standard convention); the
    ijcai-paper model is used only when the zoo holds it (never trained from a notebook)."""
    from scipy import stats

    from fusionkit import methods, runs
    from fusionkit.data import FusionDataset

    from fusionkit.studies import didfuse_retraining as R

    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path / "zoo"))  # an empty zoo: no ijcai-paper
    # two of the three sets and the cheap metrics keep the suite's time down (the logic is the same)
    monkeypatch.setattr(R, "TEST_SETS", {k: D.TEST_SETS[k] for k in ("NIR-Country", "FLIR")})
    monkeypatch.setattr(R, "METRICS", ("EN", "SD", "SF"))
    cfg = D.config("smoke")
    sec = D.trained_vs_released(cfg)
    t, pp = sec["trained_vs_released"].df, sec.data["per_pair"]
    assert set(t.model) == {"ijcai-setup"} and list(t.dataset.unique()) == ["NIR-Country", "FLIR"]
    assert list(t.metric.unique()) == ["EN", "SD", "SF"]
    assert "ijcai-paper not trained yet" in sec.finding
    for _, r in t.iterrows():
        a = pp[(pp.dataset == r.dataset) & (pp.method == D.AUTHORS)].set_index("pair")[r.metric]
        o = pp[(pp.dataset == r.dataset) & (pp.method == r.model)].set_index("pair")[r.metric]
        assert r["difference %"] == pytest.approx(100 * (o.mean() / a.mean() - 1))
        assert r["within target"] == (abs(r["difference %"]) <= 100 * D.IJCAI_TARGET[r.metric])
        assert r.pairs == len(a) == cfg.ijcai_limit  # smoke: 1 pair a set, so no t-test
        if len(a) > 1:
            assert r["p (paired t)"] == pytest.approx(stats.ttest_rel(o, a).pvalue)
    ax = sec.figures["trained_vs_released_gaps"].axes[0]  # one bar group per metric, one bar per (model, set)
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["ijcai-setup, NIR-Country", "ijcai-setup, FLIR"]
    assert [b.get_height() for b in ax.containers[1]] == pytest.approx(list(t[t.dataset == "FLIR"]["difference %"]))
    it = FusionDataset(*D.TEST_SETS["NIR-Country"], mode="gray", limit=1)[0]
    f = E.method_fuser(methods.get("didfuse-ijcai"))(it["a"][None], it["b"][None])[0, 0]
    ref = E.pair_metrics(f, it["a"][0], it["b"][0], ["EN", "SD"])
    nir = t[t.dataset == "NIR-Country"].set_index("metric")
    assert nir.loc["EN", D.AUTHORS] == pytest.approx(ref["EN"]) and nir.loc["SD", D.AUTHORS] == pytest.approx(ref["SD"])
    # with an ijcai-paper entry in the zoo (here: the smoke ijcai-setup weights stored under its key) it joins
    run = runs.train_cached(D.ijcai_spec(cfg))
    fake = runs.Run(D.ijcai_paper_spec(cfg), run.model, run.history, "trained", run.path, meta=run.meta)
    runs.to_zoo(fake, "ijcai-paper", "quick", fp16=False)
    both = D.trained_vs_released(cfg)["trained_vs_released"].df
    assert list(both.model.unique()) == ["ijcai-setup", "ijcai-paper"]
    g = D.decomposition_gaps(cfg)["retraining_decomposition"].df
    assert list(g.model) == [D.AUTHORS, "ijcai-setup", "ijcai-paper"]
    assert g.iloc[1]["mean |B_I - B_V|"] == pytest.approx(g.iloc[2]["mean |B_I - B_V|"])  # the same weights


def test_seed_spread_recomputed_from_the_per_pair_scores(real_data, smoke_runs, monkeypatch):
    """The spread over trainings: per set and metric the sd (ddof 1) of the per-training means, recomputed
    here from the per-pair scores; each retrained model's gap divided by it."""
    from fusionkit.studies import didfuse_retraining as R

    monkeypatch.setattr(R, "TEST_SETS", {"NIR-Country": D.TEST_SETS["NIR-Country"]})
    monkeypatch.setattr(R, "METRICS", ("EN", "SD"))
    cfg = D.config("smoke")
    gaps = pd.DataFrame({"model": ["m", "m"], "dataset": ["NIR-Country"] * 2, "metric": ["EN", "SD"],
                         "difference %": [-4.0, 2.0]})
    sec = D.seed_spread(cfg, gaps)
    t, pp = sec["seed_spread"].df.set_index("metric"), sec.data["per_pair"]
    assert sorted(pp.method.unique()) == ["seed 0", "seed 1"]  # smoke: at least two trainings
    for m in ("EN", "SD"):
        means = pp.groupby("method")[m].mean()
        assert t.loc[m, "sd over trainings"] == pytest.approx(means.std(ddof=1))
        assert t.loc[m, "sd %"] == pytest.approx(100 * means.std(ddof=1) / means.mean())
    g = sec["gaps_vs_spread"].df.set_index("metric")
    assert g.loc["EN", "|difference| / sd"] == pytest.approx(4.0 / t.loc["EN", "sd %"])
    assert g.loc["SD", "|difference| / sd"] == pytest.approx(2.0 / t.loc["SD", "sd %"])
    assert "gaps beyond 3 sd" in sec.finding


def test_released_training_table_names_what_each_training_tests():
    t = D.released_training(D.config("smoke"))["released_training"].df
    assert list(t.columns) == ["aspect", "released train.py", "trained here", "tested by"]
    assert t.set_index("aspect").loc["crop", "tested by"] == "ijcai-center"
    assert set(D.PLAN_GROUPS) >= {x for x in t["tested by"] if x.startswith("ijcai")}


def test_torchrun_trains_an_ablation_with_unused_parameters(real_data, tmp_path):
    """2 CPU processes (gloo): the no-base ablation leaves conv3 unused, which DDP must be told."""
    torchrun = Path(sys.executable).parent / "torchrun"
    if not torchrun.exists():
        pytest.skip("torchrun not installed")
    env = {**os.environ, "FUSIONKIT_RUNS_DIR": str(tmp_path), "FUSIONKIT_DEVICE": "cpu",
           "FUSIONKIT_ZOO_DIR": str(tmp_path / "zoo")}
    r = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "fusionkit", "train", "--paper",
                        "didfuse", "--profile", "smoke", "--select", "no_base"], capture_output=True, text=True,
                       env=env, timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    (run,) = list((tmp_path / "didfuse").iterdir())
    model, rec = runs.load_run(run)
    assert rec["spec"]["ablation"] == "no_base" and rec["spec"]["batch_size"] == 4
    assert rec["net_kwargs"]["branches"] == "detail"


def test_paper_transcriptions_used_by_the_tables():
    from fusionkit import paper_tables

    assert set(paper_tables.load("didfuse", 3).strategy) == set(D.STRATEGIES)
    rep5 = paper_tables.pivot("didfuse", 5, ["dataset", "method"])
    assert list(rep5.columns) == list(D.METRICS)  # the paper's column order
    assert {"TNO", "FLIR", "NIR-Country"} <= set(rep5.index.get_level_values(0))


def test_run_key_changes_with_every_field_and_bad_ablation_is_rejected():
    base = D.DIDFuseRun()
    keys = {base.key()}
    for field, value in [("ablation", "no_skip"), ("variant", "released"), ("crop", 64), ("train_limit", 5),
                         ("random_crops", True), ("train_data", "flir")]:
        keys.add(D.DIDFuseRun(**{field: value}).key())
    assert len(keys) == 7 and base.key().startswith("none-paper-seed0-")
    with pytest.raises(ValueError, match="unknown ablation 'no_conv9'"):
        D.DIDFuseRun(ablation="no_conv9")


def test_ablation_networks_are_built_by_name():
    import torch

    x = torch.rand(1, 1, 12, 12)
    assert D.DIDFuseRun(ablation="no_skip").build().decoder.skip is False
    with torch.no_grad():
        _, f = D.DIDFuseRun(ablation="no_base").build().eval()(x, return_features=True)
        assert f[2].abs().max() == 0 and f[3].abs().max() > 0
        _, f = D.DIDFuseRun(ablation="plain_ae").build().eval()(x, return_features=True)
        assert f[3].abs().max() == 0 and f[2].abs().max() > 0
