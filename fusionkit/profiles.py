"""The smoke / quick / paper presets of every study, in one place.

A notebook's ``parameters`` cell holds ``profile`` plus every tunable parameter set to ``None``
("take it from the profile"); :func:`resolve` fills the ``None`` values from the preset here,
so presets are never copied into notebooks. ``fusionkit run NB --profile P -p key value``
overrides single values.

* ``smoke``: seconds to a couple of minutes on 2 CPU cores; CI and nbval run it. Real data,
  real code path, few pairs/steps. Never a reproduction.
* ``quick``: minutes on a laptop CPU; reduced epochs/crops, full test sets. Shows the trend.
* ``paper``: the paper's own hyper-parameters; meant for a GPU.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Any

PROFILES = ("smoke", "quick", "paper")


@dataclass(frozen=True)
class NotebookSpec:
    study: str  # reports/<study>/
    notebook: str  # file under notebooks/
    paper: str  # name accepted by `fusionkit reproduce --paper`
    title: str


# Run order of `fusionkit reproduce`.
NOTEBOOKS: list[NotebookSpec] = [
    NotebookSpec("data", "00_data.ipynb", "data", "Datasets of the study"),
    NotebookSpec("didfuse", "10_didfuse_training.ipynb", "didfuse", "DIDFuse: training, Fig. 3 and Fig. 4"),
    NotebookSpec("didfuse", "11_didfuse_strategies.ipynb", "didfuse", "DIDFuse: fusion strategies, Table III"),
    NotebookSpec("didfuse", "12_didfuse_ablations.ipynb", "didfuse", "DIDFuse: ablations, Table IV"),
    NotebookSpec("didfuse", "13_didfuse_comparison.ipynb", "didfuse",
                 "DIDFuse: comparison, Table V, Fig. 5 and Fig. 6"),
]

# DIDFuse (../shared/papers 002). runs: trainings averaged in Table III (paper 25); ablation_runs:
# trainings per side of Table IV (paper 25); repro_runs: trainings in Fig. 6 (paper 20); runs with
# the same seed are shared between notebooks (cached under $FUSIONKIT_RUNS_DIR).
# smoke uses the cheap 'weighted+cam' rule (saliency attention costs ~10 s per pair on 2 cores).
# val_limit / test_limit: pairs per validation / test set (None = all). ablation_rule: the fusion
# rule of Table IV (None = rule). baselines: classical methods of Table V.
_CLASSICAL = ["avg", "lp", "dwt", "dtcwt", "msvd", "gff", "cbf", "mgff", "adf", "tif", "fpde", "gtf", "vsmwls"]
_DIDFUSE_COMMON = {"seed": 0, "variant": "paper", "lr": 1e-3, "rule": "saliency+cam", "tile": 128, "device": None}

PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "data": {
        # scan_limit: pairs per dataset whose image sizes are read (None = all)
        # samples_per_task: sample pairs per task in the figure grid
        "smoke": {"seed": 0, "scan_limit": 4, "samples_per_task": 1, "verify": False},
        "quick": {"seed": 0, "scan_limit": None, "samples_per_task": 2, "verify": True},
        "paper": {"seed": 0, "scan_limit": None, "samples_per_task": 3, "verify": True},
    },
    "didfuse": {
        "smoke": {**_DIDFUSE_COMMON, "rule": "weighted+cam", "runs": 1, "ablation_runs": 1, "repro_runs": 1,
                  "epochs": 1, "batch_size": 4, "crop": 32,
                  "lr_step": None, "max_steps_per_epoch": 2, "train_limit": 4, "val_limit": 1,
                  "test_limit": 1, "ablation_rule": None, "baselines": ["avg"], "figure_pairs": 1},
        # 2 CPU cores: ~1 training pair/s at 128x128, so quick trains 2 epochs on 64x64 crops and
        # scores a few pairs per set (the 64-channel guided filters of saliency+cam cost ~10 s/pair).
        "quick": {**_DIDFUSE_COMMON, "runs": 2, "ablation_runs": 1, "repro_runs": 2, "epochs": 2, "batch_size": 8, "crop": 64,
                  "lr_step": None, "max_steps_per_epoch": None, "train_limit": None, "val_limit": 6,
                  "test_limit": 6, "ablation_rule": None, "baselines": _CLASSICAL, "figure_pairs": 3},
        "paper": {**_DIDFUSE_COMMON, "runs": 25, "ablation_runs": 25, "repro_runs": 20, "epochs": 120, "batch_size": 24,
                  "crop": 128, "lr_step": 40, "max_steps_per_epoch": None, "train_limit": None,
                  "val_limit": None, "test_limit": None, "ablation_rule": None,
                  "baselines": _CLASSICAL + ["hybrid_msd"], "figure_pairs": 6},
    },
}


def papers() -> list[str]:
    return list(dict.fromkeys(nb.paper for nb in NOTEBOOKS))


def preset(study: str, profile: str) -> dict[str, Any]:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; valid: {', '.join(PROFILES)}")
    if study not in PRESETS:
        raise ValueError(f"no presets for study {study!r}; known: {', '.join(PRESETS)}")
    return deepcopy(PRESETS[study][profile])


def resolve(study: str, profile: str, **overrides: Any) -> dict[str, Any]:
    """The preset of ``study`` at ``profile`` with every non-``None`` override applied."""
    cfg = preset(study, profile)
    unknown = [k for k in overrides if k not in cfg]
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for study {study!r}; valid: {', '.join(cfg)}")
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    cfg["profile"] = profile
    return cfg
