"""fusionkit.studies.didfuse: strategies scoring, the command line, torchrun, tables at smoke size."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from fusionkit import evaluation as E
from fusionkit import runs
from fusionkit.studies import didfuse as D


def test_strategies_agree_with_single_rule_fusion(real_data):
    torch.manual_seed(0)
    model = D.DIDFuseRun().build().eval()
    cfg = D.config("smoke")
    st = D.score_strategies(model, "roadscene", "val", cfg, limit=1)
    assert list(st.strategy) == list(D.STRATEGIES)
    for r in ("weighted", "l1_attention+cam"):
        one, kept = E.score({r: D.fuser(model, r, cfg)}, {"v": ("roadscene", "val")}, D.METRICS, limit=1, keep=1,
                            progress=False, convention=cfg.convention)
        row = st[st.strategy == r].iloc[0]
        assert row.SD == pytest.approx(one.SD.iloc[0], rel=1e-9)
        assert list(kept[("v", r)]) == [row.pair]


def test_table4_counts_and_paper_row(real_data, tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    t = D.table4(D.config("smoke"))
    t4 = t["table4"].df
    assert list(t4.index) == list(D.METRICS) + ["Overall # larger value"]
    # every count pair adds up to at most 6 metrics; the paper's are the published 12/0, 10/2, ...
    for c in t4.columns[::2]:
        o, s = int(t4.loc["Overall # larger value", c]), int(t4.loc["Overall # larger value", c.replace("Ours", "Test")])
        assert o + s <= len(D.METRICS)
    assert list(t["table4_vs_paper"].df["paper: full / ablation wins"]) == ["12/0", "10/2", "11/1", "9/3", "12/0"]


def test_command_line_trains_the_runs_of_a_profile(real_data, tmp_path):
    env = {**os.environ, "FUSIONKIT_RUNS_DIR": str(tmp_path), "FUSIONKIT_ZOO_DIR": str(tmp_path / "zoo")}
    r = subprocess.run([sys.executable, "-m", "fusionkit.studies.didfuse", "--profile", "smoke", "--select",
                        "none", "no_skip", "--zoo", "--threads", "1"], capture_output=True, text=True, env=env,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    names = sorted(p.name for p in (tmp_path / "didfuse").iterdir())
    assert len(names) == 2 and names[0].startswith("no_skip-paper-seed0") and names[1].startswith("none-paper-seed0")
    assert all((tmp_path / "didfuse" / n / "checkpoint.pt").is_file() for n in names)
    # --zoo kept both under their short names; they load by name (weights_only, checked sha256)
    from fusionkit import methods, zoo

    entries = zoo.entries("didfuse", root=tmp_path / "zoo")
    assert [e.name for e in entries] == ["smoke-no_skip-0", "smoke-table5"]
    for e in entries:  # the fp16 copy was checked against fp32 on a fused TNO corner before storing
        assert (e.meta["dtype"] == "float16") == (e.meta["fp16_max_abs_diff"] <= 1e-3)
    os.environ["FUSIONKIT_ZOO_DIR"] = str(tmp_path / "zoo")
    try:
        m = methods.get("didfuse", model="smoke-table5", rule="sum")
        assert m.record["spec"]["ablation"] == "none" and m.record["profile"] == "smoke"
        run = runs.train_cached(D.run_spec(D.config("smoke")), runs_dir=tmp_path / "elsewhere")
        assert run.source == "zoo"  # no training: the zoo entry with the same run key is used
    finally:
        del os.environ["FUSIONKIT_ZOO_DIR"]


def test_training_plan_order_and_zoo_names():
    cfg = D.config("quick")
    plan = D.training_plan(cfg)
    names = [D.zoo_name(cfg, s) for s in plan]
    assert names[:2] == ["table5", "ijcai-setup"] and len(set(names)) == len(names)
    assert names[2:8] == ["no_base-0", "no_detail-0", "no_decomposition-0", "plain_ae-0", "no_skip-0", "none-1"]
    n_none = max(cfg.runs, cfg.repro_runs, cfg.ablation_runs)
    assert len(plan) == 1 + n_none + 5 * cfg.ablation_runs
    ij = D.ijcai_spec(cfg)
    assert (ij.variant, ij.train_data, ij.epochs) == ("released", "flir", cfg.ijcai_epochs)
    assert D.zoo_name(D.config("paper"), D.run_spec(D.config("paper"))) == "paper-table5"


def test_trained_vs_released_table(real_data, tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path / "zoo"))
    t = D.trained_vs_released(D.config("smoke")).df
    assert list(t.index) == list(D.METRICS)
    rel = t["trained here"] / t["authors' checkpoint"] - 1
    assert (rel * 100 - t["difference %"]).abs().max() < 1e-9
    assert list(t["within target"]) == [abs(rel[m]) <= D.IJCAI_TARGET[m] for m in D.METRICS]
    # the authors' checkpoint column is the released method itself, scored independently
    from fusionkit import methods
    from fusionkit.data import FusionDataset

    it = FusionDataset("didfuse-tno", "test", mode="gray", limit=1)[0]
    f = E.method_fuser(methods.get("didfuse-ijcai"))(it["a"][None], it["b"][None])[0, 0]
    ref = E.pair_metrics(f, it["a"][0], it["b"][0], ["EN", "SD"])
    assert t.loc["EN", "authors' checkpoint"] == pytest.approx(ref["EN"])
    assert t.loc["SD", "authors' checkpoint"] == pytest.approx(ref["SD"])  # standard convention (image std)


def test_torchrun_trains_an_ablation_with_unused_parameters(real_data, tmp_path):
    """2 CPU processes (gloo): the no-base ablation leaves conv3 unused, which DDP must be told."""
    torchrun = Path(sys.executable).parent / "torchrun"
    if not torchrun.exists():
        pytest.skip("torchrun not installed")
    env = {**os.environ, "FUSIONKIT_RUNS_DIR": str(tmp_path), "FUSIONKIT_DEVICE": "cpu",
           "FUSIONKIT_ZOO_DIR": str(tmp_path / "zoo")}
    r = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "fusionkit.studies.didfuse",
                        "--profile", "smoke", "--select", "no_base"], capture_output=True, text=True, env=env,
                       timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    (run,) = list((tmp_path / "didfuse").iterdir())
    model, rec = runs.load_run(run)
    assert rec["spec"]["ablation"] == "no_base" and rec["spec"]["batch_size"] == 4
    assert rec["net_kwargs"]["branches"] == "detail"


def test_paper_transcriptions_used_by_the_tables():
    from fusionkit import paper_tables

    assert set(paper_tables.load("didfuse", 3).strategy) == set(D.STRATEGIES)
    rep5 = paper_tables.load("didfuse", 5)
    assert {"TNO", "FLIR", "NIR-Country"} <= set(rep5.dataset) and "DIDFuse" in set(rep5.method)
