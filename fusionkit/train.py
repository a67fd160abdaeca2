"""One trainer for every paper: device selection, float16 AMP on CUDA and bfloat16 autocast on CPU
(``TrainConfig.bf16``, on by default where the CPU has native bf16, see ``devices.cpu_bf16_native``; fp32 master
weights, no GradScaler), DDP under ``torchrun``, seeding,
atomic per-epoch checkpoints with automatic resume, step LR schedules, a CSV log of every loss
term, a loss-curve figure, a progress bar, and a clear stop when a loss turns NaN/inf. The CPU step is made
fast by ``torch.compile`` of the model's forward and loss (``TrainConfig.compile``; automatic for long CPU
trainings) and the Adam implementation (``TrainConfig.adam``); reports/benchmarks/training.md measures both.

A paper supplies the model, a ``loss_fn(model, batch) -> dict[str, Tensor]`` (key ``"total"`` is
optimised; every term is logged) and a dataset yielding dicts of tensors::

    trainer = Trainer(model, loss_fn, dataset, TrainConfig(epochs=120, batch_size=24, lr=1e-3,
                      lr_step=40, lr_gamma=0.1, out_dir="runs/didfuse"))
    history = trainer.fit()          # resumes from out_dir/checkpoint.pt when present

Data order: epoch e visits the permutation ``default_rng(seed + e)``; a dataset with a
``set_epoch(e)`` method is told the epoch first (random crops seeded by epoch and item); under DDP rank r takes every
world-size-th index of it, so an interrupted run resumes on exactly the batches it would have seen,
and a 2-process run with batch b sees the same global batches as one process with batch 2b.
"""
from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from .files import atomic_path, atomic_write_text

from .devices import cpu_bf16_native, select_device

from .seeding import seed_everything

LossFn = Callable[[nn.Module, dict[str, torch.Tensor]], dict[str, torch.Tensor]]


class TrainingDiverged(RuntimeError):
    """A loss term became NaN or infinite."""


@dataclass
class TrainConfig:
    epochs: int = 1
    batch_size: int = 8
    lr: float = 1e-3
    lr_step: int | None = None  # StepLR step size in epochs (None: constant)
    lr_milestones: tuple[int, ...] | None = None  # MultiStepLR: multiply by lr_gamma at these epochs (not with lr_step)
    channels_last: bool = False  # model and 4-D batch tensors in channels-last memory (faster for grouped convs on CPU)
    lr_gamma: float = 0.1
    weight_decay: float = 0.0
    seed: int = 0
    device: str | None = None  # None: CUDA when present, else CPU (FUSIONKIT_DEVICE overrides)
    amp: bool = True  # float16 mixed precision + GradScaler, CUDA only
    bf16: bool = True  # bfloat16 autocast on CPU (fp32 master weights) where the CPU has native bf16 (~2x there)
    out_dir: str = "runs/train"
    max_steps_per_epoch: int | None = None  # smoke profile: a few steps
    resume: bool = True
    progress: bool = True
    drop_last: bool = True
    extra: dict[str, Any] = field(default_factory=dict)  # recorded in the checkpoint, unused here
    # The fast step (reports/benchmarks/training.md): None = auto, see resolve_compile / resolve_adam
    compile: bool | None = None  # the model's forward + loss (and so its backward) under torch.compile
    adam: str | None = None  # Adam implementation: "fused", "foreach", "for-loop" (None: the measured best)


def _ddp() -> tuple[int, int]:
    """(rank, world size); initialises the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def epoch_indices(n: int, epoch: int, seed: int, rank: int = 0, world: int = 1) -> list[int]:
    """This rank's sample order for ``epoch`` (see the module docstring)."""
    perm = np.random.default_rng(seed + epoch).permutation(n)
    return [int(i) for i in perm[rank::world]]


#: Below this many optimiser steps the automatic setting trains eagerly: the one-off compilation (about a
#: minute for DIDFuse on 2 cores, see reports/benchmarks/training.md) would outweigh what it saves.
COMPILE_MIN_STEPS = 300


