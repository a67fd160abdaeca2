"""The JCAE study layer: config, run specs, zoo names, the rule-ablation scorer against the method."""
import pytest
import torch

from fusionkit.studies import jcae


def test_profiles_and_overrides_are_checked():
    assert jcae.config("paper").lam == 100.0 and jcae.config("paper").lr == 3e-4
    assert jcae.config("paper").resize == (280, 360)
    q = jcae.config("quick")
    assert q.crop == 64 and q.test_limit is None  # all 40 TNO pairs
    with pytest.raises(ValueError, match="unknown parameter"):
        jcae.config("quick", lamda=1)


def test_run_specs_zoo_names_and_plan():
    cfg = jcae.config("quick")
    plan = jcae.training_plan(cfg)
    assert [s.lam for s in plan] == [100.0, 0.0, 1.0, 10.0, 1000.0]  # lam 100 listed once
    assert [jcae.zoo_name(cfg, s) for s in plan] == ["table1", "lam0", "lam1", "lam10", "lam1000"]
    assert jcae.zoo_name(jcae.config("paper"), jcae.run_spec(jcae.config("paper"))) == "paper-table1"
    a, b = jcae.run_spec(cfg), jcae.run_spec(cfg.replace(vgg19="x.pth"))
    assert a.key() != b.key() and b.net() == ("jcae", {"input_norm": "imagenet"})


def test_named_pairs_cover_the_papers_figures():
    assert {"street", "bunker", "Fog", "Forest", "Building", "House", "Boat", "Soldier", "Umbrella"} == set(
        jcae.NAMED_PAIRS)
    with pytest.raises(ValueError, match="Boat"):
        jcae.named_pair("Boat")


def test_rule_ablation_scores_equal_the_method_on_a_real_pair(real_data):
    """The one-encode-per-pair ablation scorer gives what fusing through methods.get('jcae') gives."""
    from fusionkit import evaluation as E
    from fusionkit.nets import build

    torch.manual_seed(0)
    model = build("jcae").eval()
    cfg = jcae.config("smoke", rules=("eq8+eq9", "max"), test_limit=1)
    fast = jcae.score_rules(model, cfg)
    for rule in cfg.rules:
        ref, _ = E.score({rule: jcae.fuser(model, rule, cfg)}, {"TNO": jcae.TEST_SET}, jcae.METRICS, limit=1,
                         progress=False)
        got = fast[fast.method == rule]
        for m in jcae.METRICS:
            assert got[m].iloc[0] == pytest.approx(ref[m].iloc[0], rel=1e-6, abs=1e-9), (rule, m)
