"""The JCAE study layer: config, run specs and plan, named pairs, the rule ablation against the method."""
import pytest

from fusionkit import evaluation as E
from fusionkit import runs
from fusionkit.studies import jcae


def test_profiles_and_overrides_are_checked():
    assert jcae.config("paper").lam == 100.0 and jcae.config("paper").lr == 3e-4
    assert jcae.config("paper").resize == (280, 360)
    q = jcae.config("quick")
    assert q.crop == 64 and q.test_limit is None  # all 40 TNO pairs
    with pytest.raises(ValueError, match="'lamda' -> 'lam'"):  # unknown name, with the close match
        jcae.config("quick", lamda=1)
    with pytest.raises(ValueError, match="did you mean 'quick'"):
        jcae.config("quik")


def test_run_specs_and_plan():
    cfg = jcae.config("quick")
    plan = jcae.training_plan(cfg)
    assert list(plan) == ["table1", "lam0", "lam1", "lam10", "lam1000"]  # lam 100 is table1, listed once
    assert [s.lam for s in plan.values()] == [100.0, 0.0, 1.0, 10.0, 1000.0]
    assert all(s.epochs == 24 and s.crop == 64 and s.lr_step == 16 for s in plan.values())  # from the config
    a, b = jcae.run_spec(cfg), jcae.run_spec(cfg.replace(vgg19="x.pth"))
    assert a.key() != b.key() and b.net() == ("jcae", {"input_norm": "imagenet"})


def test_named_pairs_cover_the_papers_figures():
    assert {"street", "bunker", "Fog", "Forest", "Building", "House", "Boat", "Soldier", "Umbrella"} == set(
        jcae.NAMED_PAIRS)
    assert jcae.NAMED_PAIRS["street"][0] == "13" and jcae.NAMED_PAIRS["Boat"][0] is None
    with pytest.raises(ValueError, match="Boat"):
        jcae.named_pair("Boat")


def test_rule_ablation_scores_equal_the_method_on_a_real_pair(real_data, tmp_path, monkeypatch):
    """The one-encode-per-pair ablation gives what fusing through methods.get('jcae') gives."""
    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path / "zoo"))
    cfg = jcae.config("smoke", rules=("eq8+eq9", "max"), test_limit=1)
    sec = jcae.rule_ablation(cfg)
    fast = sec["rule_ablation_per_pair"].df
    model = runs.train_cached(jcae.run_spec(cfg)).model
    for rule in cfg.rules:
        ref, _ = E.score({rule: jcae.fuser(model, rule, cfg)}, {"TNO": jcae.TEST_SET}, jcae.METRICS, limit=1,
                         progress=False)
        got = fast[fast.method == rule]
        for m in jcae.METRICS:
            assert got[m].iloc[0] == pytest.approx(ref[m].iloc[0], rel=1e-6, abs=1e-9), (rule, m)
    share = sec["rule_ablation_weighted_share"].df
    assert list(share.columns) == ["pair", "count reading", "sum reading"] and share.iloc[:, 1:].le(1).all().all()
