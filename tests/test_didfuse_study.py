"""fusionkit.studies.didfuse: run specs, ablation models, aggregation (hand cases), cached training."""
import numpy as np
import pandas as pd
import pytest
import torch

from fusionkit.studies import didfuse as D


def test_run_key_changes_with_every_field_and_bad_ablation_is_rejected():
    base = D.RunSpec()
    keys = {base.key()}
    for field, value in [("ablation", "no_skip"), ("variant", "released"), ("seed", 1), ("epochs", 3),
                         ("batch_size", 8), ("crop", 64), ("lr", 1e-4), ("lr_step", None),
                         ("max_steps_per_epoch", 2), ("train_limit", 5)]:
        keys.add(D.RunSpec(**{field: value}).key())
    assert len(keys) == 11
    with pytest.raises(ValueError, match="unknown ablation 'no_conv9'"):
        D.RunSpec(ablation="no_conv9")


def test_ablation_models():
    x = torch.rand(1, 1, 12, 12)
    assert D.build_model("no_skip").decoder.skip is False
    assert D.build_model("none").decoder.skip is True
    with torch.no_grad():
        _, f = D.build_model("no_base").eval()(x, return_features=True)
        assert f[2].abs().max() == 0 and f[3].abs().max() > 0
        for abl in ("no_detail", "plain_ae"):
            _, f = D.build_model(abl).eval()(x, return_features=True)
            assert f[3].abs().max() == 0 and f[2].abs().max() > 0
    assert D.loss_ablation("no_skip") == "none" and D.loss_ablation("plain_ae") == "plain_ae"


def test_mean_std_over_runs_hand_case():
    # run 0: pairs 1, 3 -> mean 2;  run 1: pairs 5, 7 -> mean 6;  mean 4, std (ddof 1) = sqrt(8)
    df = pd.DataFrame({"strategy": ["s"] * 4, "run": [0, 0, 1, 1], "EN": [1.0, 3.0, 5.0, 7.0]})
    out = D.mean_std_over_runs(df, ["strategy"], metrics=["EN"])
    assert out.loc["s", ("mean", "EN")] == pytest.approx(4.0)
    assert out.loc["s", ("std", "EN")] == pytest.approx(np.sqrt(8.0))
    assert out.loc["s", ("runs", "")] == 2
    one = D.mean_std_over_runs(df[df.run == 0], ["strategy"], metrics=["EN"])
    assert one.loc["s", ("std", "EN")] == 0.0
    assert D.pm(out["mean"], out["std"], 2).loc["s", "EN"] == "4.00 ± 2.83"


def test_larger_value_counts_ignores_ties():
    ours = pd.Series([1.0, 2.0, 3.0, 4.0])
    test = pd.Series([0.5, 2.0, 3.5, 1.0])
    assert D.larger_value_counts(ours, test) == (2, 1)


def test_quantize_and_pair_metrics_follow_the_saved_8bit_image():
    f = torch.tensor([[0.0, 0.5], [1.0, 0.2]])
    q = D.quantize(f)
    assert q.tolist() == [[0.0, 128.0], [255.0, 51.0]]
    g = torch.rand(16, 16, generator=torch.Generator().manual_seed(0))
    sd = D.pair_metrics(g, g, g, ["SD"])["SD"]
    assert sd == pytest.approx(np.std(D.quantize(g)), rel=1e-6)


def test_training_is_cached_resumed_and_loadable(real_data, tmp_path):
    from fusionkit import methods

    spec = D.RunSpec(epochs=1, batch_size=2, crop=32, max_steps_per_epoch=2, train_limit=2)
    first = D.train_run(spec, runs_dir=tmp_path)
    assert first.train_seconds > 0 and len(first.history) == 1 and first.history[0]["steps"] == 2
    again = D.train_run(spec, runs_dir=tmp_path)  # finished run: reused, not retrained
    assert again.train_seconds == 0.0
    for p, q in zip(first.model.state_dict().values(), again.model.state_dict().values()):
        assert torch.equal(p, q)
    longer = D.train_run(D.RunSpec(epochs=2, batch_size=2, crop=32, max_steps_per_epoch=2, train_limit=2),
                         runs_dir=tmp_path)
    assert longer.out_dir != first.out_dir and len(longer.history) == 2
    # the trained run is a registered method
    m = methods.get("didfuse", checkpoint=str(first.out_dir), rule="weighted+cam")
    a = np.random.default_rng(0).random((20, 24))
    f = m.fuse(a, a[::-1].copy())
    assert f.shape == (20, 24) and np.isfinite(f).all()
    with pytest.raises(Exception, match="pass checkpoint="):
        methods.get("didfuse")


def test_load_run_rejects_a_foreign_checkpoint(tmp_path):
    torch.save({"model": {}, "config": {"extra": {}}}, tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match="not a fusionkit DIDFuse training checkpoint"):
        D.load_run(tmp_path)
    with pytest.raises(FileNotFoundError):
        D.load_run(tmp_path / "nope")


def test_strategies_agree_with_single_rule_fusion(real_data):
    torch.manual_seed(0)
    model = D.build_model().eval()
    rules = ["weighted", "l1_attention+cam"]
    st = D.evaluate_strategies(model, "roadscene", "val", rules=rules, limit=1, metrics=["SD", "EN"])
    assert list(st.strategy) == rules
    for r in rules:
        one, kept = D.evaluate_fuser(D.model_fuser(model, r), "roadscene", "val", limit=1, metrics=["SD", "EN"],
                                     keep=1)
        row = st[st.strategy == r].iloc[0]
        assert row.SD == pytest.approx(one.SD.iloc[0], rel=1e-9)
        assert list(kept) == [row.pair]


def test_command_line_trains_the_runs_of_a_profile(real_data, tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "FUSIONKIT_RUNS_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "fusionkit.studies.didfuse", "--profile", "smoke", "--ablations",
                        "none", "no_skip"], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    runs = sorted(p.name for p in (tmp_path / "didfuse").iterdir())
    assert len(runs) == 2 and runs[0].startswith("no_skip-paper-seed0") and runs[1].startswith("none-paper-seed0")
    assert all((tmp_path / "didfuse" / n / "checkpoint.pt").is_file() for n in runs)


def test_torchrun_trains_an_ablation_with_unused_parameters(real_data, tmp_path):
    """2 CPU processes (gloo): the no-base ablation leaves conv3 unused, which DDP must be told."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    torchrun = Path(sys.executable).parent / "torchrun"
    if not torchrun.exists():
        pytest.skip("torchrun not installed")
    env = {**os.environ, "FUSIONKIT_RUNS_DIR": str(tmp_path), "FUSIONKIT_DEVICE": "cpu"}
    r = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "fusionkit.studies.didfuse",
                        "--profile", "smoke", "--ablations", "no_base"], capture_output=True, text=True, env=env,
                       timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    (run,) = list((tmp_path / "didfuse").iterdir())
    model, spec = D.load_run(run)
    assert spec["ablation"] == "no_base" and spec["batch_size"] == 4
