"""Paired and multi-source fusion datasets selected by manifest name and split."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from .io import ImageReadError, read_image
from .manifest import Entry, Manifest, Pair, load_manifest
from .transforms import resize

KINDS = ("pairs", "sequences")


class PairSizeError(ValueError):
    """The sources of a pair/sequence differ in size."""


def deterministic_order(n: int, seed: int) -> list[int]:
    """A permutation of ``range(n)`` fixed by ``seed`` (NumPy PCG64)."""
    return [int(i) for i in np.random.default_rng(seed).permutation(n)]


class FusionDataset(Dataset):
    """Pairs (``kind="pairs"``) or multi-source sequences of one manifest dataset.

    Items are dicts: ``name`` (stable pair name), ``sources`` (N x C x H x W float tensor in
    [0, 1]), ``a``/``b`` (the first two sources, C x H x W), ``size`` (original (H, W)),
    ``paths`` (source files). For ir-vis data ``a`` is infrared and ``b`` visible.

    Args:
        name: manifest dataset name (``fusionkit data list``).
        split: ``train``, ``val`` or ``test`` as declared in the manifest; ``None`` = every item. The
            default (``"auto"``) is the ``test`` split when the dataset declares one, else its only
            split (e.g. ``train`` for FLIR-Train), else every item; ``self.split`` says which. A split's
            items of ``kind`` come in the manifest's order (e.g. ``ifcnn-me``'s ``train`` sequences).
        mode: ``gray`` (MATLAB ``rgb2gray``), ``rgb`` or ``native``.
        transform: joint transform on the list of sources (see :mod:`.transforms`).
        limit: keep the first ``limit`` items (after shuffling when ``shuffle_seed`` is given).
        shuffle_seed: deterministic item order.
    """

    def __init__(self, name: str, split: str | None = "auto", mode: str = "gray", kind: str = "pairs",
                 transform: Callable | None = None, limit: int | None = None,
                 shuffle_seed: int | None = None, manifest: Manifest | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; valid: {', '.join(KINDS)}")
        self.entry: Entry = (manifest or load_manifest())[name]
        if self.entry.kind != "dataset":
            raise ValueError(f"{name!r} is a {self.entry.kind}, not a dataset")
        if not self.entry.available:
            raise ValueError(f"dataset {name!r} is not available: {self.entry.raw.get('reason')} "
                             f"Substitute: {self.entry.substitute}")
        items: list[Pair] = self.entry.pairs if kind == "pairs" else self.entry.sequences
        if not items:
            raise ValueError(f"dataset {name!r} has no {kind}; it has "
                             f"{len(self.entry.pairs)} pairs and {len(self.entry.sequences)} sequences")
        if split == "auto":
            declared = list(self.entry.raw.get("splits", {"test": "all"}))
            split = "test" if "test" in declared else (declared[0] if len(declared) == 1 else None)
        wanted = self.entry.split_names(split) if split is not None else None
        if wanted is not None:  # a split's names may cover pairs and sequences: keep those of `kind`
            by_name = {p.name: p for p in items}
            known = {p.name for p in self.entry.pairs + self.entry.sequences}
            unknown = [w for w in wanted if w not in known]
            if unknown:
                raise ValueError(f"manifest split {name}/{split} names unknown items: {unknown[:5]}")
            items = [by_name[w] for w in wanted if w in by_name]
            if not items:
                raise ValueError(f"manifest split {name}/{split} holds no {kind} (it names {len(wanted)} "
                                 f"item(s) of the other kind); split=None opens every one of the {kind}")
        if shuffle_seed is not None:
            items = [items[i] for i in deterministic_order(len(items), shuffle_seed)]
        if limit is not None:
            items = items[:limit]
        self.name, self.split, self.mode, self.kind = name, split, mode, kind
        self.items, self.transform = items, transform
        self.align = self.entry.raw.get("align")

    def __len__(self) -> int:
        return len(self.items)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.items]

    def paths(self, i: int) -> list[str]:
        return [str(self.entry.source_path(s)) for s in self.items[i].sources]

    def load_sources(self, i: int) -> list[torch.Tensor]:
        """The item's sources as C x H x W tensors, size-checked (and aligned when declared)."""
        paths = self.paths(i)
        imgs = []
        for p in paths:
            try:
                arr = read_image(p, self.mode)
            except ImageReadError as exc:
                hint = ("" if "corrupt" in str(exc) else
                        f" (dataset {self.name!r}: run `fusionkit data fetch {self.name}` or set "
                        f"FUSIONKIT_DATA_DIR)")
                raise ImageReadError(f"{exc}{hint}") from None
            t = torch.from_numpy(np.ascontiguousarray(arr))
            imgs.append(t.unsqueeze(0) if t.dim() == 2 else t.permute(2, 0, 1).contiguous())
        ref = tuple(imgs[0].shape[-2:])
        for p, t in zip(paths[1:], imgs[1:]):
            if tuple(t.shape[-2:]) != ref:
                if self.align == "resize-b-to-a":
                    continue
                raise PairSizeError(
                    f"pair {self.items[i].name!r} of {self.name!r}: {paths[0]} is "
                    f"{ref[0]}x{ref[1]} but {p} is {t.shape[-2]}x{t.shape[-1]} (H x W)")
        if self.align == "resize-b-to-a":
            imgs = [imgs[0]] + [resize(t, ref).clamp(0, 1) if tuple(t.shape[-2:]) != ref else t
                                for t in imgs[1:]]
        return imgs

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not 0 <= i < len(self):
            raise IndexError(i)
        srcs = self.load_sources(i)
        size = tuple(srcs[0].shape[-2:])
        if self.transform is not None:
            srcs = self.transform(srcs)
        chans = {s.shape[0] for s in srcs}
        if len(chans) > 1:  # native mode with mixed grey/colour sources: promote grey to RGB
            srcs = [s.expand(3, -1, -1) if s.shape[0] == 1 else s for s in srcs]
        item = {"name": self.items[i].name, "sources": torch.stack(srcs), "size": size,
                "paths": self.paths(i)}
        item["a"], item["b"] = item["sources"][0], item["sources"][1]
        return item


def make_loader(ds: Dataset, batch_size: int = 1, shuffle: bool = False, seed: int = 0,
                num_workers: int = 0, drop_last: bool = False) -> DataLoader:
    """A DataLoader whose shuffling order is fixed by ``seed``."""
    g = torch.Generator()
    g.manual_seed(seed)
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, generator=g,
                      num_workers=num_workers, drop_last=drop_last)
