"""Read ``data_manifest.yaml``: datasets, checkpoints, files, pairs and splits."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from .. import paths

TASKS = ("ir-vis", "multi-focus", "medical", "multi-exposure", "reconstruction")
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class FileRecord:
    path: str  # relative to the data (datasets) or weights (checkpoints) folder
    sha256: str


@dataclass(frozen=True)
class Pair:
    name: str
    sources: tuple[str, ...]  # paths relative to the entry's root; (a, b) for pairs


@dataclass
class Entry:
    """One manifest entry (a dataset or a checkpoint)."""

    name: str
    kind: str
    available: bool
    raw: dict[str, Any] = field(repr=False)

    @property
    def task(self) -> str | None:
        return self.raw.get("task")

    @property
    def root(self) -> str:
        return self.raw.get("root", "")

    @property
    def files(self) -> list[FileRecord]:
        return [FileRecord(f["path"], f["sha256"]) for f in self.raw.get("files", [])]

    @property
    def pairs(self) -> list[Pair]:
        return [Pair(str(p["name"]), (p["a"], p["b"])) for p in self.raw.get("pairs", [])]

    @property
    def sequences(self) -> list[Pair]:
        return [Pair(str(s["name"]), tuple(s["sources"])) for s in self.raw.get("sequences", [])]

    @property
    def substitute(self) -> str | None:
        return self.raw.get("substitute")

    @property
    def used_by(self) -> dict[str, str]:
        return dict(self.raw.get("used_by", {}))

    def split_names(self, split: str) -> list[str] | None:
        """Pair/sequence names in ``split``; ``None`` means every item.

        A split is ``all`` or an explicit list of names, which may name the entry's pairs and its
        sequences (``FusionDataset`` keeps those of the kind it opens), in the order they are served."""
        splits = self.raw.get("splits", {"test": "all"})
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
        if split not in splits:
            raise ValueError(f"dataset {self.name!r} has no {split!r} split; it has: {', '.join(splits)}")
        sel = splits[split]
        return None if sel == "all" else [str(s) for s in sel]

    @property
    def splits(self) -> list[str]:
        return list(self.raw.get("splits", {"test": "all"}))

    @property
    def split_note(self) -> str | None:
        """How the explicit splits were drawn (the rule ``tools/build_manifest.py`` applies), if said."""
        return self.raw.get("split_note")

    def base_dir(self) -> Path:
        return paths.weights_dir() if self.kind == "checkpoint" else paths.data_dir()

    def local_path(self, rel: str) -> Path:
        """Absolute local path of a file given relative to the data/weights folder."""
        return self.base_dir() / rel

    def source_path(self, rel_to_root: str) -> Path:
        """Absolute local path of a pair/sequence source (relative to ``root``)."""
        return self.base_dir() / self.root / rel_to_root

    def url(self, rel: str, base_url: str | None = None) -> str:
        """Download URL of a file; with ``base_url`` a mirror laid out like the local folder."""
        if base_url:
            return base_url.rstrip("/") + "/" + quote(rel)
        up = self.raw["upstream"]
        tail = rel[len(up["strip_prefix"]):] if rel.startswith(up["strip_prefix"]) else rel
        return up["base_url"] + quote(tail)

    def checksum(self) -> str:
        """One digest for the whole entry: sha256 over its sorted ``path sha256`` lines."""
        lines = sorted(f"{f.path} {f.sha256}" for f in self.files)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class Manifest:
    def __init__(self, doc: dict[str, Any], path: Path | None = None):
        self.path = path
        self.entries: dict[str, Entry] = {}
        for raw in list(doc.get("datasets", [])) + list(doc.get("checkpoints", [])):
            e = Entry(raw["name"], raw.get("kind", "dataset"), bool(raw.get("available", True)), raw)
            if e.name in self.entries:
                raise ValueError(f"{path}: duplicate manifest entry {e.name!r}")
            self.entries[e.name] = e

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Manifest":
        p = Path(path) if path else paths.manifest_path()
        try:
            doc = yaml.safe_load(p.read_text())
        except FileNotFoundError:
            raise FileNotFoundError(f"manifest not found: {p}") from None
        except yaml.YAMLError as exc:
            raise ValueError(f"{p}: not valid YAML: {exc}") from None
        return cls(doc, p)

    def __getitem__(self, name: str) -> Entry:
        try:
            return self.entries[name]
        except KeyError:
            raise KeyError(f"unknown manifest entry {name!r}; valid: {', '.join(self.entries)}") from None

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def __iter__(self):
        return iter(self.entries.values())

    def datasets(self, available: bool | None = None) -> list[Entry]:
        return [e for e in self if e.kind == "dataset" and (available is None or e.available == available)]

    def checkpoints(self) -> list[Entry]:
        return [e for e in self if e.kind == "checkpoint"]


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> Manifest:
    return Manifest.load(path)


def load_manifest(path: str | Path | None = None) -> Manifest:
    """The manifest (cached per path and modification time)."""
    p = Path(path) if path else paths.manifest_path()
    if not p.exists():
        raise FileNotFoundError(f"manifest not found: {p}")
    return _cached(str(p.resolve()), p.stat().st_mtime)
