"""Training crops held in memory: what a study's trainer iterates over."""
from __future__ import annotations

from typing import Sequence

import torch
from torch.utils.data import Dataset

from .datasets import FusionDataset
from .transforms import CenterCrop, Resize


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


class RandomCropPairs(Dataset):
    """Random grey crops of the pairs of several ``(dataset, split)`` sets, drawn afresh each epoch.

    The full images are held in memory as 8-bit levels; item ``i`` of epoch ``e`` is the crop at a
    position drawn by ``numpy.random.default_rng([seed, e, i])``, so a run (and a resumed run, which
    calls :meth:`set_epoch` again) sees exactly the same crops. Items are ``{"a", "b"}`` as in
    :class:`CropPairs`. ``resize`` = (h, w): every image is first resized to that size (antialiased;
    e.g. JCAE's 280x360 training images); ``crop``: a side or (h, w); ``crop=None`` gives the whole image.
    Images smaller than ``crop`` are an error naming them.
    ``flips=True``: each crop is also flipped left-right and/or upside down, each with probability 1/2, drawn
    from the same generator after the position (both sources alike), so the crops themselves do not change.
    ``per_epoch``: items per epoch (default one per pair); item i crops pair i mod n, at its own position."""

    def __init__(self, sets: Sequence[tuple[str, str | None]], crop: int | tuple[int, int] | None = 64,
                 limit: int | None = None,
                 seed: int = 0, resize: tuple[int, int] | None = None, flips: bool = False,
                 per_epoch: int | None = None):
        self.crop, self.seed, self.epoch, self.flips, self.per_epoch = crop, seed, 0, flips, per_epoch
        ch, cw = (crop, crop) if isinstance(crop, int) or crop is None else tuple(crop)  # (h, w) or a square
        self.images: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.names: list[str] = []
        for name, split in sets:
            ds = FusionDataset(name, split, mode="gray", limit=limit, transform=Resize(resize) if resize else None)
            for i in range(len(ds)):
                it = ds[i]
                if crop is not None and (it["a"].shape[-2] < ch or it["a"].shape[-1] < cw):
                    raise ValueError(f"{name}/{it['name']}: image {tuple(it['a'].shape[-2:])} is smaller than the "
                                     f"{ch}x{cw} crop")
                self.images.append(tuple((x * 255).round().to(torch.uint8) for x in (it["a"], it["b"])))
                self.names.append(f"{name}/{it['name']}")
        if not self.images:
            raise ValueError(f"RandomCropPairs: no pairs in {list(sets)}")

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.per_epoch or len(self.images)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        import numpy as np

        a, b = self.images[i % len(self.images)]
        if self.crop is None:  # the whole (resized) image
            return {"a": a.float() / 255, "b": b.float() / 255}
        h, w = a.shape[-2:]
        rng = np.random.default_rng([self.seed, self.epoch, i])
        ch, cw = (self.crop, self.crop) if isinstance(self.crop, int) else self.crop
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        cut = (slice(None), slice(y, y + ch), slice(x, x + cw))
        a, b = a[cut], b[cut]
        if self.flips:
            dims = [d for d in (-1, -2) if rng.random() < 0.5]
            a, b = (a.flip(dims), b.flip(dims)) if dims else (a, b)
        return {"a": a.float() / 255, "b": b.float() / 255}


def count_pairs(sets: Sequence[tuple[str, str | None]], limit: int | None = None) -> int:
    """How many items :class:`CropPairs` would hold, without reading an image."""
    return sum(len(FusionDataset(n, s, limit=limit)) for n, s in sets)
