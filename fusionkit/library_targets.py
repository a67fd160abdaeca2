"""Autonomous-evolution training targets (AE-Netv2, ../shared/papers 004, Algorithm 1), cached on disk.

Algorithm 1 fuses every training sample with each method of an *algorithm library*, scores every
result with a quality evaluator E and keeps the best as the sample's target O ("if O_new is better,
O = O_new"). Here E is fusionkit's ``Combined`` metric (the paper's E_2 is not defined in it; see
``docs/metrics.md``), the samples are fixed 128x128 grey crops (:func:`sample_crops`) and the library
is any list of registered methods (``fusionkit.methods``: classical baselines, released checkpoints,
models trained here and kept in the zoo).

Cache: one file per (method, crop set) under ``<runs>/targets/``, holding that method's fused crops
(float16) and their E scores. Its name is the method's fingerprint (:func:`method_fingerprint`: name,
options, the source of the module that defines it, its network weights, the fusionkit version) plus
the crop set's key (:func:`cropset_key`: every crop's dataset, pair, position and size and the
datasets' manifest checksums). Adding a method to the library computes only that method; changing a
method (code, options, weights) recomputes only that method; changing the data recomputes all. Targets
are then the per-crop best over whatever library is asked for (:func:`best_targets`), so adding a method
can only raise each crop's target score (continuous learning, Sec. III).
"""
from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from . import __version__
from .data.datasets import FusionDataset
from .data.manifest import load_manifest
from .files import atomic_path


@dataclass(frozen=True)
class Crop:
    """A ``size`` x ``size`` window at (``y``, ``x``) of pair ``pair`` of dataset ``dataset`` (split ``split``);
    ``kind`` 'sequences' (multi-exposure series): the crop of the first and the last source."""

    dataset: str
    split: str | None
    pair: str
    y: int
    x: int
    size: int
    kind: str = "pairs"


def _kind(name: str) -> str:
    entry = load_manifest()[name]
    return "pairs" if entry.pairs else "sequences"


def _dataset(name: str, split: str | None, kind: str, mode: str = "gray") -> FusionDataset:
    return FusionDataset(name, split, mode=mode, kind=kind)


def sample_crops(sets: Sequence[tuple], size: int = 128, per_pair: int = 4, seed: int = 0,
                 limit: int | None = None) -> list[Crop]:
    """``per_pair`` crop positions in every pair of each set, drawn by
    ``numpy.random.default_rng([seed, set index, pair index])`` (image sizes are read from the files).
    A set is ``(dataset, split)`` or ``(dataset, split, pair names)`` (a study's own split of a dataset the
    manifest does not split); datasets of multi-source sequences give one crop pair per sequence (first and
    last source). A pair smaller than the crop is an error naming it."""
    from .data.io import image_size

    crops = []
    for si, (name, split, *names) in enumerate(sets):
        kind = _kind(name)
        ds = _dataset(name, split, kind)
        wanted = list(names[0]) if names and names[0] is not None else ds.names
        unknown = [w for w in wanted if w not in ds.names]
        if unknown:
            raise ValueError(f"sample_crops: {name} has no pair(s) {unknown[:5]}")
        for pi, pair in enumerate(wanted[:limit] if limit is not None else wanted):
            h, w = image_size(ds.paths(ds.names.index(pair))[0])
            if min(h, w) < size:
                raise ValueError(f"{name}/{pair}: image {h}x{w} is smaller than the {size}x{size} crop")
            rng = np.random.default_rng([seed, si, pi])
            for _ in range(per_pair):
                crops.append(Crop(name, ds.split, pair, int(rng.integers(0, h - size + 1)),
                                  int(rng.integers(0, w - size + 1)), size, kind))
    if not crops:
        raise ValueError(f"sample_crops: no pairs in {list(sets)}")
    return crops


def load_crops(crops: Sequence[Crop]) -> tuple[torch.Tensor, torch.Tensor]:
    """Sources a and b (a sequence's first and last) of every crop as (N, 1, size, size) grey tensors in
    [0, 1] (each pair read once)."""
    cache: dict[tuple[str, str | None, str], FusionDataset] = {}
    images: dict[tuple[str, str], list[torch.Tensor]] = {}
    a, b = [], []
    for c in crops:
        key = (c.dataset, c.pair)
        if key not in images:
            if (c.dataset, c.split, c.kind) not in cache:
                cache[(c.dataset, c.split, c.kind)] = _dataset(c.dataset, c.split, c.kind)
            ds = cache[(c.dataset, c.split, c.kind)]
            srcs = ds.load_sources(ds.names.index(c.pair))
            images[key] = [srcs[0], srcs[-1]]
        sa, sb = images[key]
        win = (slice(None), slice(c.y, c.y + c.size), slice(c.x, c.x + c.size))
        a.append(sa[win])
        b.append(sb[win])
    return torch.stack(a).float(), torch.stack(b).float()


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def cropset_key(crops: Sequence[Crop]) -> str:
    """Content key of a crop set: every crop and the manifest checksum of each dataset it uses."""
    manifest = load_manifest()
    sums = {name: manifest[name].checksum for name in sorted({c.dataset for c in crops})}
    return _digest({"crops": [asdict(c) for c in crops], "data": sums})[:16]


