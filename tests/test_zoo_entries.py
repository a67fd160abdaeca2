"""The committed model zoo (zoo/): every entry loads (sha256, weights_only), the budget holds, and the
DIDFuse, JCAE and AE-Netv2 models the reports came from are reachable by name as fusion methods."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from fusionkit import zoo
from fusionkit.checkpoints import load_weights

ROOT = Path(__file__).resolve().parent.parent / "zoo"


def test_every_committed_entry_loads_and_matches_its_sidecar():
    entries = zoo.entries(root=ROOT)
    assert entries, "the zoo is empty"
    assert zoo.total_bytes(ROOT) <= zoo.BUDGET_BYTES
    names = [(e.study, e.name) for e in entries]
    assert len(set(names)) == len(names), "two entries share a short name"
    for e in entries:
        side = json.loads(e.weights.with_suffix(".json").read_text())
        state = load_weights(e.weights, "zoo entry")  # torch.load(weights_only=True) inside
        assert all(v.dtype == getattr(torch, side["dtype"]) for v in state.values() if v.is_floating_point())
        model = e.build()  # checks the sha256 and rebuilds the network from its sidecar
        assert sum(p.numel() for p in model.parameters()) > 0
        assert side["key"] == e.weights.stem and side["history"], e.name
        if side["dtype"] == "float16":
            assert side["fp16_max_abs_diff"] <= 1e-3


@pytest.mark.parametrize("name", ["table5", "ijcai-setup"])
def test_didfuse_models_of_the_reports_are_in_the_zoo(name):
    from fusionkit.studies import didfuse

    e = zoo.get("didfuse", name, root=ROOT)
    cfg = didfuse.config("quick")
    spec = didfuse.run_spec(cfg) if name == "table5" else didfuse.ijcai_spec(cfg)
    assert e.key == spec.key() and e.meta["profile"] == "quick"  # the quick reports use exactly this model


def test_every_didfuse_zoo_entry_is_the_quick_training_of_its_name():
    """Each DIDFuse entry (ablations, further full-model trainings) is exactly the training the quick
    reports ask for under that short name, so a report never picks up a model of another schedule."""
    from fusionkit.studies import didfuse

    cfg = didfuse.config("quick")
    plan = {didfuse.zoo_name(cfg, spec): spec.key() for spec in didfuse.training_plan(cfg)}
    entries = [e for e in zoo.entries(root=ROOT) if e.study == "didfuse"]
    assert {"table5", "ijcai-setup"} <= {e.name for e in entries}
    for e in entries:
        assert e.name in plan, f"zoo entry {e.name} is not in the quick training plan"
        assert e.key == plan[e.name], e.name


def test_default_didfuse_method_fuses_with_the_zoo_model(real_data, monkeypatch):
    from fusionkit import methods
    from fusionkit.data import FusionDataset

    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(ROOT))
    m = methods.get("didfuse")  # no arguments: zoo model table5, the paper's rule saliency+cam
    assert m.options["rule"] == "saliency+cam" and m.record["name"] == "table5"
    it = FusionDataset("didfuse-tno", "test", mode="gray", limit=1)[0]
    f = m.fuse(it["a"][0].numpy()[:64, :96], it["b"][0].numpy()[:64, :96])
    assert f.shape == (64, 96) and np.isfinite(f).all() and 0 <= f.min() and f.max() <= 1


def test_every_jcae_zoo_entry_is_the_quick_training_of_its_name():
    """The JCAE entries behind the quick reports: `table1` (lam 100) and the Fig. 4/5 lambdas, each exactly
    the quick training the notebooks ask for under that name."""
    from fusionkit.studies import jcae

    cfg = jcae.config("quick")
    plan = {jcae.zoo_name(cfg, spec): spec.key() for spec in jcae.training_plan(cfg)}
    entries = [e for e in zoo.entries(root=ROOT) if e.study == "jcae"]
    assert "table1" in {e.name for e in entries}
    for e in entries:
        assert e.name in plan and e.key == plan[e.name], e.name
        assert e.meta["profile"] == "quick" and e.meta["net"] == "jcae"


def test_default_jcae_method_fuses_with_the_zoo_model(real_data, monkeypatch):
    from fusionkit import methods
    from fusionkit.data import FusionDataset

    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(ROOT))
    m = methods.get("jcae")  # no arguments: zoo model table1, the paper's eq. 8/9 rules
    assert m.options["rule"] == "eq8+eq9" and m.record["name"] == "table1"
    it = FusionDataset("didfuse-tno", "test", mode="gray", limit=1)[0]
    a, b = it["a"][0].numpy()[:64, :96], it["b"][0].numpy()[:64, :96]
    f = m.fuse(a, b)
    assert f.shape == (64, 96) and np.isfinite(f).all() and 0 <= f.min() and f.max() <= 1
    # a trained auto-encoder: each source comes back from its common + private features (eq. 4)
    with torch.inference_mode():
        out = m.model(it["a"][None, :, :64, :96], it["b"][None, :, :64, :96])
    assert float((out["a_hat"] - it["a"][None, :, :64, :96]).abs().mean()) < 0.03
    assert float((out["b_hat"] - it["b"][None, :, :64, :96]).abs().mean()) < 0.03


def test_every_aenetv2_zoo_entry_is_the_training_of_its_name():
    """The AE-Netv2 entries behind the quick and paper reports: each is exactly the training its name stands
    for in its profile's plan (mixture nets, single-task runs, the continuous-learning run without a method)."""
    from fusionkit.studies import aenetv2

    entries = [e for e in zoo.entries(root=ROOT) if e.study == "aenetv2"]
    assert {"paper-gcb", "paper-squeeze-gcb", "quick-gcb"} <= {e.name for e in entries}
    for e in entries:
        cfg = aenetv2.config(e.meta["profile"])
        plan = {aenetv2.zoo_name(cfg, s): s.key() for s in aenetv2.training_plan(cfg, ("nets", "single-task"))}
        if "-without-" in e.name:  # the plan would compute the targets to find the dropped method: name it
            drop = e.name.split("-without-")[1]
            spec = aenetv2.run_spec(cfg, cfg.continual_net, library=tuple(m for m in cfg.library if m != drop))
            plan[aenetv2.zoo_name(cfg, spec)] = spec.key()
        assert e.name in plan and e.key == plan[e.name], e.name


