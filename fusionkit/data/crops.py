"""Training crops held in memory: what a study's trainer iterates over."""
from __future__ import annotations

from typing import Sequence

import torch
from torch.utils.data import Dataset

from .datasets import FusionDataset
from .transforms import CenterCrop


class CropPairs(Dataset):
    """Grey centre crops of the pairs of several ``(dataset, split)`` sets, held in memory.

    Items are ``{"a": source a, "b": source b}``, each (1, crop, crop) in [0, 1]; ``names`` holds
    ``"<dataset>/<pair>"`` for every item. ``limit`` caps the pairs taken from each set."""

    def __init__(self, sets: Sequence[tuple[str, str | None]], crop: int = 128, limit: int | None = None):
        a, b, self.names = [], [], []
        for name, split in sets:
            ds = FusionDataset(name, split, mode="gray", transform=CenterCrop(crop), limit=limit)
            for i in range(len(ds)):
                it = ds[i]
                a.append(it["a"])
                b.append(it["b"])
                self.names.append(f"{name}/{it['name']}")
        if not a:
            raise ValueError(f"CropPairs: no pairs in {list(sets)}")
        self.a, self.b = torch.stack(a), torch.stack(b)

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"a": self.a[i], "b": self.b[i]}


def count_pairs(sets: Sequence[tuple[str, str | None]], limit: int | None = None) -> int:
    """How many items :class:`CropPairs` would hold, without reading an image."""
    return sum(len(FusionDataset(n, s, limit=limit)) for n, s in sets)
