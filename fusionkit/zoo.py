"""The model zoo: trained weights that committed reports came from, loadable by name.

Layout::

    zoo/<study>/<run key>.pt     state dict (fp16 where exact enough), saved with torch.save
    zoo/<study>/<run key>.json   sidecar: short name, network + its keyword arguments, run spec,
                                 profile, commit, sha256 of the .pt, training time, device,
                                 loss history, storage dtype

``load("didfuse", "table5")`` (by short name) or ``find("didfuse", key=...)`` (by run key, what
:func:`fusionkit.runs.train_cached` asks for). Files are read with ``weights_only=True`` and their
sha256 is checked against the sidecar before loading. The zoo folder is ``$FUSIONKIT_ZOO_DIR``, else
``<project>/zoo``. Budget: 25 MB for the whole zoo (see :func:`total_bytes`).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .checkpoints import CheckpointError, load_weights
from .files import atomic_path, atomic_write_text, sha256_file

BUDGET_BYTES = 25 * 1024 * 1024


def zoo_dir() -> Path:
    """``$FUSIONKIT_ZOO_DIR``, else ``<project>/zoo`` (``./zoo`` outside a checkout)."""
    from . import paths

    env = os.environ.get("FUSIONKIT_ZOO_DIR")
    if env:
        return Path(env).expanduser().resolve()
    root = paths.project_root()
    return (root / "zoo") if root else Path.cwd() / "zoo"


@dataclass(frozen=True)
class ZooEntry:
    """One trained model: ``study``/``name`` and where its files are."""

    study: str
    name: str
    key: str
    weights: Path
    meta: dict[str, Any]

    def build(self) -> nn.Module:
        """The network with these weights (fp32, eval mode)."""
        return load_model(self)


def entries(study: str | None = None, root: str | Path | None = None) -> list[ZooEntry]:
    """Every zoo entry (of ``study``), sorted by study and name."""
    base = Path(root) if root else zoo_dir()
    out = []
    for side in sorted(base.glob(f"{study or '*'}/*.json")):
        try:
            meta = json.loads(side.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"{side}: unreadable zoo sidecar ({exc})") from None
        out.append(ZooEntry(side.parent.name, meta.get("name") or side.stem, side.stem,
                            side.with_suffix(".pt"), meta))
    return sorted(out, key=lambda e: (e.study, e.name))


def find(study: str, name: str | None = None, key: str | None = None,
         root: str | Path | None = None) -> ZooEntry | None:
    """The entry of ``study`` with short ``name`` or run ``key`` (None when absent)."""
    for e in entries(study, root):
        if (name is not None and e.name == name) or (key is not None and e.key == key):
            return e
    return None


def get(study: str, name: str, root: str | Path | None = None) -> ZooEntry:
    """Like :func:`find` by name, but a missing entry is an error listing the available names."""
    e = find(study, name=name, root=root)
    if e is None:
        have = [x.name for x in entries(study, root)]
        raise CheckpointError(f"no zoo entry {name!r} for study {study!r} in {Path(root) if root else zoo_dir()}; "
                              f"available: {', '.join(have) or '(none yet: train it with the study notebooks)'}")
    return e


def load_model(entry: ZooEntry) -> nn.Module:
    """Build ``entry``'s network with :func:`fusionkit.nets.build` and load its weights (checked sha256)."""
    from .nets import build

    if not entry.weights.is_file():
        raise CheckpointError(f"zoo weights missing: {entry.weights} (sidecar {entry.weights.with_suffix('.json')})")
    want = entry.meta.get("sha256")
    got = sha256_file(entry.weights)
    if want and got != want:
        raise CheckpointError(f"{entry.weights}: sha256 {got} does not match its sidecar ({want}); the file is "
                              f"corrupt or was replaced")
    state = load_weights(entry.weights, "a fusionkit zoo state dict")
    model = build(entry.meta["net"], **entry.meta.get("net_kwargs", {}))
    own = model.state_dict()
    model.load_state_dict({k: v.to(own[k].dtype) if k in own else v for k, v in state.items()})
    return model.eval()


def save(model: nn.Module, study: str, key: str, name: str, meta: dict[str, Any], fp16: bool = True,
         root: str | Path | None = None) -> ZooEntry:
    """Store ``model``'s weights (floating tensors as fp16 when ``fp16``) and the sidecar, atomically.

    ``meta`` must hold ``net`` and ``net_kwargs`` (how to rebuild it); the sha256, storage dtype and
    size are added here. An existing entry with the same short name but another key is replaced."""
    if "net" not in meta:
        raise ValueError("zoo.save: meta needs 'net' (the fusionkit.nets name) and 'net_kwargs'")
    base = (Path(root) if root else zoo_dir()) / study
    old = find(study, name=name, root=root)
    state = {k: (v.detach().cpu().half() if fp16 and v.is_floating_point() else v.detach().cpu())
             for k, v in model.state_dict().items()}
    target = base / f"{key}.pt"
    with atomic_path(target) as tmp:
        torch.save(state, tmp)
    full = {**meta, "name": name, "study": study, "key": key, "dtype": "float16" if fp16 else "float32",
            "sha256": sha256_file(target), "bytes": target.stat().st_size}
    atomic_write_text(base / f"{key}.json", json.dumps(full, indent=2, default=str) + "\n")
    if old is not None and old.key != key:
        old.weights.unlink(missing_ok=True)
        old.weights.with_suffix(".json").unlink(missing_ok=True)
    return ZooEntry(study, name, key, target, full)


def total_bytes(root: str | Path | None = None) -> int:
    """Size of every weight file in the zoo (the budget is :data:`BUDGET_BYTES`)."""
    base = Path(root) if root else zoo_dir()
    return sum(p.stat().st_size for p in base.glob("*/*.pt"))
