"""AE-Netv2 study (Fang et al., ../shared/papers/004_7c5282c5fbda296f.txt), notebook 30: data roles, the
typed config, the run spec and plan, Algorithm 1's targets, the trainings, continuous learning and Fig. 8
(each function returns a :class:`fusionkit.report.Section`); Tables V-VII, Figs 4-5, 10: :mod:`.aenetv2_efficiency`;
claims: :mod:`.aenetv2_claims`. Algorithm 1 (:mod:`fusionkit.library_targets`): each 128x128 training crop is
fused by every library method, the best by ``Combined`` (our E; the paper's E_2 is undefined) is its target O,
learnt with a source-fidelity term (:func:`fusionkit.losses.aenet_loss`); Table II: 10 epochs at 1e-3, 100 at
1e-4, batch 16 (tiny networks: the ``paper`` profile runs on CPU). Tasks (CVS is private): ir-vis (FLIR-Train +
RoadScene train + VIFB; test TNO), multi-focus (Lytro 14/6), medical (CDDFuse MRI-CT/PET/SPECT, 70 % train),
multi-exposure (IFCNN sequences 4/2, darkest + brightest); splits in data_manifest.yaml, natural name order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

import numpy as np
import pandas as pd
import torch

from .. import evaluation as E
from .. import methods, viz
from ..report import Section, Table, not_run
from ..runs import LazyDataset, RunSpec, summary, train
from .aenetv2_claims import CLAIMS, LEDGER  # noqa: F401  (the claims ledger: report.ledger(aenetv2))
from .config import StudyConfig, substitutes

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
SUBSTITUTES = substitutes("aenetv2")  # fusionkit/studies/substitutes/aenetv2.csv

#: (dataset, split) sets of each task and role.
TASK_SETS = {
    "ir-vis": {"train": (("didfuse-flir-train", "train"), ("roadscene", "train"), ("vifb", None)),
               "test": (("didfuse-tno", "test"),)},
    **{task: {r: tuple((d, r) for d in sets) for r in ("train", "test")} for task, sets in (
        ("multi-focus", ("ifcnn-lytro",)), ("medical", ("cddfuse-mri-ct", "cddfuse-mri-pet", "cddfuse-mri-spect")),
        ("multi-exposure", ("ifcnn-me",)))},
}


def task_sets(task: str, role: str) -> tuple[tuple, ...]:
    """The ``(dataset, split)`` sets of ``task`` for ``role`` 'train' or 'test'."""
    if task not in TASK_SETS or role not in ("train", "test"):
        raise ValueError(f"task {task!r} / role {role!r}: valid tasks {', '.join(TASK_NAMES)}; roles train, test")
    return TASK_SETS[task][role]


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
    PRESETS: ClassVar = {
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


config = Config.preset
PRESETS = Config.PRESETS


# ----------------------------------------------------------------------------- training data and runs
def task_crops(task: str, crop: int, per_task: int, seed: int) -> list:
    """``per_task`` crops of ``task``'s training sets, spread evenly over its pairs; the same crops whichever
    other tasks a run trains on (seeded by the task, not its position)."""
    from ..library_targets import sample_crops

    ti, sets = TASK_NAMES.index(task), task_sets(task, "train")
    n_pairs = sum(len(E.open_set(*s)) for s in sets)
    pool = sample_crops(sets, crop, per_pair=math.ceil(per_task / n_pairs), seed=seed + 1000 * ti)
    pick = np.random.default_rng([seed, ti]).permutation(len(pool))[:per_task]
    return [pool[i] for i in sorted(pick)]


def targets_of(tasks: Sequence[str], crop: int, per_task: int, seed: int, library: Sequence[str],
               device: str | None = None):
    """(crops, Algorithm 1's targets, per-method results) of ``tasks``, computed (or read from the target
    cache) task by task, so a single-task run reuses the mixture's targets of that task."""
    from ..library_targets import library_targets, merge

    lib = [methods.get(n, device=device) for n in library]
    crops = {t: task_crops(t, crop, per_task, seed) for t in tasks}
    targets, results = merge([library_targets(lib, crops[t]) for t in tasks])
    return [c for t in tasks for c in crops[t]], targets, results


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
    return AENetRun.from_config(cfg, net_name=net or cfg.nets[0], tasks=tuple(tasks or cfg.tasks),
                                library=tuple(cfg.library if library is None else library))


