"""The DIDFuse study (extended paper, ../shared/papers/002_ecde006f96d54dd5.txt): what the notebooks
``notebooks/1x_didfuse_*.ipynb`` run, as reusable functions.

* :class:`RunSpec` / :func:`train_run`: one training of DIDFuse (or of a Table IV ablation) with
  the shared :class:`fusionkit.train.Trainer`; finished runs are cached under
  ``$FUSIONKIT_RUNS_DIR/didfuse/<key>`` and reused, interrupted ones resume.
* :func:`evaluate_fuser` / :func:`evaluate_strategies`: EN/SD/SF/VIF/AG/SCD per image pair.
* :func:`mean_std_over_runs`, :func:`larger_value_counts`: the aggregations of Tables III/IV.

Data substitutes (the paper's NIR Mountain/Water/Urban/Street scenes are not obtainable):
training = ``didfuse-flir-train`` (the paper's FLIR-Train) + RoadScene *train* split (for NIR
Mountain/Water); validation = RoadScene *val* split (for NIR Urban/Street); tests = TNO, FLIR-Test,
NIR-Country as in the paper (NIR Forest/Field unavailable). The RoadScene split never overlaps a
test set (see data_manifest.yaml).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from ..data.datasets import FusionDataset
from ..data.transforms import CenterCrop
from ..fusion_rules import get_rule
from ..losses import didfuse_training_loss
from ..nets.didfuse import DIDFuse
from ..nets.fast import FastDIDFuse
from ..utils import atomic_write_text

METRICS = ("EN", "SD", "SF", "VIF", "AG", "SCD")
TRAIN_SETS: tuple[tuple[str, str], ...] = (("didfuse-flir-train", "train"), ("roadscene", "train"))
VAL_SETS: dict[str, tuple[str, str]] = {"RoadScene-val": ("roadscene", "val")}
TEST_SETS: dict[str, tuple[str, str]] = {"TNO": ("didfuse-tno", "test"), "FLIR": ("didfuse-flir-test", "test"),
                                         "NIR-Country": ("didfuse-nir-country", "test")}
SUBSTITUTES = pd.DataFrame([
    ("training", "FLIR-Train (180)", "didfuse-flir-train (180)", "same data"),
    ("training", "NIR-Mountain (55) + NIR-Water (51)", "roadscene train split (137)", "NIR scenes not obtainable"),
    ("validation", "NIR-Urban (58), NIR-Street (50)", "roadscene val split (34)", "NIR scenes not obtainable"),
    ("test", "TNO (40)", "didfuse-tno (40)", "same data"),
    ("test", "FLIR-Test (40)", "didfuse-flir-test (40)", "same data"),
    ("test", "NIR-Country (52)", "didfuse-nir-country (52)", "same data"),
    ("test", "NIR-Forest (53), NIR-Field (51)", "-", "not obtainable; reported rows only"),
], columns=["role", "paper", "ours", "note"])

#: Table III column order and the paper's labels.
STRATEGIES = {"weighted": "Ave w/o CAM", "l1_attention": "l1-Att w/o CAM", "saliency": "Sal-Att w/o CAM",
              "weighted+cam": "Ave & CAM", "l1_attention+cam": "l1-Att & CAM", "saliency+cam": "Sal-Att & CAM"}
DEFAULT_RULE = "saliency+cam"  # the paper's choice after Table III
#: Table IV: experiment number -> (ablation name, description).
ABLATIONS = {1: ("no_base", "no base branch (conv3), eq. (26)"),
             2: ("no_detail", "no detail branch (conv4), eq. (27)"),
             3: ("no_decomposition", "no decomposition loss, eq. (28)"),
             4: ("plain_ae", "plain auto-encoder (no conv4, single images), eq. (29)"),
             5: ("no_skip", "no skip connections")}
ABLATION_NAMES = ("none",) + tuple(a for a, _ in ABLATIONS.values())


# ----------------------------------------------------------------------------- training
@dataclass(frozen=True)
class RunSpec:
    """One DIDFuse training. Defaults are the paper's (Sec. IV-A): 120 epochs, batch 24, 128x128
    centre crops, Adam lr 1e-3 divided by 10 every 40 epochs, loss variant 'paper'."""

    ablation: str = "none"
    variant: str = "paper"
    seed: int = 0
    epochs: int = 120
    batch_size: int = 24
    crop: int = 128
    lr: float = 1e-3
    lr_step: int | None = 40
    max_steps_per_epoch: int | None = None
    train_limit: int | None = None  # pairs per training set (None: all)

    def __post_init__(self):
        if self.ablation not in ABLATION_NAMES:
            raise ValueError(f"unknown ablation {self.ablation!r}; valid: {', '.join(ABLATION_NAMES)}")

    def key(self) -> str:
        """Folder name: readable prefix + hash of every field (a changed field never reuses a run)."""
        h = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:10]
        return f"{self.ablation}-{self.variant}-seed{self.seed}-{h}"


def build_model(ablation: str = "none") -> DIDFuse:
    """The network of an ablation: conv3 or conv4 dropped, or no skip connections."""
    if ablation not in ABLATION_NAMES:
        raise ValueError(f"unknown ablation {ablation!r}; valid: {', '.join(ABLATION_NAMES)}")
    branches = {"no_base": "detail", "no_detail": "base", "plain_ae": "base"}.get(ablation, "both")
    return DIDFuse(skip_connections=ablation != "no_skip", branches=branches)


def loss_ablation(ablation: str) -> str:
    """The loss ablation of a Table IV experiment ('no_skip' keeps the full loss)."""
    return "none" if ablation == "no_skip" else ablation


class CropPairs(Dataset):
    """Grey centre crops of the training pairs, held in memory: items ``{"a": IR, "b": VIS}``,
    each (1, crop, crop) in [0, 1]."""

    def __init__(self, sets: Sequence[tuple[str, str]] = TRAIN_SETS, crop: int = 128, limit: int | None = None):
        a, b, self.names = [], [], []
        for name, split in sets:
            ds = FusionDataset(name, split, mode="gray", transform=CenterCrop(crop), limit=limit)
            for i in range(len(ds)):
                it = ds[i]
                a.append(it["a"])
                b.append(it["b"])
                self.names.append(f"{name}/{it['name']}")
        self.a, self.b = torch.stack(a), torch.stack(b)

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"a": self.a[i], "b": self.b[i]}


@dataclass
class Run:
    spec: RunSpec
    model: DIDFuse
    history: list[dict[str, float]]
    out_dir: Path
    train_seconds: float = 0.0  # this process's training time (0 when reused from the cache)
    pairs_per_second: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def train_run(spec: RunSpec, runs_dir: str | Path | None = None, device: str | None = None,
              progress: bool = False, amp: bool = True, dataset: Dataset | None = None) -> Run:
    """Train (or resume, or reuse) one DIDFuse run; returns the model in eval mode."""
    from ..paths import runs_dir as default_runs
    from ..train import Trainer, TrainConfig

    out = Path(runs_dir or default_runs()) / "didfuse" / spec.key()
    out.mkdir(parents=True, exist_ok=True)
    world = int(os.environ.get("WORLD_SIZE", "1"))  # under torchrun: the batch is split across ranks
    if spec.batch_size % world:
        raise ValueError(f"batch {spec.batch_size} cannot be split evenly over {world} processes")
    if int(os.environ.get("RANK", "0")) == 0:
        atomic_write_text(out / "spec.json", json.dumps(asdict(spec), indent=2))
    cfg = TrainConfig(epochs=spec.epochs, batch_size=spec.batch_size // world, lr=spec.lr, lr_step=spec.lr_step,
                      seed=spec.seed, device=device, amp=amp, out_dir=str(out),
                      max_steps_per_epoch=spec.max_steps_per_epoch, progress=progress,
                      extra={"didfuse": asdict(spec)})
    model = build_model(spec.ablation)
    trainer = Trainer(model, didfuse_training_loss(spec.variant, loss_ablation(spec.ablation)),
                      dataset if dataset is not None else _LazyCrops(spec), cfg)
    todo = spec.epochs - trainer.start_epoch
    t0 = time.perf_counter()
    history = trainer.fit()
    secs = time.perf_counter() - t0 if todo > 0 else 0.0
    steps = sum(int(r["steps"]) for r in history[-todo:]) if todo > 0 else 0  # summed over ranks
    pps = steps * spec.batch_size / world / secs if secs > 0 else None
    return Run(spec, trainer.model.eval(), history, out, secs, pps)


class _LazyCrops(Dataset):
    """Loads the crops only if a training step actually needs them (cached runs skip the reading)."""

    def __init__(self, spec: RunSpec):
        self.spec, self._ds = spec, None
        self._len = sum(len(FusionDataset(n, s, limit=spec.train_limit)) for n, s in TRAIN_SETS)

    def _get(self) -> CropPairs:
        if self._ds is None:
            self._ds = CropPairs(TRAIN_SETS, self.spec.crop, self.spec.train_limit)
        return self._ds

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: int):
        return self._get()[i]


def load_run(path: str | Path) -> tuple[DIDFuse, dict[str, Any]]:
    """Model and spec of a trainer checkpoint (``checkpoint.pt`` or its folder)."""
    p = Path(path)
    p = p / "checkpoint.pt" if p.is_dir() else p
    if not p.is_file():
        raise FileNotFoundError(f"no DIDFuse checkpoint at {p}")
    st = torch.load(p, map_location="cpu", weights_only=True)
    spec = (st.get("config", {}).get("extra") or {}).get("didfuse")
    if spec is None:
        raise ValueError(f"{p} is not a fusionkit DIDFuse training checkpoint (no didfuse spec in its config)")
    model = build_model(spec["ablation"])
    model.load_state_dict(st["model"])
    return model.eval(), spec


# ----------------------------------------------------------------------------- evaluation
def quantize(f: torch.Tensor) -> np.ndarray:
    """A fused image in [0, 1] as the 8-bit grey levels it is saved with (metrics use these)."""
    return np.round(f.detach().double().clamp(0, 1).cpu().numpy() * 255.0)


def pair_metrics(fused: torch.Tensor, a: torch.Tensor, b: torch.Tensor,
                 metrics: Sequence[str] = METRICS) -> dict[str, float]:
    """EN/SD/SF/VIF/AG/SCD of one (H, W) fused image and its sources, all on [0, 255]."""
    from ..metrics import evaluate

    return evaluate(quantize(fused), a.double().numpy() * 255.0, b.double().numpy() * 255.0, list(metrics))


def model_fuser(model: DIDFuse, rule: str = DEFAULT_RULE, tile: int | None = 128,
                device: str | None = None) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``fuse(a, b)`` on (N, 1, H, W) tensors with the optimised path (FastDIDFuse)."""
    from ..utils import select_device

    fast = FastDIDFuse(model.to(select_device(device)).eval(), tile=tile)
    fn = get_rule(rule)
    return lambda a, b: fast.fuse(a, b, fn).clamp(0, 1).cpu()