def resolve_compile(requested: bool | None, device: torch.device, steps: int, world: int = 1) -> bool:
    """Whether a training compiles its step: ``requested`` when given, else on a CPU for trainings of at
    least :data:`COMPILE_MIN_STEPS` steps in one process (on CUDA, where AMP already makes the step fast and
    compilation is not measured here, and under DDP, it stays eager unless asked for)."""
    if requested is not None:
        return bool(requested)
    return device.type == "cpu" and world == 1 and steps >= COMPILE_MIN_STEPS


#: The Adam implementation when TrainConfig.adam is None: the fast step's (compile + Adam fused, 2.2x today's
#: DIDFuse step in reports/benchmarks/training.md; fused, foreach and for-loop alone are within the noise there).
ADAM_DEFAULT = "fused"


def resolve_adam(requested: str | None) -> dict[str, bool]:
    """``torch.optim.Adam`` keywords for the implementation: "fused" (one kernel per step, CPU and CUDA),
    "foreach" (multi-tensor), "for-loop" (one parameter at a time, PyTorch's own default on CPU); None:
    :data:`ADAM_DEFAULT`."""
    choice = requested or ADAM_DEFAULT
    options = {"fused": {"fused": True}, "foreach": {"foreach": True}, "for-loop": {"foreach": False}}
    if choice not in options:
        raise ValueError(f"TrainConfig.adam={requested!r}: expected one of {', '.join(options)} or None")
    return options[choice]


def _collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    return torch.utils.data.default_collate(items)


