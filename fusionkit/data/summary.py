"""Tabular summaries of the manifest (the data notebook's table)."""
from __future__ import annotations

from collections import Counter

import pandas as pd

from .io import image_size
from .manifest import Manifest, load_manifest


def size_summary(entry, limit: int | None = None) -> tuple[str, int]:
    """Image sizes (H x W) of the first source of the first ``limit`` items: 'min..max (most common)'."""
    items = entry.pairs + entry.sequences
    if limit is not None:
        items = items[:limit]
    sizes = [image_size(entry.source_path(it.sources[0])) for it in items]
    if not sizes:
        return "-", 0
    common, _ = Counter(sizes).most_common(1)[0]
    lo = min(sizes, key=lambda s: s[0] * s[1])
    hi = max(sizes, key=lambda s: s[0] * s[1])
    fmt = lambda s: f"{s[0]}x{s[1]}"  # noqa: E731
    text = fmt(lo) if lo == hi else f"{fmt(lo)} .. {fmt(hi)} (mode {fmt(common)})"
    return text, len(sizes)


def dataset_table(manifest: Manifest | None = None, scan_limit: int | None = None) -> pd.DataFrame:
    """One row per dataset: task, pairs, sizes, availability, substitute, papers using it."""
    man = manifest or load_manifest()
    rows = []
    for e in man.datasets():
        row = {"dataset": e.name, "task": e.task, "available": e.available}
        if e.available:
            sizes, n = size_summary(e, scan_limit)
            splits = e.raw.get("splits", {})
            row.update({
                "pairs": len(e.pairs), "sequences": len(e.sequences),
                "splits": ", ".join(f"{k}: {len(v) if v != 'all' else 'all'}" for k, v in splits.items()),
                "image size H x W": sizes, "sizes scanned": n,
                "aligned": e.raw.get("align", "as stored"),
                "substitute / reason": "",
            })
        else:
            row.update({"pairs": 0, "sequences": 0, "splits": "", "image size H x W": "-",
                        "sizes scanned": 0, "aligned": "",
                        "substitute / reason": f"substitute: {e.substitute}. {e.raw.get('reason', '')}"})
        row["used by"] = "; ".join(f"{k}: {v}" for k, v in e.used_by.items())
        rows.append(row)
    return pd.DataFrame(rows).set_index("dataset")


def verification_table(manifest: Manifest | None = None, hash_files: bool = True) -> pd.DataFrame:
    """One row per available entry: file count and 'OK' / 'present' / the problems found."""
    from .fetch import verify_entry

    man = manifest or load_manifest()
    rows = []
    for e in man:
        if not e.available:
            continue
        if hash_files:
            res = verify_entry(e)
            status = "OK" if res.passed else "; ".join(res.problems()[:3])
        else:
            missing = [f.path for f in e.files if not e.local_path(f.path).is_file()]
            status = "present" if not missing else f"{len(missing)} missing, e.g. {missing[0]}"
        rows.append({"entry": e.name, "kind": e.kind, "files": len(e.files), "status": status})
    return pd.DataFrame(rows).set_index("entry")