def method_fuser(method) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``fuse(a, b)`` for a :mod:`fusionkit.methods` method."""
    return lambda a, b: method.fuse_batch(a, b)


def _pairs(name: str, split: str | None, limit: int | None) -> FusionDataset:
    return FusionDataset(name, split, mode="gray", limit=limit)


def evaluate_fuser(fuse: Callable, name: str, split: str | None = "test", limit: int | None = None,
                   metrics: Sequence[str] = METRICS, keep: int = 0) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Metrics per pair of a dataset; also returns the first ``keep`` fused images (8-bit levels)."""
    ds = _pairs(name, split, limit)
    rows, kept = [], {}
    for i in range(len(ds)):
        it = ds[i]
        f = fuse(it["a"][None], it["b"][None])[0, 0]
        rows.append({"pair": it["name"], **pair_metrics(f, it["a"][0], it["b"][0], metrics)})
        if i < keep:
            kept[it["name"]] = quantize(f)
    return pd.DataFrame(rows), kept


def evaluate_strategies(model: DIDFuse, name: str, split: str | None, rules: Iterable[str] = STRATEGIES,
                        limit: int | None = None, metrics: Sequence[str] = METRICS, tile: int | None = 128,
                        device: str | None = None) -> pd.DataFrame:
    """Table III: every fusion-layer strategy on each pair, encoding each pair only once."""
    from ..utils import select_device

    dev = select_device(device)
    fast = FastDIDFuse(model.to(dev).eval(), tile=tile)
    rules = list(rules)
    ds = _pairs(name, split, limit)
    rows = []
    for i in range(len(ds)):
        it = ds[i]
        with torch.inference_mode():
            feats = fast.encode(torch.cat([it["a"][None], it["b"][None]]).to(dev))
            for r in rules:
                fn = get_rule(r)
                f = fast.decode(*(fn(x[:1], x[1:]) for x in feats)).clamp(0, 1).cpu()[0, 0]
                rows.append({"pair": it["name"], "strategy": r, **pair_metrics(f, it["a"][0], it["b"][0], metrics)})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- aggregation
