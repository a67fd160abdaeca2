"""Read and write images with errors that name the file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..files import atomic_path
from .color import rgb2gray_uint8

MODES = ("gray", "rgb", "native")


class ImageReadError(ValueError):
    """A file that is missing, unreadable or not a supported image."""


def read_image(path: str | Path, mode: str = "gray") -> np.ndarray:
    """Load an image as float32 in [0, 1].

    ``mode="gray"`` -> ``H x W`` (colour converted exactly like MATLAB ``rgb2gray`` on uint8);
    ``"rgb"`` -> ``H x W x 3`` (grey replicated); ``"native"`` -> ``H x W`` or ``H x W x 3`` as stored.
    8-bit files are divided by 255, 16-bit by 65535; alpha channels are dropped.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"{path}: file not found")
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(im, dtype=np.float64) / 65535.0
                arr = arr.astype(np.float32)
                if mode == "rgb":
                    arr = np.repeat(arr[..., None], 3, axis=-1)
                return arr
            if im.mode not in ("L", "RGB"):
                im = im.convert("RGB") if im.mode not in ("1", "LA") else im.convert("L")
            arr = np.asarray(im)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"{path}: unreadable or corrupt image ({exc})") from None
    if arr.ndim == 3 and mode == "gray":
        arr = rgb2gray_uint8(arr)
    elif arr.ndim == 2 and mode == "rgb":
        arr = np.repeat(arr[..., None], 3, axis=-1)
    return arr.astype(np.float32) / 255.0


def image_size(path: str | Path) -> tuple[int, int]:
    """(height, width) without decoding the pixels."""
    try:
        with Image.open(path) as im:
            return im.size[1], im.size[0]
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageReadError(f"{path}: unreadable or corrupt image ({exc})") from None


def save_image(path: str | Path, img: np.ndarray) -> Path:
    """Write a [0,1] float (or uint8) ``H x W`` / ``H x W x 3`` image as 8-bit PNG, atomically."""
    img = np.asarray(img)
    if img.dtype != np.uint8:
        if not np.isfinite(img).all():
            raise ValueError(f"{path}: image has non-finite values")
        img = np.floor(np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    path = Path(path)
    with atomic_path(path) as tmp:
        Image.fromarray(img).save(tmp, format="PNG")
    return path