class Trainer:
    def __init__(self, model: nn.Module, loss_fn: LossFn, dataset: torch.utils.data.Dataset,
                 config: TrainConfig, optimizer_fn: Callable[[Any], torch.optim.Optimizer] | None = None):
        self.cfg = config
        self.rank, self.world = _ddp()
        if self.world > 1 and torch.cuda.is_available():
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            self.device = torch.device("cuda", local)
        else:
            self.device = select_device(config.device)
        seed_everything(config.seed)
        self.model = model.to(self.device)
        if config.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        # Models that leave parameters unused on purpose (ablations) say so with ``unused_parameters``.
        self.net = (nn.parallel.DistributedDataParallel(
            self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None,
            find_unused_parameters=bool(getattr(self.model, "unused_parameters", False)))
            if self.world > 1 else self.model)
        self.loss_fn, self.dataset = loss_fn, dataset
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.opt = (optimizer_fn(params) if optimizer_fn else
                    torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay,
                                     **resolve_adam(config.adam)))
        if config.lr_step and config.lr_milestones:
            raise ValueError("TrainConfig: give lr_step (a period) or lr_milestones (given epochs), not both")
        self.sched = (torch.optim.lr_scheduler.StepLR(self.opt, config.lr_step, config.lr_gamma) if config.lr_step
                      else torch.optim.lr_scheduler.MultiStepLR(self.opt, list(config.lr_milestones), config.lr_gamma)
                      if config.lr_milestones else None)
        self.use_amp = bool(config.amp and self.device.type == "cuda")
        self.use_bf16 = bool(config.bf16 and self.device.type == "cpu" and cpu_bf16_native())
        if config.bf16 and self.device.type == "cpu" and not self.use_bf16 and self.rank == 0:
            warnings.warn("bf16 autocast requested, but this CPU has no native bf16 (AVX512-BF16/AMX), where "
                          "PyTorch emulates it at a fraction of fp32 speed: training in fp32 "
                          "(FUSIONKIT_CPU_BF16=1 forces bf16)", stacklevel=2)
        self.precision = "fp16-amp" if self.use_amp else ("bf16-autocast" if self.use_bf16 else "fp32")
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        self.compiled = resolve_compile(config.compile, self.device, self.planned_steps(), self.world)
        self._loss = self.loss_fn
        if self.compiled:
            from .compiled import CompiledOrEager

            # one fixed batch shape (drop_last): a static graph; a compiler failure falls back to eager, warned
            self._loss = CompiledOrEager(self.loss_fn, dynamic=False)
        self.out = Path(config.out_dir)
        self.ckpt = self.out / "checkpoint.pt"
        self.log_path = self.out / "log.csv"
        self.history: list[dict[str, float]] = []
        self.train_seconds = 0.0  # wall time of every epoch so far, resumed runs included
        self.epoch_seconds: list[float] = []  # wall time of each epoch (training time against loss)
        self.start_epoch = 0
        if config.resume and self.ckpt.exists():
            self._load()

    def planned_steps(self) -> int:
        """Optimiser steps of the whole training (all epochs, this process)."""
        n = len(self.dataset) // self.world
        per_epoch = n // self.cfg.batch_size if self.cfg.drop_last else math.ceil(n / self.cfg.batch_size)
        return self.cfg.epochs * min(per_epoch, self.cfg.max_steps_per_epoch or per_epoch)

    # ------------------------------------------------------------------ checkpoints
    def _state(self, epoch: int) -> dict[str, Any]:
        return {"epoch": epoch, "model": self.model.state_dict(), "optimizer": self.opt.state_dict(),
                "scheduler": self.sched.state_dict() if self.sched else None,
                "scaler": self.scaler.state_dict(), "history": self.history, "config": asdict(self.cfg),
                "train_seconds": self.train_seconds, "precision": self.precision, "threads": torch.get_num_threads(),
                "epoch_seconds": self.epoch_seconds, "compiled": self.compiled,
                "torch_rng": torch.get_rng_state()}

    def _save(self, epoch: int) -> None:
        if self.rank != 0:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.ckpt) as tmp:
            torch.save(self._state(epoch), tmp)

    def _load(self) -> None:
        from .checkpoints import CheckpointError, load_weights

        try:
            st = load_weights(self.ckpt, "a fusionkit trainer checkpoint", map_location=self.device)
        except CheckpointError as exc:
            raise CheckpointError(f"cannot resume: {exc}. Move {self.ckpt} away to start afresh") from None
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(st["optimizer"])
        if self.sched and st.get("scheduler"):
            self.sched.load_state_dict(st["scheduler"])
        self.scaler.load_state_dict(st["scaler"])
        self.history = list(st["history"])
        self.train_seconds = float(st.get("train_seconds", 0.0))
        self.epoch_seconds = list(st.get("epoch_seconds", []))
        self.start_epoch = int(st["epoch"]) + 1
        torch.set_rng_state(st["torch_rng"].cpu())
        saved = st.get("precision")
        if saved and saved != self.precision:  # resuming stays exact only in the precision it started in
            warnings.warn(f"resuming {self.ckpt} (trained in {saved}) in {self.precision}: the run will not equal "
                          f"an uninterrupted one; pass the same amp/bf16 settings to continue it exactly",
                          stacklevel=3)

    # ------------------------------------------------------------------ logging
    def _write_log(self) -> None:
        if self.rank != 0 or not self.history:
            return
        keys = list(dict.fromkeys(k for row in self.history for k in row))
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=keys)
        w.writeheader()
        w.writerows(self.history)
        atomic_write_text(self.log_path, buf.getvalue())

    def loss_figure(self):
        """Matplotlib figure of every logged loss term per epoch (log scale)."""
        return plot_losses(self.history)

    # ------------------------------------------------------------------ training
    def _batches(self, epoch: int):
        idx = epoch_indices(len(self.dataset), epoch, self.cfg.seed, self.rank, self.world)
        bs = self.cfg.batch_size
        n = len(idx) // bs if self.cfg.drop_last else math.ceil(len(idx) / bs)
        if self.cfg.max_steps_per_epoch:
            n = min(n, self.cfg.max_steps_per_epoch)
        for s in range(n):
            yield _collate([self.dataset[i] for i in idx[s * bs:(s + 1) * bs]])

    def _to_device(self, batch: Any) -> Any:
        if isinstance(batch, torch.Tensor):
            if self.cfg.channels_last and batch.dim() == 4:
                return batch.to(self.device, memory_format=torch.channels_last, non_blocking=True)
            return batch.to(self.device, non_blocking=True)
        if isinstance(batch, dict):
            return {k: self._to_device(v) for k, v in batch.items()}
        return batch

    def _autocast(self):
        """float16 AMP on CUDA, bfloat16 on CPU, or nothing (the loss is always logged as float)."""
        if self.use_amp:
            return torch.autocast("cuda", dtype=torch.float16)
        if self.use_bf16:
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def step(self, batch: Any, where: str = "a step") -> dict[str, torch.Tensor]:
        """One optimisation step on ``batch`` (forward and loss under the precision's autocast, compiled when
        :attr:`compiled`; backward; optimiser): the loss terms. A non-finite term stops before the update."""
        batch = self._to_device(batch)
        with self._autocast():
            terms = self._loss(self.net, batch)
        bad = {k: float(v.detach()) for k, v in terms.items() if not torch.isfinite(v.detach()).all()}
        if bad:
            last = (f"the last good checkpoint {self.ckpt} (epoch {int(self.history[-1]['epoch'])}) is kept"
                    if self.history and self.ckpt.exists() else "no checkpoint was written yet")
            raise TrainingDiverged(f"loss term(s) {bad} became non-finite at {where}; {last}. "
                                   f"Lower the learning rate or check the data.")
        self.opt.zero_grad(set_to_none=True)
        self.scaler.scale(terms["total"]).backward()
        self.scaler.step(self.opt)
        self.scaler.update()
        return terms

    def fit(self) -> list[dict[str, float]]:
        from tqdm.auto import tqdm

        for epoch in range(self.start_epoch, self.cfg.epochs):
            t0 = time.perf_counter()
            if hasattr(self.dataset, "set_epoch"):  # e.g. random crops drawn afresh, reproducibly, each epoch
                self.dataset.set_epoch(epoch)
            self.net.train()
            sums: dict[str, float] = {}
            steps = 0
            bar = tqdm(self._batches(epoch), desc=f"epoch {epoch + 1}/{self.cfg.epochs}", unit="batch",
                       disable=not self.cfg.progress or self.rank != 0, leave=False)
            for batch in bar:
                terms = self.step(batch, where=f"epoch {epoch + 1}, step {steps + 1}")
                steps += 1
                for k, v in terms.items():
                    sums[k] = sums.get(k, 0.0) + float(v.detach())
                bar.set_postfix(loss=f"{float(terms['total'].detach()):.4g}")
            if self.world > 1:  # average the logged terms over ranks
                t = torch.tensor([sums[k] for k in sorted(sums)] + [steps], dtype=torch.float64, device=self.device)
                dist.all_reduce(t)
                sums = {k: float(t[i]) for i, k in enumerate(sorted(sums))}
                steps = int(t[-1])
            row = {"epoch": epoch + 1, "lr": self.opt.param_groups[0]["lr"], "steps": steps,
                   **{k: v / max(steps, 1) for k, v in sums.items()}}
            self.history.append(row)
            if self.sched:
                self.sched.step()
            self.epoch_seconds.append(time.perf_counter() - t0)
            self.train_seconds += self.epoch_seconds[-1]
            self._save(epoch)
            self._write_log()
        return self.history


