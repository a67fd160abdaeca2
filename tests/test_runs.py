"""fusionkit.runs + fusionkit.zoo: content keys, the run cache, resume, the model zoo."""
import json

import numpy as np
import pytest
import torch

from fusionkit import runs, zoo
from fusionkit.checkpoints import CheckpointError
from fusionkit.studies.didfuse import DIDFuseRun

TINY = dict(epochs=1, batch_size=2, crop=32, max_steps_per_epoch=2, train_limit=2, lr_step=None)


def test_run_key_changes_with_every_field_and_bad_ablation_is_rejected():
    base = DIDFuseRun()
    keys = {base.key()}
    for field, value in [("ablation", "no_skip"), ("variant", "released"), ("seed", 1), ("epochs", 3),
                         ("batch_size", 8), ("crop", 64), ("lr", 1e-4), ("lr_step", None), ("bf16", False),
                         ("max_steps_per_epoch", 2), ("train_limit", 5)]:
        keys.add(DIDFuseRun(**{field: value}).key())
    assert len(keys) == 12
    assert base.key() == DIDFuseRun().key() and base.key().startswith("none-paper-seed0-")
    with pytest.raises(ValueError, match="unknown ablation 'no_conv9'"):
        DIDFuseRun(ablation="no_conv9")


def test_ablation_networks_are_built_by_name():
    x = torch.rand(1, 1, 12, 12)
    assert DIDFuseRun(ablation="no_skip").build().decoder.skip is False
    with torch.no_grad():
        _, f = DIDFuseRun(ablation="no_base").build().eval()(x, return_features=True)
        assert f[2].abs().max() == 0 and f[3].abs().max() > 0
        _, f = DIDFuseRun(ablation="plain_ae").build().eval()(x, return_features=True)
        assert f[3].abs().max() == 0 and f[2].abs().max() > 0


def test_train_cache_resume_zoo_roundtrip(real_data, tmp_path, monkeypatch):
    from fusionkit import methods

    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path / "zoo"))
    spec = DIDFuseRun(**TINY)
    first = runs.train_cached(spec, runs_dir=tmp_path / "runs")
    assert first.source == "trained" and first.train_seconds > 0 and first.history[0]["steps"] == 2
    again = runs.train_cached(spec, runs_dir=tmp_path / "runs")  # finished: reused, not retrained
    assert again.source == "cache" and again.train_seconds == 0.0
    for p, q in zip(first.model.state_dict().values(), again.model.state_dict().values()):
        assert torch.equal(p, q)
    longer = runs.train_cached(DIDFuseRun(**{**TINY, "epochs": 2}), runs_dir=tmp_path / "runs")
    assert longer.path != first.path and len(longer.history) == 2

    entry = runs.to_zoo(first, "tiny", profile="smoke")
    side = json.loads(entry.weights.with_suffix(".json").read_text())
    assert side["name"] == "tiny" and side["key"] == spec.key() and side["dtype"] == "float16"
    assert side["net"] == "didfuse" and side["spec"]["crop"] == 32 and side["history"] == first.history
    assert zoo.total_bytes() == entry.weights.stat().st_size < zoo.BUDGET_BYTES
    # the zoo now answers for this key: no training, no run folder needed
    from_zoo = runs.train_cached(spec, runs_dir=tmp_path / "elsewhere")
    assert from_zoo.source == "zoo" and not (tmp_path / "elsewhere").exists()
    # the training time travels with the zoo entry (reports show it for zoo runs, not 0)
    assert from_zoo.meta["train_seconds_total"] == side["train_seconds"] > 0
    x = torch.rand(2, 1, 40, 36, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y32, y16 = first.model.eval()(x), from_zoo.model(x)
    assert (y32 - y16).abs().max() < 1e-3  # fp16 storage is exact enough
    # loadable by name as the registered method, and from a run folder
    a = np.random.default_rng(0).random((20, 24))
    m = methods.get("didfuse", model="tiny", rule="weighted+cam")
    assert m.fuse(a, a[::-1].copy()).shape == (20, 24)
    m2 = methods.get("didfuse", checkpoint=str(first.path), rule="weighted+cam")
    assert np.isfinite(m2.fuse(a, a)).all()
    with pytest.raises(CheckpointError, match="no zoo entry 'table9'.*available: tiny"):
        methods.get("didfuse", model="table9")


def test_zoo_rejects_a_modified_file(tmp_path):
    model = DIDFuseRun().build()
    e = zoo.save(model, "didfuse", "k1", "m", {"net": "didfuse", "net_kwargs": {}}, root=tmp_path)
    assert zoo.get("didfuse", "m", root=tmp_path).key == "k1"
    e.weights.write_bytes(e.weights.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(CheckpointError, match="does not match its sidecar"):
        zoo.get("didfuse", "m", root=tmp_path).build()


def test_load_run_rejects_foreign_and_missing_checkpoints(tmp_path):
    torch.save({"model": {}, "config": {"extra": {}}}, tmp_path / "checkpoint.pt")
    with pytest.raises(CheckpointError, match="not a fusionkit training checkpoint"):
        runs.load_run(tmp_path)
    with pytest.raises(FileNotFoundError, match="no trained run"):
        runs.load_run(tmp_path / "nope")


def test_lazy_dataset_builds_on_first_use_and_forwards_the_epoch():
    built = []

    class D(torch.utils.data.Dataset):
        epoch = None

        def set_epoch(self, e):
            self.epoch = e

        def __len__(self):
            return 2

        def __getitem__(self, i):
            return self.epoch

    lazy = runs.LazyDataset(lambda: built.append(1) or D(), 2)
    lazy.set_epoch(3)
    assert not built and len(lazy) == 2  # nothing read yet
    assert lazy[0] == 3 and built == [1]  # built with the epoch it was told before
    lazy.set_epoch(4)
    assert lazy[1] == 4 and built == [1]


def test_train_main_shards_the_plan_between_processes(monkeypatch):
    import argparse
    from types import SimpleNamespace

    trained = []

    def fake_train(spec, **kw):
        trained.append(spec)
        return SimpleNamespace(path="p", source="cache", history=[{"total": 1.0}])

    monkeypatch.setattr(runs, "train_cached", fake_train)
    plan = [SimpleNamespace(key=lambda c=c: c) for c in "abcde"]
    for shard, want in (("0/2", "ace"), ("1/2", "bd"), ("2/3", "c")):
        trained.clear()
        runs.train_main("t", lambda profile, **kw: None, lambda cfg, sel: plan, ["nets"], argv=["--shard", shard])
        assert [s.key() for s in trained] == list(want)
    trained.clear()
    runs.train_main("t", lambda profile, **kw: None, lambda cfg, sel: plan, ["nets"], argv=[])
    assert trained == plan
    for bad in ("2/2", "x", "1-2"):
        with pytest.raises(argparse.ArgumentTypeError, match="--shard"):
            runs.parse_shard(bad)