def training_note(cfg: Config) -> str:
    n = len(cfg.tasks) * cfg.crops_per_task
    return (f"Trained here ({cfg.profile} profile): {cfg.crop}x{cfg.crop} crops ({cfg.crops_per_task} per task: "
            f"{', '.join(cfg.tasks)}), targets from a {len(cfg.library)}-method library, {run_spec(cfg).schedule(n)}; "
            f"paper (Table II): 10 + 100 epochs, batch 16, 128x128.")


PLAN_GROUPS = ("nets", "single-task", "continual")


def training_plan(cfg: Config, select: Sequence[str] | None = None) -> dict[str, AENetRun]:
    """Every training the notebooks use, by zoo name: the mixture trainings of ``cfg.nets`` ('<net>'), then
    ``cfg.single_task_net`` on each task alone ('<net>-<task>', Fig. 8), then the continuous-learning run
    ('<net>-without-<method>')."""
    select, short = select or PLAN_GROUPS, (lambda n: n.removeprefix("aenetv2-"))
    plan = {short(n): run_spec(cfg, n) for n in cfg.nets} if "nets" in select else {}
    if "single-task" in select and cfg.single_task_net:
        plan |= {f"{short(cfg.single_task_net)}-{t}": run_spec(cfg, cfg.single_task_net, (t,)) for t in cfg.tasks}
    if "continual" in select and cfg.continual_net:
        plan |= {short(cfg.continual_net): run_spec(cfg, cfg.continual_net),
                 f"{short(cfg.continual_net)}-without-{strongest_method(cfg)}":
                     run_spec(cfg, cfg.continual_net, library=smaller_library(cfg))}
    return plan


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


def targets_table(cfg: Config) -> Section:
    """Which library method supplied each task's targets, their E against the best single method, and the
    time each method took on the crops (0: read from the target cache)."""
    crops, t, results = mixture_targets(cfg)
    task_by_dataset = {s[0]: task for task in cfg.tasks for s in task_sets(task, "train")}
    task_of = [task_by_dataset[c.dataset] for c in crops]
    df = pd.DataFrame({"task": task_of, "method": t.method, "E": t.score})
    share = pd.crosstab(df.method, df.task, normalize="columns").mul(100).round(1)
    means = pd.DataFrame({r.name: r.scores for r in results}).assign(task=task_of).groupby("task").mean().T
    q = pd.DataFrame({"target E (best of library)": df.groupby("task").E.mean(), "best single method": means.idxmax(),
                      "its E": means.max()})
    q["gain of the target %"] = 100 * (q["target E (best of library)"] / q["its E"] - 1)
    timing = pd.DataFrame([{"method": r.name, "fingerprint": r.fingerprint, "seconds (0: cached)": round(r.seconds, 1)}
                           for r in results])
    return Section("Algorithm 1's targets", {
        "target_shares": Table(share, "Share of each task's training crops whose target O each library method "
                                      "supplied (%), Algorithm 1 with E = Combined"),
        "target_quality": Table(q, "Mean E (Combined) of the targets vs the best single method, per task"),
        "target_method_means": Table(means, "Mean E of each library method on each task's training crops"),
        "target_library": Table(timing, "The algorithm library: fingerprint (the target cache's version key) and "
                                        "time on the crops", False)},
        finding=f"The targets beat the best single method by {q['gain of the target %'].min():.1f}-"
                f"{q['gain of the target %'].max():.1f} % in mean E.", show=("target_shares", "target_quality"))


