"""AE-Netv2 study (Fang et al., ../shared/papers/004_7c5282c5fbda296f.txt): data roles and substitutes,
the typed config with its presets, the run spec, and one function per table and figure.

Training follows Algorithm 1 (:mod:`fusionkit.library_targets`): every 128x128 training crop is fused by each
method of the algorithm library, the result with the best ``Combined`` score (our E; the paper's E_2 is
not defined in it) is the crop's target O, and the network learns O with a source-fidelity term
(:func:`fusionkit.losses.aenet_loss`). Table II's schedule: 10 epochs at lr 1e-3, then 100 at 1e-4,
batch 16. The networks are tiny (5,378 parameters for AE-Netv2), so the ``paper`` profile runs that
schedule on CPU.

Data (per task; the paper's CVS set is private, its KAIST/RGBT/FLIR splits are not given):

* ir-vis: train FLIR-Train + the RoadScene train split + VIFB (21); test the 40 TNO pairs.
* multi-focus: Lytro (20 pairs): the first 14 train, the last 6 test.
* medical: the Harvard MRI-CT / MRI-PET / MRI-SPECT pairs of CDDFuse, each split in name order (first
  70 % train, the rest test), so neighbouring slices never straddle the split.
* multi-exposure: the IFCNN sequences (6): the first 4 train, the last 2 test; a sequence is fused from
  its darkest and brightest exposure.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from .. import evaluation as E
from .. import paper_tables, viz
from ..report import Table
from ..runs import LazyDataset, Run, RunSpec, train_cached
from ..train import late_drop
from .config import StudyConfig, make_config
from .aenetv2_claims import CLAIMS, LEDGER  # noqa: F401  (the claims ledger: report.ledger(study))

TASK_NAMES = ("ir-vis", "multi-focus", "medical", "multi-exposure")
#: Table VII's metrics (the paper normalises PSNR and 1/NIQE without saying how: we report them raw).
METRICS = ("Combined", "NIQE", "SSIM", "EN", "PSNR", "Brenner", "VIFF")
#: Every architecture of Tables VI-VII (fusionkit.nets), in the paper's column order, and its column name.
ARCHITECTURES = {"aenetv2-regular": "Regular", "aenetv2-gcb": "GCB", "aenetv2-inception": "Inception",
                 "aenetv2-separable": "Separable", "aenetv2-squeeze": "Squeeze",
                 "aenetv2-gcb-inception": "GCB+Inception", "aenetv2-squeeze-gcb": "Squeeze+GCB",
                 "aenetv2-squeeze2-gcb": "Squeeze2+GCB", "aenetv2-pp": "AE-Netv2++", "aenetv2-m": "AE-Netv2-M"}
#: Our method -> the paper's Table V row it is compared with (same method, or the stand-in we have).
TABLE5_ROWS = {"ifcnn-max": "IFCNN", "dtcwt": "DTCWT", "lp": "LP-SR", "cbf": "CBF", "gtf": "GTF",
               "vsmwls": "WLS", "rp": "RP", "msvd": "MSVD", "mgff": "MGFF", "adf": "ADF", "fpde": "FPDE",
               "aenetv2-m": "AE-Netv2-M", "aenetv2-gcb": "AE-Netv2-GCB", "aenetv2-regular": "AE-Netv2-CNN",
               "aenetv2-separable": "AE-Netv2-Separable", "aenetv2-squeeze": "AE-Netv2-Squeeze",
               "aenetv2-inception": "AE-Netv2-Inception", "aenetv2-squeeze-gcb": "AE-Netv2-Squeeze-GCB"}
#: The algorithm library of Algorithm 1: every classical baseline, the released IFCNN/DIDFuse checkpoints
#: and the DIDFuse/JCAE models trained here (zoo). Not hybrid_msd: 2.5 s per 128x128 crop, 50x the median.
LIBRARY = ("avg", "max", "lp", "rp", "dwt", "dtcwt", "msvd", "tif", "adf", "gff", "fpde", "mgff", "cbf", "gtf",
           "vsmwls", "ifcnn-max", "ifcnn-mean", "ifcnn-sum", "didfuse-ijcai", "didfuse", "jcae")
DATASETS = ("didfuse-flir-train", "roadscene", "vifb", "didfuse-tno", "ifcnn-lytro", "cddfuse-mri-ct",
            "cddfuse-mri-pet", "cddfuse-mri-spect", "ifcnn-me", "ifcnn-max", "ifcnn-mean", "ifcnn-sum",
            "didfuse-ijcai")
SUBSTITUTES = pd.DataFrame([
    ("ir-vis train", "FLIR, VIFB, RGBT1000, CVS (private)", "didfuse-flir-train + roadscene train split + vifb",
     "CVS is private; RGBT1000 is not in the manifest"),
    ("ir-vis test", "FLIR, VIFB, RGBT1000, CVS", "didfuse-tno (40)", "VIFB is used for training here"),
    ("multi-focus", "Lytro / MFIF benchmark", "ifcnn-lytro: 14 train, 6 test", "split by pair name"),
    ("medical", "Harvard CT/MRI/PET/SPECT", "cddfuse-mri-ct/pet/spect: first 70 % of each train, rest test",
     "split in name order, no overlap"),
    ("multi-exposure", "MEF sequences", "ifcnn-me: 4 train, 2 test (darkest + brightest exposure)",
     "SICE is not available (manifest: sice)"),
    ("evaluator E", "E_2 of AE-Net [1] (not defined)", "fusionkit's Combined (docs/metrics.md)", "ours"),
], columns=["role", "paper", "ours", "note"])


def _natural(names: Sequence[str]) -> list[str]:
    return sorted(names, key=lambda n: (0, int(n), "") if n.isdigit() else (1, 0, n))


def split_names(dataset: str, train_share: float = 0.7, n_train: int | None = None) -> tuple[tuple[str, ...], ...]:
    """(train names, test names) of a dataset the manifest does not split: natural name order, the first
    ``n_train`` (default ``round(train_share * n)``) for training, the rest for testing."""
    from ..data.manifest import load_manifest

    e = load_manifest()[dataset]
    names = _natural([p.name for p in (e.pairs or e.sequences)])
    k = n_train if n_train is not None else round(train_share * len(names))
    return tuple(names[:k]), tuple(names[k:])


_OWN_SPLITS = {"ifcnn-lytro": 14, "ifcnn-me": 4, "cddfuse-mri-ct": None, "cddfuse-mri-pet": None,
               "cddfuse-mri-spect": None}


def task_sets(task: str, role: str) -> tuple[tuple, ...]:
    """The ``(dataset, split[, pair names])`` sets of ``task`` for ``role`` 'train' or 'test'."""
    if role not in ("train", "test"):
        raise ValueError(f"role must be 'train' or 'test', got {role!r}")

    def own(name: str) -> tuple:
        tr, te = split_names(name, n_train=_OWN_SPLITS[name])
        return (name, None, tr if role == "train" else te)

    sets = {
        "ir-vis": {"train": (("didfuse-flir-train", "train"), ("roadscene", "train"), ("vifb", None)),
                   "test": (("didfuse-tno", "test"),)},
        "multi-focus": {r: (own("ifcnn-lytro"),) for r in ("train", "test")},
        "medical": {r: tuple(own(f"cddfuse-mri-{m}") for m in ("ct", "pet", "spect")) for r in ("train", "test")},
        "multi-exposure": {r: (own("ifcnn-me"),) for r in ("train", "test")},
    }
    if task not in sets:
        raise ValueError(f"unknown task {task!r}; valid: {', '.join(TASK_NAMES)}")
    return sets[task][role]


@dataclass(frozen=True)
class Config(StudyConfig):
    """Defaults = the paper: Table I-II (128x128 crops, batch 16, 10 epochs at 1e-3 + 100 at 1e-4), the
    AE-Netv2 (GCB) network and the recommended Squeeze+GCB, trained on the mixture of the four tasks."""

    nets: tuple[str, ...] = ("aenetv2-gcb", "aenetv2-squeeze-gcb")  # trained on the mixture at this profile
    tasks: tuple[str, ...] = TASK_NAMES
    crop: int = 128
    crops_per_task: int = 128  # training crops of each task (an epoch: len(tasks) x crops_per_task)
    library: tuple[str, ...] = LIBRARY
    fidelity: float = 0.1  # weight of the source term of the loss
    epochs_first: int = 10  # Table II, first phase at lr
    epochs: int = 110  # in all (second phase at lr / 10)
    batch_size: int = 16
    lr: float = 1e-3
    max_steps_per_epoch: int | None = None
    # Fig. 8 (a network also trained on each task alone) and the continuous-learning experiment add five
    # trainings; on CPU they run at the quick profile (None: skipped at this profile, the report says so)
    single_task_net: str | None = None
    continual_net: str | None = None
    continual_drop: str = "auto"  # the method left out of the smaller library ('auto': the largest target share)
    time_size: int = 400  # Tables V-VI: 400x400 grey pairs
    time_methods: tuple[str, ...] | None = None  # Table V's other methods (None: every registered one)
    time_pairs: int = 300  # pairs timed per method (the first, excluded, is extra)
    time_pairs_slow: int = 5  # for methods slower than 1 s per pair
    test_limit: int | None = None  # test pairs per dataset (None: all)
    figure_methods: tuple[str, ...] = ("ifcnn-max", "didfuse-ijcai", "mgff")
    device: str | None = None


PRESETS = {
    # smoke: the real path in seconds (two tasks, a 3-method library, 96x96 crops: Combined needs >= 96)
    "smoke": dict(nets=("aenetv2-gcb", "aenetv2-squeeze-gcb"), tasks=("ir-vis", "medical"), crop=96,
                  crops_per_task=4, library=("avg", "max", "lp"), epochs_first=1, epochs=2, batch_size=4,
                  max_steps_per_epoch=1, time_pairs=2, time_pairs_slow=1, time_size=96, time_methods=("avg", "lp"),
                  test_limit=2, figure_methods=("lp",), single_task_net="aenetv2-gcb", continual_net="aenetv2-gcb"),
    # quick: the variant sweep (every architecture) on a shorter schedule of the paper's crops (the same
    # 128 per task, so the target cache is shared): 2 + 8 epochs, 320 steps of batch 16 per mixture network
    "quick": dict(nets=tuple(ARCHITECTURES), epochs_first=2, epochs=10, time_pairs=30,
                  single_task_net="aenetv2-gcb", continual_net="aenetv2-gcb"),
}


def config(profile: str = "paper", **overrides: Any) -> Config:
    """The config of ``profile`` with ``overrides`` (unknown names are an error listing valid ones)."""
    return make_config(Config, PRESETS, profile, **overrides)


# ----------------------------------------------------------------------------- training data and runs
def task_crops(task: str, crop: int, per_task: int, seed: int) -> list:
    """``per_task`` crops of ``task``'s training sets, spread evenly over its pairs (fusionkit.library_targets); the
    same crops whichever other tasks a run trains on (seeded by the task, not its position)."""
    from ..evaluation import open_set
    from ..library_targets import sample_crops

    ti = TASK_NAMES.index(task)
    sets = task_sets(task, "train")
    n_pairs = sum(len(open_set(*s)) for s in sets)
    pool = sample_crops(sets, crop, per_pair=math.ceil(per_task / n_pairs), seed=seed + 1000 * ti)
    pick = np.random.default_rng([seed, ti]).permutation(len(pool))[:per_task]
    return [pool[i] for i in sorted(pick)]


def train_crops(tasks: Sequence[str], crop: int, per_task: int, seed: int) -> list:
    """The training crops of ``tasks``, task after task (:func:`task_crops`)."""
    return [c for task in tasks for c in task_crops(task, crop, per_task, seed)]


def targets_of(tasks: Sequence[str], crop: int, per_task: int, seed: int, library: Sequence[str],
               device: str | None = None):
    """(crops, Algorithm 1's targets, per-method results) of ``tasks``, computed (or read from the target
    cache) task by task, so a single-task run reuses the mixture's targets of that task."""
    from ..library_targets import library_targets, merge

    methods = library_methods(library, device)
    crops = {t: task_crops(t, crop, per_task, seed) for t in tasks}
    targets, results = merge([library_targets(methods, crops[t]) for t in tasks])
    return [c for t in tasks for c in crops[t]], targets, results


