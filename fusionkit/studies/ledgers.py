"""Write every study's claims ledger (``reports/<profile>/<study>/README.md``) and the README's summary.

``fusionkit ledger [--paper NAME ...] [--profile P ...]`` calls :func:`write_ledgers`; a notebook's last
cell calls ``report.ledger(study)`` for its own study and profile. :data:`PAPERS` is the README's table of
the five papers (the planned ones have no study yet)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..report.ledger import summary_table, update_readme_summary, write_ledger
from . import STUDIES

#: (title, status, docs page, study name or None, note) for the README's table, in the papers' order.
PAPERS = (
    ("DIDFuse (extended), Zhao et al.", "study", "docs/studies/didfuse.md", "didfuse", ()),
    ("JCAE, Zhang et al.", "study", "docs/studies/jcae.md", "jcae", ()),
    ("AE-Netv2, Fang et al.", "study", "docs/studies/aenetv2.md", "aenetv2", ()),
    ("FMMF, Rao et al.", "study", "docs/studies/fmmf.md", "fmmf", ()),
    ("ALAN, Fang, Zhao & Zhang", "study", "docs/studies/alan.md", "alan", ()),
)


def ledger_of(study: str):
    """The :class:`~fusionkit.report.ledger.Ledger` of a study (its module's ``LEDGER``)."""
    mod = STUDIES.get(study).load()
    if not hasattr(mod, "LEDGER"):
        raise ValueError(f"study {study!r} declares no LEDGER (fusionkit/studies/{study}_claims.py)")
    return mod.LEDGER


def write_ledgers(studies: Sequence[str] | None = None, profiles: Sequence[str] = ("quick", "paper"),
                  root: str | Path | None = None, readme: str | Path | None = None) -> list[Path]:
    """Every ledger of ``studies`` (default: all with a ``LEDGER``) at every profile with a report folder,
    then the README's claims summary (``readme``: default the checkout's README.md, skipped if absent)."""
    from .. import paths
    from ..report.index import study_dir

    root = Path(root) if root else paths.reports_dir()
    names = list(studies) if studies else [s for s in STUDIES.names() if hasattr(STUDIES.get(s).load(), "LEDGER")]
    written = []
    for s in names:
        led = ledger_of(s)
        for prof in profiles:
            if study_dir(root, prof, s).is_dir():
                written.append(write_ledger(led, prof, root)[0])
    project = paths.project_root()
    target = Path(readme) if readme else (project / "README.md" if project else None)
    if target is not None and target.is_file() and (readme or root.resolve() == (project / "reports").resolve()):
        update_readme_summary(target, summary_table(PAPERS, root, prefix="reports"))
    return written
