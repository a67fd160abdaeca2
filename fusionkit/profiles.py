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
]

PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "data": {
        # scan_limit: pairs per dataset whose image sizes are read (None = all)
        # samples_per_task: sample pairs per task in the figure grid
        "smoke": {"seed": 0, "scan_limit": 4, "samples_per_task": 1, "verify": False},
        "quick": {"seed": 0, "scan_limit": None, "samples_per_task": 2, "verify": True},
        "paper": {"seed": 0, "scan_limit": None, "samples_per_task": 3, "verify": True},
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