def method_fingerprint(method: Any) -> str:
    """Version of a fusion method instance: its registered name and options, the source file of the
    module defining its class, the bytes of its network weights (if it has a ``model``) and the
    fusionkit version. Any change to these gives a new fingerprint (and a new cache entry)."""
    h = hashlib.sha256()
    h.update(_digest({"name": method.name, "options": method.options, "fusionkit": __version__}).encode())
    src = inspect.getsourcefile(type(method))
    if src:
        h.update(Path(src).read_bytes())
    model = getattr(method, "model", None)
    if isinstance(model, torch.nn.Module):
        for k, v in model.state_dict().items():
            h.update(k.encode())
            h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def score(fused: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    """The quality evaluator E of Algorithm 1: ``Combined`` (higher is better) of each (N, 1, H, W) triple in [0, 1]."""
    from .metrics import evaluate_batch

    return evaluate_batch(fused.clamp(0, 1), a, b, ["Combined"], data_range=1.0)["Combined"].numpy()


@dataclass
class MethodResult:
    """One library method on one crop set: fused crops (N, 1, s, s) and their E scores (N,)."""

    name: str
    fingerprint: str
    fused: torch.Tensor
    scores: np.ndarray
    seconds: float  # wall time of computing it (0 when read from the cache)


class TargetCache:
    """Per-method fused crops and scores under ``root`` (default ``<runs>/targets``); see the module doc."""

    def __init__(self, root: str | Path | None = None):
        from .paths import runs_dir

        self.root = Path(root) if root is not None else runs_dir() / "targets"

    def path(self, method: Any, key: str) -> Path:
        return self.root / f"{method.name}-{method_fingerprint(method)}" / f"{key}.npz"

    def result(self, method: Any, crops: Sequence[Crop], a: torch.Tensor, b: torch.Tensor,
               key: str | None = None, chunk: int = 32) -> MethodResult:
        """``method`` on every crop (a, b: the crops' sources, :func:`load_crops`), from the cache or computed
        (``chunk`` crops per call, bounding a network's feature memory) and stored (atomically) there."""
        import time

        key = key or cropset_key(crops)
        fp = method_fingerprint(method)
        path = self.root / f"{method.name}-{fp}" / f"{key}.npz"
        if path.exists():
            with np.load(path) as z:
                fused = torch.from_numpy(z["fused"].astype(np.float32))
                return MethodResult(method.name, fp, fused, z["scores"].astype(np.float64), 0.0)
        t0 = time.perf_counter()
        fused = torch.cat([method.fuse_batch(a[i:i + chunk], b[i:i + chunk]).float().clamp(0, 1)
                           for i in range(0, len(a), chunk)])
        fused = fused.half().float()  # as stored: a fresh result and a cached one are the same tensor
        scores = score(fused, a, b)
        seconds = time.perf_counter() - t0
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, fused=fused.numpy().astype(np.float16), scores=scores, seconds=seconds)
        return MethodResult(method.name, fp, fused, scores, seconds)


@dataclass
class Targets:
    """Algorithm 1's O for every crop: the best library result (N, 1, s, s), which method gave it and its score."""

    target: torch.Tensor
    method: list[str]
    score: np.ndarray
    library: list[str]

    def shares(self) -> dict[str, float]:
        """Fraction of crops whose target each library method supplied."""
        n = len(self.method)
        return {m: sum(x == m for x in self.method) / n for m in self.library}


def best_targets(results: Sequence[MethodResult]) -> Targets:
    """Per crop, the result with the highest E (ties: the earlier method in ``results``)."""
    if not results:
        raise ValueError("best_targets: the algorithm library is empty")
    scores = np.stack([r.scores for r in results])  # (M, N)
    best = scores.argmax(0)
    fused = torch.stack([r.fused for r in results])  # (M, N, 1, s, s)
    target = fused[torch.from_numpy(best), torch.arange(fused.shape[1])]
    return Targets(target, [results[i].name for i in best], scores[best, np.arange(scores.shape[1])],
                   [r.name for r in results])


def merge(parts: Sequence[tuple[Targets, list[MethodResult]]]) -> tuple[Targets, list[MethodResult]]:
    """Targets and per-method results of several crop sets (each cached under its own key), concatenated
    in order: the targets of a crop set do not depend on the sets beside it."""
    if not parts:
        raise ValueError("merge: nothing to merge")
    libs = [t.library for t, _ in parts]
    if any(lib != libs[0] for lib in libs):
        raise ValueError(f"merge: the parts use different libraries: {libs}")
    targets = Targets(torch.cat([t.target for t, _ in parts]), [m for t, _ in parts for m in t.method],
                      np.concatenate([t.score for t, _ in parts]), list(libs[0]))
    results = [MethodResult(rs[0].name, rs[0].fingerprint, torch.cat([r.fused for r in rs]),
                            np.concatenate([r.scores for r in rs]), sum(r.seconds for r in rs))
               for rs in zip(*(res for _, res in parts))]
    return targets, results


def library_targets(library: Sequence[Any], crops: Sequence[Crop], cache: TargetCache | None = None,
                    images: tuple[torch.Tensor, torch.Tensor] | None = None) -> tuple[Targets, list[MethodResult]]:
    """Targets of ``crops`` from a library of method instances (computed or read per method)."""
    cache = cache or TargetCache()
    a, b = images if images is not None else load_crops(crops)
    key = cropset_key(crops)
    results = [cache.result(m, crops, a, b, key) for m in library]
    return best_targets(results), results