def mean_std_over_runs(per_pair: pd.DataFrame, by: Sequence[str], metrics: Sequence[str] = METRICS) -> pd.DataFrame:
    """Per run: the dataset mean of each metric; then mean and std (ddof=1; 0 for one run) over runs.

    ``per_pair`` needs a ``run`` column; the paper's Tables III/IV report the mean over its 25
    trainings (the ± of Table III being, as we read it, the spread over trainings)."""
    per_run = per_pair.groupby(list(by) + ["run"], sort=False)[list(metrics)].mean()
    g = per_run.groupby(level=list(range(len(by))), sort=False)
    mean, std = g.mean(), g.std(ddof=1).fillna(0.0)
    out = pd.concat({"mean": mean, "std": std}, axis=1)
    out[("runs", "")] = g.size()
    return out


def pm(mean: pd.DataFrame, std: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """'mean ± std' strings."""
    return mean.apply(lambda c: [f"{m:.{digits}f} ± {s:.{digits}f}" for m, s in zip(c, std[c.name])])


def larger_value_counts(ours: pd.Series, test: pd.Series) -> tuple[int, int]:
    """Table IV's 'Overall # larger value': how many metrics each side wins (all metrics are
    higher-is-better here); ties count for neither."""
    return int((ours > test).sum()), int((test > ours).sum())


# ----------------------------------------------------------------------------- notebook glue
#: Manifest entries whose checksums go into every DIDFuse report's provenance.
ENTRIES = ("didfuse-flir-train", "roadscene", "didfuse-tno", "didfuse-flir-test", "didfuse-nir-country",
           "didfuse-ijcai", "ifcnn-max")


def spec_from_params(p: dict[str, Any], ablation: str = "none", i: int = 0) -> RunSpec:
    """The RunSpec of training ``i`` (seed = p['seed'] + i) for a resolved 'didfuse' preset."""
    return RunSpec(ablation=ablation, variant=p["variant"], seed=p["seed"] + i, epochs=p["epochs"],
                   batch_size=p["batch_size"], crop=p["crop"], lr=p["lr"], lr_step=p["lr_step"],
                   max_steps_per_epoch=p["max_steps_per_epoch"], train_limit=p["train_limit"])


def training_note(p: dict[str, Any]) -> str:
    """One line saying how the models behind a table were trained, against the paper's setting."""
    steps = f", at most {p['max_steps_per_epoch']} steps/epoch" if p["max_steps_per_epoch"] else ""
    lim = f", first {p['train_limit']} pairs per training set" if p["train_limit"] else ""
    sched = f" /10 every {p['lr_step']} epochs" if p["lr_step"] else " (constant)"
    return (f"Trained here: loss variant '{p['variant']}', {p['epochs']} epochs, batch {p['batch_size']}, "
            f"{p['crop']}x{p['crop']} centre crops, Adam lr {p['lr']:g}"
            f"{sched}"
            f"{steps}{lim}; paper: 120 epochs, batch 24, 128x128, lr 1e-3 /10 every 40 epochs. "
            f"Training data: FLIR-Train + RoadScene train split (for the unavailable NIR Mountain/Water).")


# ----------------------------------------------------------------------------- figures
def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def feature_maps_figure(model: DIDFuse, a: torch.Tensor, b: torch.Tensor, channel: int = 0):
    """Fig. 4: IR, VIS, then the first channel of B_I, D_I, B_V, D_V (conv3/conv4 outputs)."""
    fast = FastDIDFuse(model.cpu().eval(), tile=128)
    with torch.inference_mode():
        _, _, base, detail = fast.encode(torch.stack([a, b]).float())
    panels = [("infrared", a[0]), ("visible", b[0]), ("$B_I$", base[0, channel]), ("$D_I$", detail[0, channel]),
              ("$B_V$", base[1, channel]), ("$D_V$", detail[1, channel])]
    plt = _plt()
    fig, axes = plt.subplots(1, 6, figsize=(15, 2.8))
    for ax, (title, img) in zip(axes, panels):
        ax.imshow(img.numpy(), cmap="gray")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def zoom_grid(columns: Sequence[dict[str, np.ndarray]], rows: Sequence[str], box: float = 0.22):
    """Fig. 5: one column per pair, one row per image (sources then methods); two boxes per column
    (orange: centre, blue: lower left) drawn on every image and shown enlarged as insets.

    ``columns[j][row]`` is a 2-D array on [0, 255] (or [0, 1]); the boxes are ``box`` x the image size.
    """
    from matplotlib.patches import Rectangle

    plt = _plt()
    nr, nc = len(rows), len(columns)
    fig, axes = plt.subplots(nr, nc, figsize=(2.8 * nc, 2.3 * nr), squeeze=False)
    for j, col in enumerate(columns):
        h, w = next(iter(col.values())).shape
        bh, bw = max(int(h * box), 8), max(int(w * box), 8)
        boxes = [((h - bh) // 2, (w - bw) // 2, "tab:orange"), (h - bh - 2, 2, "tab:blue")]
        for i, r in enumerate(rows):
            ax = axes[i][j]
            ax.axis("off")
            img = np.asarray(col[r], dtype=float)
            img = img / 255.0 if img.max() > 1.5 else img
            ax.imshow(img, cmap="gray", vmin=0, vmax=1)
            for k, (y, x, c) in enumerate(boxes):
                ax.add_patch(Rectangle((x, y), bw, bh, fill=False, ec=c, lw=1))
                ins = ax.inset_axes([0.62, 0.0, 0.38, 0.38] if k == 0 else [0.62, 0.62, 0.38, 0.38])
                ins.imshow(img[y:y + bh, x:x + bw], cmap="gray", vmin=0, vmax=1)
                ins.set_xticks([])
                ins.set_yticks([])
                for s in ins.spines.values():
                    s.set_edgecolor(c)
            if j == 0:
                ax.text(-0.04, 0.5, r, transform=ax.transAxes, rotation=90, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def reproducibility_figure(per_run: pd.DataFrame, reference: pd.DataFrame, metrics: Sequence[str] = METRICS):
    """Fig. 6: per dataset (rows) and metric (columns), our value over the independent trainings
    (black), and the best (red dashed) and second-best (blue dotted) compared method.

    ``per_run``: columns dataset, run, metrics; ``reference``: index (dataset, method), metrics.
    """
    plt = _plt()
    sets = list(dict.fromkeys(per_run["dataset"]))
    fig, axes = plt.subplots(len(sets), len(metrics), figsize=(2.6 * len(metrics), 2.1 * len(sets)), squeeze=False)
    for i, ds in enumerate(sets):
        sub = per_run[per_run["dataset"] == ds].sort_values("run")
        for j, m in enumerate(metrics):
            ax = axes[i][j]
            x = np.arange(1, len(sub) + 1)
            ax.plot(x, sub[m].to_numpy(), "k-o", ms=3, label="DIDFuse (ours)")
            if ds in reference.index.get_level_values(0):
                vals = reference.loc[ds][m].sort_values(ascending=False)
                if len(vals) > 0:
                    ax.axhline(vals.iloc[0], color="red", ls="--", lw=1, label=f"best: {vals.index[0]}")
                if len(vals) > 1:
                    ax.axhline(vals.iloc[1], color="blue", ls=":", lw=1, label=f"2nd: {vals.index[1]}")
            ax.set_xticks(x)
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(m, fontsize=9)
            if j == 0:
                ax.set_ylabel(ds, fontsize=9)
            ax.legend(fontsize=5, loc="best")
    fig.tight_layout()
    return fig


def mark_best(table: pd.DataFrame, fmt: str = "{:.3f}") -> pd.DataFrame:
    """Columns = metrics (all higher-is-better here): best **bold**, second _underlined_ (Table V style)."""
    from ..metrics.stats import best_in_column

    return best_in_column(table, {m: True for m in table.columns}, fmt)


# ----------------------------------------------------------------------------- command line
def main(argv: Sequence[str] | None = None) -> None:
    """Train the runs a profile needs, outside the notebooks (e.g. on a multi-GPU machine)::

        python -m fusionkit.studies.didfuse --profile paper [--ablations none no_skip ...] [--runs N]
        torchrun --standalone --nproc_per_node 4 -m fusionkit.studies.didfuse --profile paper

    The notebooks then find the finished runs in ``$FUSIONKIT_RUNS_DIR/didfuse`` and reuse them.
    Under torchrun the paper's batch (24) is split across the processes.
    """
    from ..profiles import resolve

    ap = argparse.ArgumentParser(prog="python -m fusionkit.studies.didfuse", description=main.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="smoke", choices=("smoke", "quick", "paper"))
    ap.add_argument("--ablations", nargs="+", default=list(ABLATION_NAMES), choices=ABLATION_NAMES)
    ap.add_argument("--runs", type=int, default=None, help="trainings per configuration (default: the profile's)")
    ap.add_argument("--device", default=None)
    args = ap.parse_args(argv)
    p = resolve("didfuse", args.profile, device=args.device)
    for abl in args.ablations:
        n = args.runs or (max(p["runs"], p["repro_runs"]) if abl == "none" else p["ablation_runs"])
        for i in range(n):
            run = train_run(spec_from_params(p, abl, i), device=p["device"], progress=True)
            if int(os.environ.get("RANK", "0")) == 0:
                print(f"{abl} run {i}: {run.out_dir} (final loss {run.history[-1]['total']:.4g})", flush=True)


if __name__ == "__main__":
    main()