#: History columns that are not loss terms.
NOT_LOSSES = ("epoch", "lr", "steps")


def late_drop(history: list[dict[str, float]], key: str = "total") -> float:
    """How much the loss ``key`` still fell over the last third of the epochs, in % of its value a third
    from the end (a plateau gives ~0; NaN for fewer than two epochs)."""
    tot = [h[key] for h in history]
    k = max(len(tot) - max(len(tot) // 3, 1) - 1, 0)
    return round(100 * (tot[k] - tot[-1]) / abs(tot[k]), 2) if len(tot) > 1 else float("nan")


def drop_since(history: list[dict[str, float]], epoch: int, key: str = "total", window: int = 3) -> float:
    """How much the loss ``key`` fell after ``epoch`` (1-based, e.g. the last learning-rate step), in %: from
    the mean of the ``window`` epochs after it to the mean of the last ``window`` (a plateau gives ~0, and
    epoch-to-epoch noise is averaged out; NaN with fewer than 2 ``window`` epochs after it)."""
    tot = [h[key] for h in history][epoch:]
    if len(tot) < 2 * window:
        return float("nan")
    first, last = sum(tot[:window]) / window, sum(tot[-window:]) / window
    return round(100 * (first - last) / abs(first), 2)


def plot_losses(history: list[dict[str, float]]):
    """Loss curves (one line per term) of a training history."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    terms = [k for k in (history[0] if history else {}) if k not in NOT_LOSSES]
    ep = [r["epoch"] for r in history]
    for k in terms:
        ax.plot(ep, [max(r[k], 1e-12) if r[k] > 0 else r[k] for r in history], label=k)
    if all(r[k] > 0 for r in history for k in terms):
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
