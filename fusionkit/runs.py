"""Training runs: a frozen spec with a stable content key, a run cache, and the model zoo.

A study subclasses :class:`RunSpec` (adding its own fields) and says how to build the network
(``net``), its loss and its training data. :func:`train_cached` then

1. takes the weights from the model zoo (``zoo/<study>/<key>.pt``) when an entry has this key,
2. else reuses a finished run in ``$FUSIONKIT_RUNS_DIR/<study>/<key>/``,
3. else resumes an interrupted one from its last checkpoint (in the run folder, or one parked in the
   tracked ``pending/<study>/<key>/`` folder by :func:`park`, so a long training goes on in a later session
   on another machine), or trains from scratch,

so the notebooks never retrain what exists. The key is a readable label plus a hash of every
field, so a changed field never reuses a run. :func:`load_run` turns a run folder or trainer
checkpoint back into its network (via :func:`fusionkit.nets.build`), which is how a trained run
becomes a fusion method.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

from torch import nn
from torch.utils.data import Dataset

from . import zoo
from .checkpoints import CheckpointError, load_weights
from .train import NOT_LOSSES

if TYPE_CHECKING:
    import pandas as pd
from .files import atomic_write_text


@dataclass(frozen=True)
class RunSpec:
    """Base of a study's training spec (every field JSON-serialisable; defaults = the paper's).

    Subclasses set ``study`` and implement :meth:`net`, :meth:`loss` and :meth:`dataset`."""

    study: ClassVar[str] = ""
    seed: int = 0
    epochs: int = 1
    batch_size: int = 8
    lr: float = 1e-3
    lr_step: int | None = None
    lr_gamma: float = 0.1
    max_steps_per_epoch: int | None = None
    bf16: bool = True  # bf16 autocast on CPU (fusionkit.train); no effect on CUDA

    def label(self) -> str:
        """Readable prefix of the key (subclasses add their distinguishing fields)."""
        return f"seed{self.seed}"

    def key(self) -> str:
        """``<label>-<hash of every field>``: a changed field never reuses a run."""
        h = hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:10]
        return f"{self.label()}-{h}"

    def as_dict(self) -> dict[str, Any]:
        return {"study": self.study, **asdict(self)}

    # -- what a study provides
    def net(self) -> tuple[str, dict[str, Any]]:  # pragma: no cover - abstract
        """(name in fusionkit.nets, keyword arguments)."""
        raise NotImplementedError

    def loss(self) -> Callable:  # pragma: no cover - abstract
        """``loss_fn(model, batch) -> dict`` for :class:`fusionkit.train.Trainer`."""
        raise NotImplementedError

    def dataset(self) -> Dataset:  # pragma: no cover - abstract
        raise NotImplementedError

    def train_options(self) -> dict[str, Any]:
        """Further :class:`fusionkit.train.TrainConfig` fields a study's spec sets (e.g. ``lr_milestones``)."""
        return {}

    def build(self) -> nn.Module:
        from .nets import build

        name, kw = self.net()
        return build(name, **kw)

    def probe(self, model: nn.Module) -> Any:
        """What the zoo checks an fp16 copy against: the model's output on :func:`probe_pair` (a study whose
        network fuses through another call than ``model(a, b)`` overrides this)."""
        import torch

        a, b = probe_pair()
        with torch.inference_mode():
            return model.cpu().eval()(a, b)

    @classmethod
    def from_config(cls, cfg: Any, **changes: Any) -> "RunSpec":
        """The spec whose fields take the values of ``cfg``'s fields of the same name, then ``changes``
        (a field ``cfg`` lacks keeps its default): a study declares a field once, on its config."""
        from dataclasses import fields

        names = {f.name for f in fields(cls)}
        unknown = [k for k in changes if k not in names]
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown field(s) {unknown}; valid: {', '.join(sorted(names))}")
        vals = {k: getattr(cfg, k) for k in names if hasattr(cfg, k)}
        return cls(**{**vals, **changes})

    def steps(self, n_items: int) -> int:
        """Optimiser steps of the whole training on ``n_items`` items (the last partial batch is dropped)."""
        per_epoch = max(n_items // self.batch_size, 1)
        return self.epochs * min(self.max_steps_per_epoch or per_epoch, per_epoch)

    def schedule(self, n_items: int) -> str:
        """The schedule in one sentence: epochs, steps, batch, Adam learning rate and its decay."""
        ms = self.train_options().get("lr_milestones")
        if ms:
            decay = f" /{1 / self.lr_gamma:g} at epoch{'s' if len(ms) > 1 else ''} {', '.join(map(str, ms))}"
        elif self.lr_step:
            decay = f" /{1 / self.lr_gamma:g} every {self.lr_step} epochs"
        else:
            decay = " (constant)"
        cap = f", at most {self.max_steps_per_epoch} steps per epoch" if self.max_steps_per_epoch else ""
        return (f"{self.epochs} epochs (~{self.steps(n_items)} steps) of batch {self.batch_size} on {n_items} items, "
                f"Adam lr {self.lr:g}{decay}{cap}")


def probe_pair(size: tuple[int, int] = (128, 160)):
    """The zoo's probe input: a ``size`` corner of the first TNO pair, (1, 1, H, W) each."""
    from .data import FusionDataset

    it = FusionDataset("didfuse-tno", "test", mode="gray", limit=1)[0]
    h, w = size
    return it["a"][None, :, :h, :w], it["b"][None, :, :h, :w]


def zoo_name(profile: str, name: str) -> str:
    """The one zoo naming rule: a plan's short name at the quick profile, ``<profile>-<name>`` at any other."""
    return name if profile == "quick" else f"{profile}-{name}"


def train(cfg: Any, spec: RunSpec, progress: bool = True) -> "Run":
    """``spec`` trained (or taken from the zoo / run cache) on ``cfg.device``."""
    return train_cached(spec, device=getattr(cfg, "device", None), progress=progress)


def summary(runs: "Mapping[str, Run]", n_items: int | None = None) -> "pd.DataFrame":
    """One row per training: its key, where it came from, precision, epochs, final loss, how much the loss
    still fell over the last third (a plateau: ~0), and the whole training's minutes (zoo sidecar or run)."""
    import pandas as pd

    from .train import late_drop

    rows = []
    for label, r in runs.items():
        rows.append({"run": label, "key": r.spec.key(), "source": r.source, "precision": r.meta.get("precision"),
                     "epochs": len(r.history), "final loss": r.history[-1]["total"] if r.history else float("nan"),
                     "last-third drop %": late_drop(r.history) if r.history else float("nan"),
                     "train minutes": round(float(r.meta.get("train_seconds_total", 0.0)) / 60, 1)})
    return pd.DataFrame(rows)


@dataclass
class Run:
    """A trained model and where it came from (``source``: 'zoo', 'cache' or 'trained')."""

    spec: RunSpec
    model: nn.Module
    history: list[dict[str, float]]
    source: str
    path: Path
    train_seconds: float = 0.0  # this process's training time (0 unless trained now)
    pairs_per_second: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class LazyDataset(Dataset):
    """A dataset built only when an item is first needed (a cached run never reads its data)."""

    def __init__(self, factory: Callable[[], Dataset], length: int):
        self.factory, self.length, self._ds, self._epoch = factory, length, None, 0

    def __len__(self) -> int:
        return self.length

    def set_epoch(self, epoch: int) -> None:
        """Passed on to the wrapped dataset (now, or when it is built)."""
        self._epoch = epoch
        if self._ds is not None and hasattr(self._ds, "set_epoch"):
            self._ds.set_epoch(epoch)

    def __getitem__(self, i: int):
        if self._ds is None:
            self._ds = self.factory()
            self.set_epoch(self._epoch)
        return self._ds[i]


def run_dir(spec: RunSpec, runs_dir: str | Path | None = None) -> Path:
    from .paths import runs_dir as default_runs

    return Path(runs_dir or default_runs()) / spec.study / spec.key()


def pending_path(spec: RunSpec, root: str | Path | None = None) -> Path:
    """Where :func:`park` keeps ``spec``'s interrupted training: ``pending/<study>/<key>/``."""
    from .paths import pending_dir

    return Path(root or pending_dir()) / spec.study / spec.key()


#: What a parked training keeps: the trainer's checkpoint (weights, optimiser, scheduler, epoch, RNG state,
#: loss history; gzip-compressed as checkpoint.pt.gz, ~9 % smaller) and the run's record and log.
PARKED_FILES = ("log.csv", "run.json")
PARKED_CHECKPOINT = "checkpoint.pt.gz"


def park(spec: RunSpec, runs_dir: str | Path | None = None, root: str | Path | None = None) -> Path | None:
    """Copy ``spec``'s latest checkpoint from its run folder to :func:`pending_path` (atomically, file by
    file; safe while the training runs, whose checkpoints are written atomically too). None when the run
    has no checkpoint yet. Commit the folder; :func:`train_cached` resumes from it where the run folder is
    missing or older."""
    import shutil

    from .files import atomic_path

    src = run_dir(spec, runs_dir)
    if not (src / "checkpoint.pt").is_file():
        return None
    import gzip

    dst = pending_path(spec, root)
    dst.mkdir(parents=True, exist_ok=True)
    with atomic_path(dst / PARKED_CHECKPOINT) as tmp, open(src / "checkpoint.pt", "rb") as f, \
            gzip.open(tmp, "wb", compresslevel=9) as g:
        shutil.copyfileobj(f, g)
    for name in PARKED_FILES:
        if (src / name).is_file():
            with atomic_path(dst / name) as tmp:
                shutil.copyfile(src / name, tmp)
    return dst


def _checkpoint_epoch(path: Path) -> int:
    """The last finished epoch (0-based) of a trainer checkpoint (plain or gzip-compressed), -1 when missing."""
    if not path.is_file():
        return -1
    if path.suffix == ".gz":
        import gzip
        import io

        import torch

        with gzip.open(path, "rb") as g:
            return int(torch.load(io.BytesIO(g.read()), map_location="cpu", weights_only=True)["epoch"])
    return int(load_weights(path, "a fusionkit trainer checkpoint")["epoch"])


def _unpark(spec: RunSpec, out: Path, root: str | Path | None = None) -> bool:
    """Copy a parked checkpoint into the run folder ``out`` when it is further on than the run's own."""
    import shutil

    import gzip

    src = pending_path(spec, root)
    if not (src / PARKED_CHECKPOINT).is_file() or \
            _checkpoint_epoch(src / PARKED_CHECKPOINT) <= _checkpoint_epoch(out / "checkpoint.pt"):
        return False
    with gzip.open(src / PARKED_CHECKPOINT, "rb") as g, open(out / "checkpoint.pt", "wb") as f:
        shutil.copyfileobj(g, f)
    for name in PARKED_FILES:
        if (src / name).is_file():
            shutil.copyfile(src / name, out / name)
    return True


def unpark_done(spec: RunSpec, root: str | Path | None = None) -> bool:
    """Delete ``spec``'s parked checkpoint (its model is in the zoo now); whether there was one."""
    import shutil

    p = pending_path(spec, root)
    if not p.is_dir():
        return False
    shutil.rmtree(p)
    for parent in (p.parent, p.parent.parent):  # the study folder and pending/ itself, once empty
        if parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
    return True


def _record(spec: RunSpec) -> dict[str, Any]:
    name, kw = spec.net()
    return {"net": name, "net_kwargs": kw, "spec": spec.as_dict(), "key": spec.key()}


def train_cached(spec: RunSpec, runs_dir: str | Path | None = None, device: str | None = None,
                 progress: bool = False, use_zoo: bool = True, zoo_root: str | Path | None = None) -> Run:
    """The trained model of ``spec``: from the zoo, the run cache, a resumed or a new training."""
    from .train import Trainer, TrainConfig

    if use_zoo:
        entry = zoo.find(spec.study, key=spec.key(), root=zoo_root)
        if entry is not None:
            # the sidecar's ``train_seconds`` is the whole training's time (``train_seconds_total`` of a run)
            meta = {**entry.meta, "train_seconds_total": entry.meta.get("train_seconds_total",
                                                                      entry.meta.get("train_seconds", 0.0))}
            return Run(spec, entry.build(), list(entry.meta.get("history", [])), "zoo", entry.weights, meta=meta)
    out = run_dir(spec, runs_dir)
    out.mkdir(parents=True, exist_ok=True)
    if int(os.environ.get("RANK", "0")) == 0 and _unpark(spec, out):
        print(f"{spec.key()}: resuming the training parked in {pending_path(spec)}", flush=True)
    world = int(os.environ.get("WORLD_SIZE", "1"))  # under torchrun the batch is split across ranks
    if spec.batch_size % world:
        raise ValueError(f"batch {spec.batch_size} cannot be split evenly over {world} processes")
    if int(os.environ.get("RANK", "0")) == 0:
        atomic_write_text(out / "run.json", json.dumps(_record(spec), indent=2))
    cfg = TrainConfig(epochs=spec.epochs, batch_size=spec.batch_size // world, lr=spec.lr, lr_step=spec.lr_step,
                      lr_gamma=spec.lr_gamma, seed=spec.seed, device=device, out_dir=str(out),
                      max_steps_per_epoch=spec.max_steps_per_epoch, progress=progress,
                      extra={"run": _record(spec)}, bf16=spec.bf16, **spec.train_options())
    from .seeding import seed_everything

    seed_everything(spec.seed)  # the initial weights depend on the spec's seed only, not on what ran before
    trainer = Trainer(spec.build(), spec.loss(), spec.dataset(), cfg)
    todo = spec.epochs - trainer.start_epoch
    t0 = time.perf_counter()
    history = trainer.fit()
    secs = time.perf_counter() - t0 if todo > 0 else 0.0
    steps = sum(int(r["steps"]) for r in history[-todo:]) if todo > 0 else 0
    pps = steps * spec.batch_size / world / secs if secs > 0 else None
    return Run(spec, trainer.model.eval(), history, "trained" if todo > 0 else "cache", out, secs, pps,
               meta={"device": str(trainer.device), "precision": trainer.precision,
                     "train_seconds_total": trainer.train_seconds})


def load_run(path: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Network and record (``net``, ``net_kwargs``, ``spec``) of a run folder, a trainer checkpoint
    (``checkpoint.pt``) or a zoo weight file (``zoo/<study>/<key>.pt``)."""
    from .nets import build

    p = Path(path)
    if p.suffix == ".json":
        p = p.with_suffix(".pt")
    if p.is_dir():
        p = p / "checkpoint.pt"
    if not p.is_file():
        raise FileNotFoundError(f"no trained run at {path} (expected a run folder with checkpoint.pt, a "
                                f"checkpoint.pt or a zoo .pt file)")
    side = p.with_suffix(".json")
    if p.name != "checkpoint.pt" and side.is_file():  # zoo entry
        entry = zoo.ZooEntry(p.parent.name, "", p.stem, p, json.loads(side.read_text()))
        return zoo.load_model(entry), entry.meta
    st = load_weights(p, "a fusionkit trainer checkpoint (runs/<study>/<key>/checkpoint.pt)")
    rec = (st.get("config", {}).get("extra") or {}).get("run") if isinstance(st, dict) else None
    if rec is None:
        raise CheckpointError(f"{p} is not a fusionkit training checkpoint (no run record in its config); "
                              f"released weights load through fusionkit.methods instead")
    model = build(rec["net"], **rec.get("net_kwargs", {}))
    model.load_state_dict(st["model"])
    return model.eval(), rec


def to_zoo(run: Run, name: str, profile: str, fp16: bool = True, root: str | Path | None = None,
           extra: dict[str, Any] | None = None, probe: Callable[[nn.Module], Any] | None = None) -> zoo.ZooEntry:
    """Keep ``run``'s weights in the zoo as ``<study>/<name>`` with a sidecar (spec, profile, commit,
    training time, device, loss history). With ``probe`` (model -> output tensor, e.g. one fused test
    pair) the fp16 copy is checked first: it is kept in fp16 only when its output stays within 1e-3 of
    fp32 (the difference goes into the sidecar), else in fp32."""
    import copy

    import torch

    from .gitinfo import git_state

    final = {k: v for k, v in (run.history[-1] if run.history else {}).items() if k not in NOT_LOSSES}
    meta = {**_record(run.spec), "profile": profile, "git": git_state(), "device": run.meta.get("device"),
            "precision": run.meta.get("precision"),
            "train_seconds": run.meta.get("train_seconds_total", run.train_seconds), "final_losses": final,
            "history": run.history, **(extra or {})}
    if fp16 and probe is not None:
        model = run.model.float().eval()
        half = copy.deepcopy(model)
        with torch.no_grad():
            for t in half.state_dict().values():
                if t.is_floating_point():
                    t.copy_(t.half().float())
            diff = float((probe(model) - probe(half)).abs().max())
        meta["fp16_max_abs_diff"] = diff
        fp16 = diff <= 1e-3
    return zoo.save(run.model, run.spec.study, run.spec.key(), name, meta, fp16=fp16, root=root)


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' (0 <= K < N) as (K, N); anything else is an error naming the value."""
    import argparse

    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard {text!r}: expected K/N, e.g. 0/2") from None
    if not 0 <= k < n:
        raise argparse.ArgumentTypeError(f"--shard {text!r}: need 0 <= K < N")
    return k, n


def train_plan(study: Any, profile: str, select: list[str] | None = None, shard: tuple[int, int] = (0, 1),
               device: str | None = None, zoo_out: bool = False, progress: bool = True) -> list[Run]:
    """Train (or resume, or take from the zoo) every run of ``study.training_plan(cfg, select)`` at ``profile``;
    with ``shard`` (K, N) only every N-th run from the K-th, so N processes share the plan; with ``zoo_out``
    each finished model goes into the zoo as :func:`zoo_name` ``(profile, name)`` as soon as it lands.
    Under ``torchrun`` each rank takes its share of every batch (``fusionkit train`` is the command)."""
    cfg = study.config(profile, device=device)
    plan = study.training_plan(cfg, select)
    k, n = shard
    out = []
    for name, spec in list(plan.items())[k::n]:
        run = train_cached(spec, device=device, progress=progress)
        out.append(run)
        if int(os.environ.get("RANK", "0")) == 0:
            print(f"{name}: {spec.key()} -> {run.path} ({run.source}; final loss {run.history[-1]['total']:.4g})",
                  flush=True)
            if zoo_out and run.source != "zoo":
                entry = to_zoo(run, zoo_name(profile, name), profile, probe=spec.probe)
                print(f"  -> zoo {entry.study}/{entry.name} ({entry.weights})", flush=True)
                if unpark_done(spec):
                    print(f"  parked checkpoint {pending_path(spec)} deleted (the model is in the zoo)", flush=True)
    return out


def park_plan(study: Any, profile: str, select: list[str] | None = None) -> list[Path]:
    """:func:`park` every run of the plan that has a checkpoint (``fusionkit train ... --park``)."""
    cfg = study.config(profile)
    return [p for spec in study.training_plan(cfg, select).values() if (p := park(spec)) is not None]
