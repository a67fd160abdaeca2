"""The ALAN study's plan (fusionkit.studies.alan): every variant's run spec, the dependency keys, and a smoke
training of the whole chain (reconstruction -> multi-focus -> the full auxiliary network) on real data, in which
the frozen columns of the main network are the trained sub-task networks, bit for bit."""
from __future__ import annotations

import pytest
import torch

from fusionkit.studies import alan as A


def test_plan_is_in_dependency_order_and_keys_follow_the_subtasks():
    cfg = A.config("quick")
    plan = A.training_plan(cfg)
    assert list(plan)[:3] == ["recon", "focus", "full"]
    assert set(plan) == {"recon", "focus", "full", "single", "single-recon", "focus-recon", "no-attention",
                         "single-1", "full-1"}
    full = plan["full"]
    assert full.columns == ("recon", "focus") and full.column_keys == (plan["recon"].key(), plan["focus"].key())
    assert full.content_key == plan["recon"].key() and plan["recon"].content_key is None
    assert plan["full-1"].seed == cfg.seed + 1 and plan["full-1"].column_keys == full.column_keys
    # a retrained sub-task (another schedule) gives the main run another key
    other = A.training_plan(A.config("quick", epochs=21))
    assert other["full"].key() != full.key() and other["recon"].key() != plan["recon"].key()
    assert not plan["no-attention"].net()[1]["attention"]
    assert plan["single"].net()[1]["columns"] == []


def test_bad_variant_and_task_name_the_problem():
    with pytest.raises(ValueError, match="unknown ALAN variant 'fulll'"):
        A.run_spec(A.config("smoke"), "fulll")
    with pytest.raises(ValueError, match="task='fuse'"):
        A.AlanRun(task="fuse")


def test_smoke_chain_trains_and_freezes_the_subtasks(real_data, tmp_path, monkeypatch):
    from fusionkit.runs import train_cached

    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path / "zoo"))
    cfg = A.config("smoke")
    plan = A.training_plan(cfg, ["subtasks", "main"])
    runs = {n: train_cached(s, use_zoo=False) for n, s in plan.items()}
    assert all(r.history and torch.isfinite(torch.tensor(r.history[-1]["total"])) for r in runs.values())
    full = runs["full"].model
    for col, name in zip(full.columns, ("recon", "focus")):
        sub = runs[name].model.state_dict()
        assert all(torch.equal(v, sub[k]) for k, v in col.state_dict().items())
    a = torch.rand(1, 1, 32, 40)
    assert full.eval()(a, a).shape == (1, 1, 32, 40)


def test_content_features_vgg19_from_a_path_or_the_recon_substitute(tmp_path, fake_vgg19):
    with pytest.raises(ValueError, match="content='vgg19' needs vgg19=PATH"):
        A.config("smoke", content="vgg19")
    with pytest.raises(ValueError, match="vgg19=PATH needs content='vgg19'"):
        A.config("smoke", vgg19=str(tmp_path / "v.pth"))
    with pytest.raises(ValueError, match="content='perceptual'"):
        A.config("smoke", content="perceptual")
    cfg = A.config("smoke", content="vgg19", vgg19=str(fake_vgg19[0]))
    spec = A.run_spec(cfg, "single")
    assert spec.content_key is None and "vgg19" in spec.as_dict()
    # the default (substitute) runs keep the keys they had before the vgg19 option existed: no 'vgg19' field
    plain = A.run_spec(A.config("smoke"), "single")
    assert "vgg19" not in plain.as_dict() and plain.key() != spec.key()
    feats = spec._features()
    maps = feats(torch.rand(2, 1, 32, 40))
    assert [tuple(m.shape) for m in maps] == [(2, 128, 16, 20)]
    loss = spec.loss()
    from fusionkit.nets import build

    name, kw = spec.net()
    model = build(name, **kw)
    out = loss(model, {"a": torch.rand(2, 1, 32, 40), "b": torch.rand(2, 1, 32, 40)})
    assert out["content"] > 0 and torch.isfinite(out["total"])


def test_smoke_figures_9_to_11_give_every_claim_its_table(real_data, tmp_path, monkeypatch):
    """Figs 9-11 on the smoke models and pairs: the tables carry the columns the ledger reads, the full network's
    scores are the same rows in Figs 9 ('ALAN (ours)'), 10 ('learned') and 11 ('full'), the fixed criteria are
    the pixel rules, and every testable claim reaches a verdict on them (none errors on a missing method)."""
    import numpy as np

    from fusionkit.report.ledger import NOT_RUN, UNTESTABLE, evaluate
    from fusionkit.studies.alan_comparison import METRICS

    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path / "zoo"))
    cfg = A.config("smoke")
    sections = [A.fig9(cfg), A.fig10(cfg), A.fig11(cfg)]
    for s in sections:
        for name, t in s.tables.items():
            t.df.to_csv(tmp_path / f"{name}.csv", index=t.index)
    p9, p10, p11 = (s.data["per_pair"] for s in sections)
    assert list(p9.columns) == ["dataset", "method", "pair", *METRICS]
    assert set(p9.method) == {"ALAN (ours)", "Wavelet", "CBF", "GTF", "RP", "IFCNN (released)"}
    assert set(p9.dataset) == {"ir-vis", "multi-focus"} and p9.groupby("dataset").pair.nunique().eq(2).all()
    ours = [p[p.method == m][list(METRICS)].to_numpy() for p, m in ((p9, "ALAN (ours)"), (p10, "learned"),
                                                                    (p11, "full"))]
    assert np.array_equal(ours[0], ours[1]) and np.array_equal(ours[0], ours[2])
    mean, mx = (p10[p10.method == r].set_index(["dataset", "pair"])["SD"] for r in ("mean", "max"))
    assert not np.allclose(mean, mx)  # the criteria are different images
    runs = sections[2].tables["fig11_runs"].df
    assert set(runs.network) == {"single", "full"} and list(runs.columns[:3]) == ["dataset", "network", "seed"]
    rows = evaluate(A.LEDGER, tmp_path)
    untested = [r.claim.id for r in rows if r.outcome.verdict == NOT_RUN]
    assert not untested, [r.outcome.measured for r in rows if r.outcome.verdict == NOT_RUN]
    assert sum(r.outcome.verdict == UNTESTABLE for r in rows) == 5
