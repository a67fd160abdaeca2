"""The data study (notebook 00): every dataset the five papers use, what we have of it, the
substitutes for what cannot be obtained, a checksum verification and sample pairs per task."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..data import load_manifest
from ..data.summary import dataset_table, verification_table
from ..report import Table
from .config import StudyConfig, make_config


def _available() -> tuple[str, ...]:
    return tuple(e.name for e in load_manifest().datasets(available=True))


@dataclass(frozen=True)
class Config(StudyConfig):
    scan_limit: int | None = None  # pairs per dataset whose image size is read (None: all)
    samples_per_task: int = 3  # sample pairs per task in the figure
    verify: bool = True  # hash every file (else check presence only)


PRESETS = {"smoke": dict(scan_limit=4, samples_per_task=1, verify=False),
           "quick": dict(samples_per_task=2)}


def config(profile: str = "paper", **overrides: Any) -> Config:
    return make_config(Config, PRESETS, profile, **overrides)


def datasets() -> tuple[str, ...]:
    """Manifest entries this study reads: every available dataset."""
    return _available()


def verification(cfg: Config) -> Table:
    """Local copies of every manifest entry; an error naming the problems if any is missing/corrupt."""
    t = verification_table(load_manifest(), hash_files=cfg.verify)
    bad = t[~t["status"].isin(["OK", "present"])]
    if len(bad):
        raise RuntimeError(f"data problems (run `fusionkit data verify`):\n{bad.to_string()}")
    return Table(t, "Local copies of the manifest entries")


def tables(cfg: Config) -> dict[str, Table]:
    """Datasets available to the study, and the unavailable ones with their substitutes."""
    t = dataset_table(load_manifest(), scan_limit=cfg.scan_limit)
    avail = t[t["available"]].drop(columns=["available", "substitute / reason"])
    unavail = t[~t["available"]][["task", "substitute / reason", "used by"]]
    return {"datasets": Table(avail, "Datasets available to the study (from data_manifest.yaml)"),
            "unavailable": Table(unavail, "Datasets the papers used that cannot be obtained, and their substitutes")}


def samples(cfg: Config):
    """Sample source pairs per task (drawn with ``cfg.seed``): (figure, what was drawn)."""
    from ..viz import sample_pairs_figure

    return sample_pairs_figure(load_manifest(), samples_per_task=cfg.samples_per_task, seed=cfg.seed)