NET_METHODS = ("ifcnn-max", "ifcnn-mean", "ifcnn-sum", "didfuse-ijcai", "didfuse", "jcae")


def get_method(name: str, device: str | None = None):
    """``fusionkit.methods.get(name)``, networks on ``device``."""
    from .. import methods

    return methods.get(name, **({"device": device} if name in NET_METHODS else {}))


def library_methods(names: Sequence[str], device: str | None = None) -> list:
    """The algorithm library as method instances (networks on ``device``)."""
    return [get_method(n, device) for n in names]


class TargetCrops(torch.utils.data.Dataset):
    """Training items ``{"a", "b", "target"}``: the crops' sources and Algorithm 1's target O."""

    def __init__(self, spec: "AENetRun", device: str | None = None):
        from ..library_targets import load_crops

        crops, self.targets, self.results = targets_of(spec.tasks, spec.crop, spec.crops_per_task, spec.seed,
                                                       spec.library, device)
        self.a, self.b = load_crops(crops)

    def __len__(self) -> int:
        return len(self.a)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"a": self.a[i], "b": self.b[i], "target": self.targets.target[i]}


@dataclass(frozen=True)
class AENetRun(RunSpec):
    """One AE-Netv2 training (defaults: the paper's Table I-II setting on the four-task mixture)."""

    study = "aenetv2"
    net_name: str = "aenetv2-gcb"
    tasks: tuple[str, ...] = TASK_NAMES
    library: tuple[str, ...] = LIBRARY
    crop: int = 128
    crops_per_task: int = 128
    fidelity: float = 0.1
    epochs_first: int = 10
    epochs: int = 110
    batch_size: int = 16
    lr: float = 1e-3
    output_init: str = "image"  # fusionkit.nets.aenetv2: the output layer starts at a mid-grey image

    def label(self) -> str:
        data = "mixture" if set(self.tasks) == set(TASK_NAMES) else "+".join(self.tasks)
        return f"{self.net_name.removeprefix('aenetv2-')}-{data}-lib{len(self.library)}-seed{self.seed}"

    def net(self) -> tuple[str, dict[str, Any]]:
        return self.net_name, {"output_init": self.output_init}

    def loss(self):
        from ..losses import aenet_training_loss

        return aenet_training_loss(self.fidelity)

    def train_options(self) -> dict[str, Any]:
        # Table II: lr / 10 once, after the first phase; channels-last: the grouped convolution's fastest
        # layout on CPU (docs/studies/aenetv2.md)
        return {"lr_milestones": (self.epochs_first,), "channels_last": True}

    def dataset(self):
        return LazyDataset(lambda: TargetCrops(self), len(self.tasks) * self.crops_per_task)