def continual(cfg: Config) -> Section:
    """Continuous learning (Sec. III): ``cfg.continual_net`` trained with the library without its strongest
    method ('smaller library'), then with it ('full library'): the targets' E and the test metrics per task."""
    if not cfg.continual_net:
        return not_run("Continuous learning", "continual", f"continual_net is None at the {cfg.profile} profile")
    drop, rows, frames = strongest_method(cfg), [], []
    for label, lib in (("smaller library", smaller_library(cfg)), ("full library", cfg.library)):
        per_pair = test_scores({label: fuser(train(cfg, run_spec(cfg, cfg.continual_net, library=lib)).model, cfg)},
                               cfg).rename(columns={"method": "library"})
        frames.append(per_pair)
        rows.append({"library": label, "methods": len(lib), "mean target E": float(mixture_targets(cfg, lib)[1].score.mean()),
                     **task_means(per_pair, "library").iloc[0].rename(lambda k: f"{k} (mean of task means)").to_dict()})
    per_pair = pd.concat(frames, ignore_index=True)
    by_task = per_pair.groupby(["task", "library"], sort=False)["Combined"].mean().unstack()
    return Section("Continuous learning", {
        "continual": Table(pd.DataFrame(rows).set_index("library"), (
            f"Continuous learning: {cfg.continual_net} trained with the library without {drop} (the method "
            f"supplying the most targets: 'smaller library'), then with it; metrics are the mean over the tasks of "
            f"each task's mean, as Table VII. " + training_note(cfg))),
        "continual_by_task": Table(by_task, "Continuous learning: test Combined per task"),
        "continual_per_pair": Table(per_pair, "Continuous learning: metrics per test pair", False)},
        finding=f"Full library higher on Combined in {int((by_task['full library'] > by_task['smaller library']).sum())}"
                f" of {len(by_task)} tasks (one training a side).", show=("continual", "continual_by_task"))


def trainings(cfg: Config) -> Section:
    """The mixture training of each of ``cfg.nets``: summary (loss at the end of Table II's first phase) and
    the loss curves with the phase change marked."""
    runs = {n: train(cfg, run_spec(cfg, n)) for n in cfg.nets}
    s = summary(runs)
    s.insert(5, "loss after phase 1", [r.history[min(cfg.epochs_first, len(r.history)) - 1]["total"] for r in runs.values()])
    sched = "Table II schedule" if cfg.profile == "paper" else f"{cfg.profile} schedule, {cfg.epochs_first} + " \
        f"{cfg.epochs - cfg.epochs_first} epochs"
    return Section("AE-Netv2 trainings", {
        "data_substitutes": Table(SUBSTITUTES, "AE-Netv2 data: the paper's and ours", False),
        "training_runs": Table(s.rename(columns={"run": "net"}), "AE-Netv2 trainings; 'last-third drop %': how much the "
                               "loss still fell over the last third of the epochs (negative: it rose, i.e. it "
                               "oscillates at a plateau). " + training_note(cfg), False)},
        {"training_loss": viz.loss_curves({n: r.history for n, r in runs.items()}, title=f"AE-Netv2 training loss "
                                          f"({sched})", marks={"lr / 10": cfg.epochs_first + 0.5})},
        f"Final losses {s['final loss'].min():.3f}-{s['final loss'].max():.3f} (the paper: about 0.28, GCB 0.4-0.5).",
        data={"runs": runs}, show=("training_runs",))


def fig8(cfg: Config) -> Section:
    """Fig. 8 (commonness vs characteristics): ``cfg.single_task_net`` trained on the mixture vs on each task
    alone, Table VII's metrics on each task's test pairs, paired over the pairs."""
    net = cfg.single_task_net
    if not net:
        return not_run("Fig. 8", "fig8_numbers", f"single_task_net is None at the {cfg.profile} profile")
    mixed = fuser(train(cfg, run_spec(cfg, net)).model, cfg)
    per_pair = pd.concat([test_scores({"mixture": mixed, "this task only": fuser(
        train(cfg, run_spec(cfg, net, (task,))).model, cfg)}, cfg, (task,)) for task in cfg.tasks], ignore_index=True)
    per_pair = per_pair.rename(columns={"method": "training"})
    t = per_pair.groupby(["task", "training"], sort=False)[list(METRICS)].mean()
    piv = t["Combined"].unstack().loc[list(cfg.tasks)]
    fig = viz.grouped_bars(piv, title=f"Fig. 8: {net}, mixture vs single-task training", ylabel="Combined (test "
                           "pairs, unitless)", xlabel="task")
    return Section("Fig. 8: mixture vs single-task training", {
        "fig8_numbers": Table(t, f"Fig. 8 in numbers ({net}): means over each task's test pairs. " + training_note(cfg)),
        "fig8_per_pair": Table(per_pair, "Fig. 8: metrics per test pair", False)}, {"fig8_mixture_vs_single": fig},
        f"The mixture's Combined is higher on {int((piv['mixture'] > piv['this task only']).sum())} of {len(piv)} tasks.")


# Tables V-VII and Figs 4-5, 10 (notebook 31) live in .aenetv2_efficiency
from .aenetv2_efficiency import (fig10, fig_tasks, fuser, table5, table6, table7, task_means,  # noqa: E402, F401
                                 test_scores, test_sets, trained_nets)
