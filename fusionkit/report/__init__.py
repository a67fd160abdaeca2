"""Study reports: tables (CSV + Markdown), figures (PNG), provenance, the index.

* :mod:`.writer`: :class:`Report` (one notebook's or script's outputs, atomically written);
* :mod:`.tables`: :class:`Table` and :func:`compare_with_paper`;
* :mod:`.provenance`: device, dataset checksums, the reproduction note of each profile;
* :mod:`.index`: report folders per profile, failed marks, ``reports/index.md``.
"""
from .index import FOLDER_PROFILES, PROFILE_ORDER, index_root, mark_failed, study_dir, write_index
from .provenance import REPRO_NOTE, dataset_checksums, device_info
from .section import Section, not_run, sections
from .tables import Table, compare_with_paper
from .writer import Report

__all__ = ["FOLDER_PROFILES", "PROFILE_ORDER", "REPRO_NOTE", "Report", "Section", "Table", "compare_with_paper",
           "dataset_checksums", "device_info", "index_root", "mark_failed", "not_run", "sections", "study_dir",
           "write_index"]