def run_spec(cfg: Config, net: str | None = None, tasks: Sequence[str] | None = None,
             library: Sequence[str] | None = None) -> AENetRun:
    """The training of ``net`` (default ``cfg.nets[0]``) on ``tasks`` (default all of ``cfg.tasks``) with
    ``library`` (default ``cfg.library``) under ``cfg``."""
    return AENetRun(net_name=net or cfg.nets[0], tasks=tuple(tasks or cfg.tasks),
                    library=tuple(cfg.library if library is None else library), crop=cfg.crop,
                    crops_per_task=cfg.crops_per_task, fidelity=cfg.fidelity, epochs_first=cfg.epochs_first,
                    epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, seed=cfg.seed,
                    max_steps_per_epoch=cfg.max_steps_per_epoch)


def train(cfg: Config, net: str | None = None, tasks: Sequence[str] | None = None,
          library: Sequence[str] | None = None, progress: bool = True) -> Run:
    """The trained network (zoo, run cache, resumed or new training)."""
    return train_cached(run_spec(cfg, net, tasks, library), device=cfg.device, progress=progress)


def training_note(cfg: Config) -> str:
    n = len(cfg.tasks) * cfg.crops_per_task
    steps = cfg.epochs * min(cfg.max_steps_per_epoch or n, max(n // cfg.batch_size, 1))
    return (f"Trained here ({cfg.profile} profile): {n} {cfg.crop}x{cfg.crop} crops ({cfg.crops_per_task} per task: "
            f"{', '.join(cfg.tasks)}), targets from a {len(cfg.library)}-method library, {cfg.epochs_first} epochs at "
            f"lr {cfg.lr:g} then {cfg.epochs - cfg.epochs_first} at {cfg.lr / 10:g} (~{steps} steps of batch "
            f"{cfg.batch_size}); paper (Table II): 10 + 100 epochs, batch 16, 128x128.")


def zoo_name(cfg: Config, spec: AENetRun) -> str:
    """'<profile>-<net>' for mixture trainings with the full library, '-<task>' for single-task ones,
    '-without-<method>' for the continuous-learning run."""
    name = f"{cfg.profile}-{spec.net_name.removeprefix('aenetv2-')}"
    if set(spec.tasks) != set(cfg.tasks):
        name += "-" + "+".join(spec.tasks)
    missing = [m for m in cfg.library if m not in spec.library]
    if missing:
        name += "-without-" + "+".join(missing)
    return name


def zoo_probe(model: torch.nn.Module) -> torch.Tensor:
    """What the zoo checks an fp16 copy against: a 128x160 corner of the first TNO pair, fused."""
    from ..data import FusionDataset

    it = FusionDataset("didfuse-tno", "test", mode="gray", limit=1)[0]
    with torch.inference_mode():
        return model.cpu().eval()(it["a"][None, :, :128, :160], it["b"][None, :, :128, :160])


def training_plan(cfg: Config, select: Sequence[str] = ("nets", "single-task", "continual")) -> list[AENetRun]:
    """Every training the notebooks of ``cfg``'s profile use: the mixture trainings of ``cfg.nets``, then
    ``cfg.single_task_net`` on each task alone (Fig. 8), then the continuous-learning run."""
    plan = [run_spec(cfg, n) for n in cfg.nets] if "nets" in select else []
    if "single-task" in select and cfg.single_task_net:
        plan += [run_spec(cfg, cfg.single_task_net, (t,)) for t in cfg.tasks]
    if "continual" in select and cfg.continual_net:
        plan += [run_spec(cfg, cfg.continual_net), run_spec(cfg, cfg.continual_net, library=smaller_library(cfg))]
    return list(dict.fromkeys(plan))


# ----------------------------------------------------------------------------- targets, continuous learning
def mixture_targets(cfg: Config, library: Sequence[str] | None = None):
    """Algorithm 1's targets of the mixture's training crops (from the target cache when computed before)."""
    return targets_of(cfg.tasks, cfg.crop, cfg.crops_per_task, cfg.seed, cfg.library if library is None else library,
                      cfg.device)


def strongest_method(cfg: Config) -> str:
    """``cfg.continual_drop``, or (for 'auto') the library method that supplies the most targets."""
    if cfg.continual_drop != "auto":
        if cfg.continual_drop not in cfg.library:
            raise ValueError(f"continual_drop {cfg.continual_drop!r} is not in the library {cfg.library}")
        return cfg.continual_drop
    shares = mixture_targets(cfg)[1].shares()
    return max(shares, key=shares.get)


def smaller_library(cfg: Config) -> tuple[str, ...]:
    drop = strongest_method(cfg)
    return tuple(m for m in cfg.library if m != drop)


def targets_table(cfg: Config) -> dict[str, Table]:
    """Which library method supplied each task's targets, their E against the best single method, and the
    time each method took on the crops (0: read from the target cache)."""
    crops, t, results = mixture_targets(cfg)
    task_by_dataset = {s[0]: task for task in cfg.tasks for s in task_sets(task, "train")}
    task_of = [task_by_dataset[c.dataset] for c in crops]
    df = pd.DataFrame({"task": task_of, "method": t.method, "E": t.score})
    share = pd.crosstab(df.method, df.task, normalize="columns").mul(100).round(1)
    per_method = pd.DataFrame({r.name: r.scores for r in results})
    per_method["task"] = task_of
    means = per_method.groupby("task").mean().T
    best_single = means.max()
    summary = pd.DataFrame({"target E (best of library)": df.groupby("task").E.mean(),
                            "best single method": means.idxmax(), "its E": best_single,
                            "gain of the target %": 100 * (df.groupby("task").E.mean() / best_single - 1)})
    timing = pd.DataFrame([{"method": r.name, "fingerprint": r.fingerprint, "seconds (0: cached)": round(r.seconds, 1)}
                           for r in results])
    return {"target_shares": Table(share, "Share of each task's training crops whose target O each library method "
                                          "supplied (%), Algorithm 1 with E = Combined"),
            "target_quality": Table(summary, "Mean E (Combined) of the targets vs the best single method, per task"),
            "target_method_means": Table(means, "Mean E of each library method on each task's training crops"),
            "target_library": Table(timing, "The algorithm library: fingerprint (the target cache's version key) "
                                            "and time on the crops", False)}


def continual(cfg: Config) -> dict[str, Table]:
    """Continuous learning (Sec. III): the library without its strongest method, then with it: the targets'
    E and the trained network's test metrics per task."""
    if not cfg.continual_net:
        return {"continual": Table(pd.DataFrame([{"note": f"not run at the {cfg.profile} profile (continual_net is "
                                                          f"None): see the quick report"}]), "Continuous learning", False)}
    drop = strongest_method(cfg)
    small = smaller_library(cfg)
    rows = []
    for label, lib in ((f"library without {drop}", small), ("full library", cfg.library)):
        _, t, _ = mixture_targets(cfg, lib)
        run = train(cfg, cfg.continual_net, library=lib)
        per_task = test_scores({label: fuser(run.model, cfg)}, cfg)
        rows.append({"library": label, "methods": len(lib), "mean target E": float(t.score.mean()),
                     **per_task.groupby("task")["Combined"].mean().rename(lambda k: f"test Combined, {k}").to_dict(),
                     **per_task[list(METRICS)].mean().rename(lambda k: f"mean {k}").to_dict()})
    return {"continual": Table(pd.DataFrame(rows).set_index("library"),
                               f"Continuous learning: {cfg.continual_net} trained with the library without "
                               f"{drop} (the method supplying the most targets), then with it. "
                               + training_note(cfg))}


# ----------------------------------------------------------------------------- evaluation
def fuser(model: torch.nn.Module, cfg: Config) -> E.Fuser:
    from ..methods.trained import AENetTrained

    return E.method_fuser(AENetTrained.from_model(model, device=cfg.device))


def test_sets(cfg: Config) -> dict[str, tuple]:
    """label -> test set, over ``cfg.tasks`` (labels 'task/dataset')."""
    return {f"{task}/{s[0]}": s for task in cfg.tasks for s in task_sets(task, "test")}


def test_scores(fusers: dict[str, E.Fuser], cfg: Config) -> pd.DataFrame:
    """Table VII's metrics for every fuser on every test pair, with a ``task`` column."""
    df, _ = E.score(fusers, test_sets(cfg), METRICS, limit=cfg.test_limit)
    df.insert(0, "task", df.dataset.str.split("/").str[0])
    return df


def task_means(per_pair: pd.DataFrame) -> pd.DataFrame:
    """Mean per (method, task) over the task's pairs, then the mean over tasks (the paper's average)."""
    by_task = per_pair.groupby(["method", "task"], sort=False)[list(METRICS)].mean()
    return by_task.groupby("method", sort=False).mean()


# ----------------------------------------------------------------------------- Tables V-VII
def complexity_rows(size: int = 400) -> pd.DataFrame:
    """Measured parameters and MACs at ``size`` x ``size`` (fusionkit.complexity) of every network of the
    study and of the other studies (IFCNN, DIDFuse with the sum rule, JCAE with eq. 8/9)."""
    from ..complexity import complexity
    from ..fusion_rules import RULES
    from ..nets import build

    grey = torch.rand(1, 1, size, size)
    rgb = grey.expand(1, 3, size, size)
    rows = [complexity(n, build(n), (grey, grey)).row() for n in ARCHITECTURES]
    rows.append(complexity("ifcnn", build("ifcnn"), (rgb, rgb)).row())
    rows.append(complexity("didfuse", build("didfuse"), (grey, grey),
                           call=lambda m, a, b: m.fuse(a, b, RULES.get("sum"))).row())
    rows.append(complexity("jcae", build("jcae"), (grey, grey),
                           call=lambda m, a, b: m.fuse(a, b, RULES.get("max"), RULES.get("jcae-common"))).row())
    return pd.DataFrame(rows).set_index("name")


def table6(cfg: Config) -> Table:
    """Table VI: FLOPs and parameters at ``cfg.time_size`` (the paper: 400x400), measured, beside the paper's
    (its 'Flops' for its own networks are parameters x pixels; ours: true MACs and 2 x MACs, and that convention)."""
    ours = complexity_rows(cfg.time_size)
    paper = paper_tables.load("aenetv2", 6).set_index("network")
    names = {"ifcnn": "IFCNN", "aenetv2-gcb": "AE-Netv2", "aenetv2-regular": "AE-Netv2+", "aenetv2-pp": "AE-Netv2++"}
    t = ours[["parameters", "macs", "flops", "paper_flops", "size_mb"]].copy()
    t["paper: parameters"] = pd.array([paper.parameters.get(names.get(n)) for n in t.index], dtype="Int64")
    t["paper: Flops"] = pd.array([paper.flops.get(names.get(n)) for n in t.index], dtype="Int64")
    t["parameters vs paper %"] = 100 * (t.parameters / t["paper: parameters"] - 1)
    return Table(t, f"Table VI at {cfg.time_size}x{cfg.time_size}, measured (torch.utils.flop_counter): MACs, "
                    "FLOPs = 2 x MACs, and the "
                    "paper's convention 'parameters x pixels' (paper_flops); the paper's columns where it has the "
                    "network (U2Fusion and AE-Net are not implemented here)")


def time_per_pair(fuse, pairs: Sequence[tuple[torch.Tensor, torch.Tensor]], sync=None) -> dict[str, float]:
    """Table V's protocol: the first pair excluded (initialisation), then each pair timed (no saving)."""
    import time

    sync = sync or (lambda: None)
    fuse(*pairs[0])
    sync()
    ts = []
    for a, b in pairs[1:]:
        t0 = time.perf_counter()
        fuse(a, b)
        sync()
        ts.append(time.perf_counter() - t0)
    return {"median ms": 1000 * float(np.median(ts)), "mean ms": 1000 * float(np.mean(ts)), "pairs timed": len(ts)}


def timing_pairs(cfg: Config, n: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``n + 1`` grey ``time_size``-square pairs: the TNO test pairs resized, repeated as needed."""
    from ..data import FusionDataset
    from ..data.transforms import Resize

    ds = FusionDataset("didfuse-tno", "test", mode="gray", transform=Resize((cfg.time_size, cfg.time_size)))
    items = [ds[i % len(ds)] for i in range(min(n + 1, len(ds)))]
    return [(items[i % len(items)]["a"][None], items[i % len(items)]["b"][None]) for i in range(n + 1)]


def table5(cfg: Config, trained: dict[str, Run]) -> Table:
    """Table V: ms per ``time_size``-square grey pair for every method we have (classical, released, trained
    here) on this machine, and model size, beside the paper's time and size."""
    import time

    from .. import methods
    from ..complexity import state_dict_bytes
    from ..methods.trained import AENetTrained

    dev = torch.device(cfg.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    sync = torch.cuda.synchronize if dev.type == "cuda" else None
    pairs = timing_pairs(cfg, cfg.time_pairs)
    fusers: dict[str, tuple[Any, torch.nn.Module | None]] = {}
    others = cfg.time_methods if cfg.time_methods is not None else methods.names()
    for name in (n for n in others if not n.startswith("aenetv2")):  # ours: the models of this run
        m = get_method(name, cfg.device)
        fusers[name] = (m, getattr(m, "model", None))
    for net, run in trained.items():
        fusers[net] = (AENetTrained.from_model(run.model, device=cfg.device), run.model)
    paper = paper_tables.load("aenetv2", 5).set_index("method")
    rows = []
    for name, (m, model) in fusers.items():
        t0 = time.perf_counter()
        m.fuse_batch(*pairs[0])
        slow = time.perf_counter() - t0 > 1.0
        n = cfg.time_pairs_slow if slow else cfg.time_pairs
        tm = time_per_pair(m.fuse_batch, pairs[:n + 1], sync)
        ref = TABLE5_ROWS.get(name)
        rows.append({"method": name, **tm, "model size MB (fp32)": state_dict_bytes(model) / 1e6 if model else np.nan,
                     "paper's row": ref or "-",
                     "paper: time ms": 1000 * float(paper.time_s[ref]) if ref and paper.time_s[ref] != "×" else np.nan,
                     "paper: size MB": paper.model_size_mb[ref] if ref else "-"})
    df = pd.DataFrame(rows).set_index("method")
    return Table(df, f"Table V on {dev.type}: ms per {cfg.time_size}x{cfg.time_size} grey pair (first pair excluded, "
                     f"saving excluded; methods slower than 1 s: {cfg.time_pairs_slow} pairs, else {cfg.time_pairs}); "
                     f"model size of the fp32 state dict. The paper: RTX 2070 / its CPU, 300 pairs; its AE-Netv2 sizes "
                     f"are ~12 bytes per parameter (e.g. 0.069 MB for 5,378), IFCNN's 0.32 MB is 4 bytes per parameter")


def table7(cfg: Config, trained: dict[str, Run], times: pd.DataFrame | None = None) -> dict[str, Table]:
    """Table VII: every trained architecture x Combined, NIQE, SSIM, EN, PSNR, Brenner, VIFF averaged over the
    tasks (mean of the task means), time and size; beside the paper's."""
    from ..complexity import parameter_count, state_dict_bytes

    per_pair = test_scores({n: fuser(r.model, cfg) for n, r in trained.items()}, cfg)
    t = task_means(per_pair)
    t["parameters"] = [parameter_count(trained[n].model) for n in t.index]
    t["size MB (fp32)"] = [state_dict_bytes(trained[n].model) / 1e6 for n in t.index]
    if times is not None:
        t["time ms"] = [times.loc[n, "median ms"] if n in times.index else np.nan for n in t.index]
    paper = paper_tables.load("aenetv2", 7).pivot_table(index="architecture", columns="metric", values="value",
                                                        aggfunc="first")
    paper.index = paper.index.map({v: k for k, v in ARCHITECTURES.items()})
    by_task = per_pair.groupby(["task", "method"], sort=False)[list(METRICS)].mean()
    return {"table7": Table(t, f"Table VII: mean over the tasks ({', '.join(cfg.tasks)}) of each task's mean on its "
                               f"test pairs. PSNR and NIQE are raw (the paper normalises PSNR and 1/NIQE without "
                               f"saying how). " + training_note(cfg)),
            "table7_reported": Table(paper, "Table VII as reported (its PSNR and NIQE rows are normalised)"),
            "table7_per_task": Table(by_task, "Table VII's metrics per task", False),
            "table7_per_pair": Table(per_pair, "Per test pair", False)}


# ----------------------------------------------------------------------------- figures
def trainings(cfg: Config) -> tuple[dict[str, Run], dict[str, Table]]:
    """The mixture training of each of ``cfg.nets`` and a summary (loss at the end of each phase)."""
    runs = {n: train(cfg, n) for n in cfg.nets}
    rows = []
    for n, r in runs.items():
        h = r.history
        first = h[min(cfg.epochs_first, len(h)) - 1]["total"]
        rows.append({"net": n, "run": r.spec.key(), "source": r.source, "precision": r.meta.get("precision"),
                     "epochs": len(h), "loss after phase 1": first, "final loss": h[-1]["total"],
                     "last-third drop %": late_drop(h),
                     "train minutes": round((r.meta.get("train_seconds_total") or r.train_seconds) / 60, 1)})
    return runs, {"data_substitutes": Table(SUBSTITUTES, "AE-Netv2 data: the paper's and ours", False),
                  "training_runs": Table(pd.DataFrame(rows), "AE-Netv2 trainings. " + training_note(cfg), False)}


def loss_figure(runs: dict[str, Run]):
    """Training loss per epoch of each network (Table II's phase change marked)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.4))
    for n, r in runs.items():
        ax.plot([h["epoch"] for h in r.history], [h["total"] for h in r.history], label=n)
    first = next(iter(runs.values())).spec.epochs_first
    ax.axvline(first + 0.5, color="grey", ls=":", label="lr / 10")
    ax.set(xlabel="epoch", ylabel="training loss", yscale="log", title="AE-Netv2 training (Table II schedule)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig_tasks(cfg: Config, trained: dict[str, Run]):
    """Figs 4-5: the first test pair of each task, fused by our networks and ``cfg.figure_methods``."""
    fusers = {n: fuser(r.model, cfg) for n, r in trained.items()}
    fusers |= {m: E.method_fuser(get_method(m, cfg.device)) for m in cfg.figure_methods}
    grid, titles = [], []
    for task in cfg.tasks:
        s = task_sets(task, "test")[0]
        it = E.open_set(*s, limit=1)[0]
        a, b = it["a"][None], it["sources"][-1][None]
        grid.append([a[0, 0], b[0, 0], *(f(a, b)[0, 0] for f in fusers.values())])
        titles.append([f"{task}: a", "b", *fusers])
    return viz.image_grid(grid, titles, cell=1.8)


def fig8(cfg: Config) -> tuple[Any, Table]:
    """Fig. 8 (commonness vs characteristics): ``cfg.single_task_net`` trained on the mixture vs on each task
    alone, Combined and the other metrics on each task's test pairs."""
    import matplotlib.pyplot as plt

    net = cfg.single_task_net
    if not net:
        note = f"not run at the {cfg.profile} profile (single_task_net is None): see the quick report"
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "Fig. 8: " + note, ha="center", va="center", fontsize=8)
        return fig, Table(pd.DataFrame([{"note": note}]), "Fig. 8", False)
    mixed = train(cfg, net)
    rows = []
    for task in cfg.tasks:
        alone = train(cfg, net, (task,))
        sets = {f"{task}/{s[0]}": s for s in task_sets(task, "test")}
        df, _ = E.score({"mixture": fuser(mixed.model, cfg), "this task only": fuser(alone.model, cfg)}, sets,
                        METRICS, limit=cfg.test_limit)
        rows += [{"task": task, "training": m, **g[list(METRICS)].mean().to_dict()} for m, g in df.groupby("method")]
    t = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    piv = t.pivot(index="task", columns="training", values="Combined").loc[list(cfg.tasks)]
    piv.plot.bar(ax=ax, rot=0)
    ax.set(ylabel="Combined (test pairs)", title=f"Fig. 8: {net}, mixture vs single-task training")
    fig.tight_layout()
    return fig, Table(t.set_index(["task", "training"]), f"Fig. 8 in numbers ({net}). " + training_note(cfg))


def fig10(t7: pd.DataFrame):
    """Fig. 10: quality (Combined) against time, bubble area proportional to the model's parameters."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    y = t7["time ms"] if "time ms" in t7 else pd.Series(np.nan, t7.index)
    size = 3000 * t7["parameters"] / t7["parameters"].max()
    ax.scatter(t7["Combined"], y, s=size, alpha=0.4)
    for n in t7.index:
        ax.annotate(ARCHITECTURES.get(n, n), (t7.loc[n, "Combined"], y[n]), fontsize=7, ha="center")
    ax.margins(0.2)  # room for the largest bubble (radius ~27 pt) at the data's extremes
    ax.set(xlabel="Combined (mean over tasks)", ylabel="ms per pair (this machine)",
           title="Fig. 10: quality, time and size (bubble: parameters)")
    fig.tight_layout()
    return fig


if __name__ == "__main__":  # python -m fusionkit.studies.aenetv2 --profile paper [--select nets] [--zoo]
    from ..runs import train_main

    train_main("python -m fusionkit.studies.aenetv2", config, training_plan, ["nets", "single-task", "continual"],
               zoo_name=zoo_name, zoo_probe=zoo_probe)
