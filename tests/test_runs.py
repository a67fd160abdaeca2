"""fusionkit.runs + fusionkit.zoo on a toy run spec (a 1-layer network on random tensors): content keys,
from_config, the schedule sentence, the run cache, resume, the zoo naming rule and round trip, summaries,
sharded plans. The study specs (DIDFuse, JCAE, AE-Netv2) are tested in tests/studies/."""
import json
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from torch import nn

from fusionkit import runs, zoo
from fusionkit.checkpoints import CheckpointError
from fusionkit.registry import NETS
from fusionkit.studies.config import StudyConfig


@NETS.register("toy-fuser")
class ToyFuser(nn.Module):
    """Fuses two grey images with one 3x3 convolution over their concatenation (for the runs tests)."""

    def __init__(self, width: int = 2):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 3, padding=1)
        self.width = width

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([a, b], 1))


class ToyPairs(torch.utils.data.Dataset):
    def __init__(self, n: int = 8, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.rand(n, 2, 1, 16, 16, generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"a": self.x[i, 0], "b": self.x[i, 1]}


def _toy_loss(model, batch):
    f = model(batch["a"], batch["b"])
    return {"total": ((f - (batch["a"] + batch["b"]) / 2) ** 2).mean()}


@dataclass(frozen=True)
class ToyRun(runs.RunSpec):
    study = "toy"
    width: int = 2
    items: int = 8

    def label(self) -> str:
        return f"toy-w{self.width}-seed{self.seed}"

    def net(self) -> tuple[str, dict[str, Any]]:
        return "toy-fuser", {"width": self.width}

    def loss(self):
        return _toy_loss

    def dataset(self):
        return ToyPairs(self.items, self.seed)


@dataclass(frozen=True)
class ToyConfig(StudyConfig):
    epochs: int = 3
    batch_size: int = 4
    lr: float = 1e-2
    width: int = 3
    unrelated: str = "x"


TINY = dict(epochs=2, batch_size=4, lr=1e-2)


def test_run_key_changes_with_every_field():
    base = ToyRun()
    keys = {base.key()}
    for field, value in [("seed", 1), ("epochs", 3), ("batch_size", 2), ("lr", 1e-4), ("lr_step", 2),
                         ("lr_gamma", 0.5), ("bf16", False), ("max_steps_per_epoch", 1), ("width", 4), ("items", 6)]:
        keys.add(ToyRun(**{field: value}).key())
    assert len(keys) == 11 and base.key() == ToyRun().key() and base.key().startswith("toy-w2-seed0-")


def test_from_config_copies_the_fields_of_the_same_name():
    spec = ToyRun.from_config(ToyConfig(), seed=5)
    assert (spec.epochs, spec.batch_size, spec.lr, spec.width, spec.seed, spec.items) == (3, 4, 1e-2, 3, 5, 8)
    with pytest.raises(ValueError, match="unknown field"):
        ToyRun.from_config(ToyConfig(), widht=1)


def test_schedule_sentence_counts_the_steps():
    assert ToyRun(epochs=10, batch_size=4, lr=1e-3, lr_step=4).schedule(10) == \
        "10 epochs (~20 steps) of batch 4 on 10 items, Adam lr 0.001 /10 every 4 epochs"
    assert ToyRun(epochs=3, batch_size=8, max_steps_per_epoch=1).schedule(100).endswith(
        "(constant), at most 1 steps per epoch") and ToyRun(epochs=3, batch_size=8, max_steps_per_epoch=1).steps(100) == 3


def test_zoo_name_rule():
    assert runs.zoo_name("quick", "table5") == "table5" and runs.zoo_name("paper", "gcb") == "paper-gcb"


def test_train_cache_resume_zoo_roundtrip(tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path / "zoo"))
    spec = ToyRun(**TINY)
    first = runs.train_cached(spec, runs_dir=tmp_path / "runs")
    assert first.source == "trained" and first.train_seconds > 0 and first.history[0]["steps"] == 2
    assert first.history[-1]["total"] < first.history[0]["total"]  # it learns
    again = runs.train_cached(spec, runs_dir=tmp_path / "runs")  # finished: reused, not retrained
    assert again.source == "cache" and again.train_seconds == 0.0
    for p, q in zip(first.model.state_dict().values(), again.model.state_dict().values()):
        assert torch.equal(p, q)
    longer = runs.train_cached(ToyRun(**{**TINY, "epochs": 3}), runs_dir=tmp_path / "runs")
    assert longer.path != first.path and len(longer.history) == 3
    # the probe (the model's output on a fixed input) decides fp16 storage
    probe_in = torch.rand(1, 1, 8, 8, generator=torch.Generator().manual_seed(2))
    entry = runs.to_zoo(first, "tiny", profile="smoke", probe=lambda m: m(probe_in, probe_in))
    side = json.loads(entry.weights.with_suffix(".json").read_text())
    assert side["name"] == "tiny" and side["key"] == spec.key() and side["dtype"] == "float16"
    assert side["net"] == "toy-fuser" and side["net_kwargs"] == {"width": 2} and side["history"] == first.history
    assert zoo.total_bytes() == entry.weights.stat().st_size < zoo.BUDGET_BYTES
    from_zoo = runs.train_cached(spec, runs_dir=tmp_path / "elsewhere")
    assert from_zoo.source == "zoo" and not (tmp_path / "elsewhere").exists()
    assert from_zoo.meta["train_seconds_total"] == side["train_seconds"] > 0
    x = torch.rand(2, 1, 12, 12, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert (first.model.eval()(x, x) - from_zoo.model(x, x)).abs().max() < 1e-3  # fp16 exact enough
    model, rec = runs.load_run(first.path)
    assert rec["spec"]["width"] == 2 and isinstance(model, ToyFuser)
    s = runs.summary({"first": first, "zoo": from_zoo})
    assert list(s.source) == ["trained", "zoo"] and list(s.epochs) == [2, 2]
    assert s["train minutes"].iloc[1] == round(side["train_seconds"] / 60, 1)  # one training-time field


def test_zoo_rejects_a_modified_file(tmp_path):
    model = ToyRun().build()
    e = zoo.save(model, "toy", "k1", "m", {"net": "toy-fuser", "net_kwargs": {}}, root=tmp_path)
    assert zoo.get("toy", "m", root=tmp_path).key == "k1"
    e.weights.write_bytes(e.weights.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(CheckpointError, match="does not match its sidecar"):
        zoo.get("toy", "m", root=tmp_path).build()


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


def test_train_plan_shards_the_plan_between_processes(monkeypatch):
    import argparse
    from types import SimpleNamespace

    trained = []

    def fake_train(spec, **kw):
        trained.append(spec)
        return SimpleNamespace(path="p", source="cache", history=[{"total": 1.0}])

    monkeypatch.setattr(runs, "train_cached", fake_train)
    plan = {c: SimpleNamespace(key=lambda c=c: c) for c in "abcde"}
    study = SimpleNamespace(config=lambda profile, **kw: None, training_plan=lambda cfg, sel: plan)
    for shard, want in (((0, 2), "ace"), ((1, 2), "bd"), ((2, 3), "c")):
        trained.clear()
        runs.train_plan(study, "smoke", shard=shard, progress=False)
        assert [s.key() for s in trained] == list(want)
    trained.clear()
    runs.train_plan(study, "smoke")
    assert trained == list(plan.values())
    for bad in ("2/2", "x", "1-2"):
        with pytest.raises(argparse.ArgumentTypeError, match="--shard"):
            runs.parse_shard(bad)


def test_park_and_resume_from_the_tracked_folder(tmp_path, monkeypatch):
    """An interrupted training parked in pending/ resumes on a machine whose run folder is empty, goes on
    exactly where it stopped (the same weights as an uninterrupted run), and leaves pending/ once in the zoo."""
    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path / "zoo"))
    monkeypatch.setenv("FUSIONKIT_PENDING_DIR", str(tmp_path / "pending"))
    spec = ToyRun(**{**TINY, "epochs": 4})
    whole = runs.train_cached(spec, runs_dir=tmp_path / "whole")
    assert runs.park(spec, runs_dir=tmp_path / "nothing") is None  # no checkpoint: nothing parked
    # "session 1": stopped after two of four epochs (the checkpoint of epoch 2 written), then parked
    from fusionkit.train import Trainer

    save = Trainer._save

    def stop_after_two(self, epoch):
        save(self, epoch)
        if epoch == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "_save", stop_after_two)
    with pytest.raises(KeyboardInterrupt):
        runs.train_cached(spec, runs_dir=tmp_path / "s1")
    monkeypatch.setattr(Trainer, "_save", save)
    parked = runs.park(spec, runs_dir=tmp_path / "s1")
    assert parked == runs.pending_path(spec) and (parked / "checkpoint.pt.gz").is_file()
    # "session 2", another machine: empty run folder, resumes from the parked checkpoint
    resumed = runs.train_cached(spec, runs_dir=tmp_path / "s2")
    assert resumed.source == "trained" and [r["epoch"] for r in resumed.history] == [1, 2, 3, 4]
    assert [r["total"] for r in resumed.history] == [r["total"] for r in whole.history]
    for p, q in zip(whole.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(p, q)
    # an older parked checkpoint never replaces a run folder that is further on
    assert not runs._unpark(spec, runs.run_dir(spec, tmp_path / "s2"))
    assert runs.unpark_done(spec) and not (tmp_path / "pending").exists() and not runs.unpark_done(spec)
