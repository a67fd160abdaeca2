"""Supervised training data made from sharp natural images, for ALAN's two sub-tasks (../shared/papers/000
§3.4): the reconstruction task's degraded inputs (joint random brightness change, blur and Gaussian noise;
the paper degrades COCO-2014, unavailable here) and synthetic multi-focus pairs (complementary blurred
regions, the sharp image as target; the paper trains on Lytro, which is also its test set, so we must not).

Pure functions on tensors (``degrade``, ``focus_mask``, ``multifocus_pair``) with an explicit NumPy
generator, and two datasets drawing them afresh per epoch, reproducibly (the seed, epoch and index pick
every random number, as in :class:`~fusionkit.data.crops.RandomCropPairs`). The ranges are readings: the
paper says only "in a certain range" (docs/studies/alan.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from .datasets import FusionDataset


@dataclass(frozen=True)
class Degradation:
    """Ranges of the joint random degradation (each drawn uniformly per image): a brightness gain, a
    Gaussian blur sigma in pixels (0: none) and the standard deviation of additive Gaussian noise on [0, 1]
    intensities."""

    gain: tuple[float, float] = (0.5, 1.5)
    blur_sigma: tuple[float, float] = (0.0, 2.0)
    noise_std: tuple[float, float] = (0.0, 0.05)


def gaussian_blur(img: torch.Tensor, sigma: float) -> torch.Tensor:
    """``img`` (C, H, W) or (N, C, H, W) blurred by a Gaussian of ``sigma`` pixels (kernel 2*ceil(3 sigma)+1,
    reflected borders; kornia); ``sigma <= 0`` returns it unchanged."""
    if sigma <= 0:
        return img
    from kornia.filters import gaussian_blur2d

    k = 2 * int(np.ceil(3 * sigma)) + 1
    x = img[None] if img.dim() == 3 else img
    out = gaussian_blur2d(x, (k, k), (float(sigma), float(sigma)), border_type="reflect")
    return out[0] if img.dim() == 3 else out


def degrade(img: torch.Tensor, rng: np.random.Generator, spec: Degradation = Degradation()) -> torch.Tensor:
    """The reconstruction task's input (§3.4): ``img`` in [0, 1] times a random gain, blurred, plus Gaussian
    noise, clamped to [0, 1]. Draws gain, sigma, noise std, then the noise, in that order from ``rng``."""
    gain = rng.uniform(*spec.gain)
    sigma = rng.uniform(*spec.blur_sigma)
    std = rng.uniform(*spec.noise_std)
    out = gaussian_blur(img * gain, sigma)
    noise = torch.from_numpy(rng.normal(0.0, 1.0, size=tuple(img.shape)).astype(np.float32)).to(img.dtype)
    return (out + std * noise).clamp(0, 1)


def focus_mask(h: int, w: int, rng: np.random.Generator, smooth: float = 0.15) -> torch.Tensor:
    """A random binary region (1, H, W) for one source to be in focus: white noise blurred by a Gaussian of
    ``smooth`` x min(H, W) pixels and thresholded at its median, so the two regions are irregular, connected
    blobs of about equal area (the other source is in focus on the complement)."""
    noise = torch.from_numpy(rng.normal(size=(1, h, w)).astype(np.float32))
    field = gaussian_blur(noise, max(1.0, smooth * min(h, w)))
    return (field > field.median()).float()


def multifocus_pair(sharp: torch.Tensor, rng: np.random.Generator, sigma: tuple[float, float] = (1.5, 3.0)
                    ) -> dict[str, torch.Tensor]:
    """A synthetic multi-focus pair from a sharp (1, H, W) image: ``a`` is sharp inside a random region
    (:func:`focus_mask`) and blurred (Gaussian, sigma drawn from ``sigma``) outside, ``b`` the reverse;
    ``target`` is the sharp image and ``mask`` the region where ``a`` is sharp."""
    m = focus_mask(*sharp.shape[-2:], rng)
    blurred = gaussian_blur(sharp, rng.uniform(*sigma))
    return {"a": m * sharp + (1 - m) * blurred, "b": (1 - m) * sharp + m * blurred, "target": sharp, "mask": m}


class _SharpCrops(Dataset):
    """Grey images of ``sets`` (``(dataset, split)``; ``role`` picks source 'a' or 'b' of each pair, e.g. the
    visible image of an ir-vis pair), kept as 8-bit levels; item ``i`` of epoch ``e`` is a crop at a
    position drawn by ``default_rng([seed, e, i])``, returned with that generator for what follows.
    ``per_epoch``: items per epoch (default one per image); item i crops image i mod n."""

    def __init__(self, sets: Sequence[tuple[str, str | None]], crop: int | tuple[int, int], role: str = "b",
                 limit: int | None = None, seed: int = 0, per_epoch: int | None = None):
        if role not in ("a", "b"):
            raise ValueError(f"role={role!r}: expected 'a' or 'b' (which source of each pair)")
        self.crop = (crop, crop) if isinstance(crop, int) else tuple(crop)
        self.seed, self.epoch, self.per_epoch = seed, 0, per_epoch
        self.images: list[torch.Tensor] = []
        self.names: list[str] = []
        for name, split in sets:
            ds = FusionDataset(name, split, mode="gray", limit=limit)
            for i in range(len(ds)):
                it = ds[i]
                img = it[role]
                if img.shape[-2] < self.crop[0] or img.shape[-1] < self.crop[1]:
                    raise ValueError(f"{name}/{it['name']}: image {tuple(img.shape[-2:])} is smaller than the "
                                     f"{self.crop[0]}x{self.crop[1]} crop")
                self.images.append((img * 255).round().to(torch.uint8))
                self.names.append(f"{name}/{it['name']}")
        if not self.images:
            raise ValueError(f"{type(self).__name__}: no images in {list(sets)}")

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.per_epoch or len(self.images)

    def _crop(self, i: int) -> tuple[torch.Tensor, np.random.Generator]:
        img = self.images[i % len(self.images)]
        h, w = img.shape[-2:]
        rng = np.random.default_rng([self.seed, self.epoch, i])
        y, x = int(rng.integers(0, h - self.crop[0] + 1)), int(rng.integers(0, w - self.crop[1] + 1))
        return img[:, y:y + self.crop[0], x:x + self.crop[1]].float() / 255, rng


class DegradedImages(_SharpCrops):
    """Reconstruction sub-task data: items ``{"input": degrade(crop), "target": crop}``."""

    def __init__(self, sets: Sequence[tuple[str, str | None]], crop: int | tuple[int, int] = 256, role: str = "b",
                 limit: int | None = None, seed: int = 0, spec: Degradation = Degradation(),
                 per_epoch: int | None = None):
        super().__init__(sets, crop, role, limit, seed, per_epoch)
        self.spec = spec

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        sharp, rng = self._crop(i)
        return {"input": degrade(sharp, rng, self.spec), "target": sharp}


class MultiFocusPairs(_SharpCrops):
    """Multi-focus sub-task data: items ``{"a", "b", "target", "mask"}`` of :func:`multifocus_pair` on a crop."""

    def __init__(self, sets: Sequence[tuple[str, str | None]], crop: int | tuple[int, int] = (64, 80),
                 role: str = "b", limit: int | None = None, seed: int = 0, sigma: tuple[float, float] = (1.5, 3.0),
                 per_epoch: int | None = None):
        super().__init__(sets, crop, role, limit, seed, per_epoch)
        self.sigma = sigma

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        sharp, rng = self._crop(i)
        return multifocus_pair(sharp, rng, self.sigma)
