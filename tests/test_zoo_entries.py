"""The committed model zoo (zoo/): every entry loads (sha256, weights_only), the budget holds, and the
DIDFuse, JCAE, AE-Netv2 and FMMF models the reports came from are reachable by name as fusion methods."""
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


@pytest.mark.parametrize("study", ["didfuse", "jcae", "aenetv2", "fmmf"])
def test_every_zoo_entry_is_the_training_its_name_stands_for(study):
    """Each entry is exactly the training its study's plan lists under that short name at the entry's profile
    (the one naming rule: runs.zoo_name), so a report never picks up a model of another schedule."""
    from fusionkit.runs import zoo_name
    from fusionkit.studies import STUDIES

    mod = STUDIES.get(study).load()
    entries = [e for e in zoo.entries(root=ROOT) if e.study == study]
    assert entries
    for e in entries:
        prof = e.meta["profile"]
        cfg = mod.config(prof)
        groups = [g for g in mod.PLAN_GROUPS if g != "continual"]  # the continual plan computes the targets
        plan = {zoo_name(prof, n): s.key() for n, s in mod.training_plan(cfg, groups).items()}
        if "-without-" in e.name:  # name the dropped method instead of computing the targets to find it
            drop = e.name.split("-without-")[1]
            spec = mod.run_spec(cfg, cfg.continual_net, library=tuple(m for m in cfg.library if m != drop))
            plan[e.name] = spec.key()  # still checked below: the entry must be exactly that training
        assert e.name in plan, f"zoo entry {study}/{e.name} is not in the {prof} training plan"
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
