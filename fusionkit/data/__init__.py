"""Data layer: manifest, verify/fetch, image I/O, colour, transforms and paired datasets.

Knows nothing of networks. See ``data_manifest.yaml`` and ``fusionkit data --help``.
"""
from .color import RGB2GRAY, restore_color, rgb2gray, rgb2gray_uint8, rgb_to_ycbcr, ycbcr_to_rgb
from .datasets import FusionDataset, PairSizeError, deterministic_order, make_loader
from .fetch import (ChecksumError, DataUnavailable, VerifyResult, download_file, ensure_data, fetch_entry,
                    missing_files, verify_entry)
from .io import ImageReadError, image_size, read_image, save_image
from .manifest import Entry, Manifest, load_manifest
from .transforms import CenterCrop, Compose, RandomCrop, Resize, resize

__all__ = [
    "RGB2GRAY", "restore_color", "rgb2gray", "rgb2gray_uint8", "rgb_to_ycbcr", "ycbcr_to_rgb",
    "FusionDataset", "PairSizeError", "deterministic_order", "make_loader",
    "ChecksumError", "DataUnavailable", "VerifyResult", "download_file", "ensure_data", "fetch_entry",
    "missing_files", "verify_entry",
    "ImageReadError", "image_size", "read_image", "save_image",
    "Entry", "Manifest", "load_manifest",
    "CenterCrop", "Compose", "RandomCrop", "Resize", "resize",
]
