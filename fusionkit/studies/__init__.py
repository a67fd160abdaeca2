"""The studies, one module per paper, and the notebooks that render them (run order).

``fusionkit reproduce --paper NAME`` runs the notebooks of study NAME; each study module has
``DATASETS`` (manifest entries it needs), ``Config``/``PRESETS``/``config(profile, **overrides)``,
and one function per table and figure.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from ..registry import Registry


@dataclass(frozen=True)
class StudyInfo:
    name: str  # --paper NAME and reports/<profile>/<name>/
    module: str  # fusionkit.studies.<module>
    notebooks: tuple[str, ...]  # under notebooks/, in run order
    title: str

    def load(self) -> ModuleType:
        return importlib.import_module(f"fusionkit.studies.{self.module}")


STUDIES: Registry[StudyInfo] = Registry("study")
for _s in (
    StudyInfo("data", "data", ("00_data.ipynb",), "Datasets of the study"),
    StudyInfo("didfuse", "didfuse", ("10_didfuse_training.ipynb", "11_didfuse_strategies.ipynb",
                                     "12_didfuse_ablations.ipynb", "13_didfuse_comparison.ipynb",
                                     "14_didfuse_retraining.ipynb"),
              "DIDFuse (extended): Tables III-V, Figs 3-6"),
    StudyInfo("jcae", "jcae", ("20_jcae_training.ipynb", "21_jcae_comparison.ipynb"),
              "JCAE: Table 1, Figs 4-8, fusion-rule ablation"),
    StudyInfo("aenetv2", "aenetv2", ("30_aenetv2_training.ipynb", "31_aenetv2_efficiency.ipynb"),
              "AE-Netv2: Algorithm 1 training, continuous learning, Tables V-VII, Figs 4-5, 8, 10"),
    StudyInfo("fmmf", "fmmf", ("40_fmmf_training.ipynb", "41_fmmf_comparison.ipynb"),
              "FMMF: trainings, the ablation chain (Tables 4-7), Tables 1-3"),
    StudyInfo("alan", "alan", ("50_alan_training.ipynb", "51_alan_comparison.ipynb"),
              "ALAN: trainings, fusion criteria (Fig. 10), auxiliary tasks (Fig. 11), Figs 7-9"),
):
    STUDIES.register(_s.name)(_s)


def study_of(notebook: str) -> StudyInfo:
    """The study a notebook (file name) belongs to."""
    from pathlib import Path

    name = Path(notebook).with_suffix(".ipynb").name
    for s in all_studies():
        if name in s.notebooks:
            return s
    raise ValueError(f"notebook {name!r} belongs to no study; known: "
                     f"{', '.join(n for s in all_studies() for n in s.notebooks)}")


def all_studies() -> list[StudyInfo]:
    """Every study in run order."""
    return [STUDIES.get(n) for n in STUDIES.names()]