def test_fuse_cli_with_aenetv2_gcb_uses_the_paper_zoo_model(real_data, monkeypatch, tmp_path, capsys):
    """`fusionkit fuse --method aenetv2-gcb` on a fresh clone: the zoo's paper-gcb network, and its output is
    a fusion of the two sources (a network left at initialisation is not)."""
    from fusionkit import methods
    from fusionkit.cli import main
    from fusionkit.data import FusionDataset, read_image, save_image

    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(ROOT))
    m = methods.get("aenetv2-gcb")
    assert m.record["name"] == "paper-gcb"
    it = FusionDataset("didfuse-tno", "test", mode="gray", limit=1)[0]
    a, b = it["a"][0].numpy()[:96, :128], it["b"][0].numpy()[:96, :128]
    for d, img in (("ir", a), ("vis", b)):
        (tmp_path / d).mkdir()
        save_image(tmp_path / d / "p.png", img)
    rc = main(["fuse", "--method", "aenetv2-gcb", "--a", str(tmp_path / "ir"), "--b", str(tmp_path / "vis"),
               "--out", str(tmp_path / "out"), "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    f = read_image(tmp_path / "out" / "p.png")
    assert f.shape == (96, 128)
    ref = m.fuse(read_image(tmp_path / "ir" / "p.png"), read_image(tmp_path / "vis" / "p.png"))
    assert np.abs(f - ref).max() <= 1 / 255 + 1e-6  # the CLI writes the method's output (8-bit)
    # trained: 0.97 on this crop; the same network at initialisation: -0.40
    assert np.corrcoef(f.ravel(), (a + b).ravel())[0, 1] > 0.9
