"""Colour conversions used throughout the study.

Grey: MATLAB's ``rgb2gray`` weights (the rounded inverse of ``ntsc2rgb``; MATLAB doc):
``Y = 0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B``. For 8-bit input
MATLAB returns uint8, rounding half away from zero; :func:`rgb2gray_uint8` does the same, so
grey images here equal ``rgb2gray(imread(f))`` in MATLAB, which the papers' metric code uses.

YCbCr: full-range ITU-R BT.601 (JPEG/JFIF) in [0, 1], the convention of most fusion code
that fuses the luminance and restores colour (e.g. IFCNN, DIDFuse, U2Fusion demos).
"""
from __future__ import annotations

import numpy as np
import torch

RGB2GRAY = (0.298936021293775, 0.587043074451121, 0.114020904255103)

_RGB2YCBCR = torch.tensor([[0.299, 0.587, 0.114],
                           [-0.168735892, -0.331264108, 0.5],
                           [0.5, -0.418687589, -0.081312411]], dtype=torch.float64)
_YCBCR2RGB = torch.linalg.inv(_RGB2YCBCR)


def rgb2gray(rgb: np.ndarray) -> np.ndarray:
    """Float grey image from an ``H x W x 3`` array (any float range), MATLAB weights."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[-1] != 3:
        raise ValueError(f"rgb2gray expects H x W x 3, got shape {rgb.shape}")
    w = np.asarray(RGB2GRAY)
    return rgb.astype(np.float64) @ w


def rgb2gray_uint8(rgb: np.ndarray) -> np.ndarray:
    """MATLAB ``rgb2gray`` on uint8: weighted sum rounded half away from zero, uint8 out."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ValueError(f"rgb2gray_uint8 expects uint8, got {rgb.dtype}")
    return np.floor(rgb2gray(rgb) + 0.5).clip(0, 255).astype(np.uint8)


def _apply(m: torch.Tensor, x: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    if x.dim() < 3 or x.shape[-3] != 3:
        raise ValueError(f"expected a (..., 3, H, W) tensor, got shape {tuple(x.shape)}")
    m = m.to(x.dtype).to(x.device)
    out = torch.einsum("ij,...jhw->...ihw", m, x)
    return out + offset.to(x.dtype).to(x.device).view(3, 1, 1)


def rgb_to_ycbcr(x: torch.Tensor) -> torch.Tensor:
    """(..., 3, H, W) RGB in [0,1] -> full-range BT.601 YCbCr in [0,1] (Cb, Cr centred on 0.5)."""
    return _apply(_RGB2YCBCR, x, torch.tensor([0.0, 0.5, 0.5]))


def ycbcr_to_rgb(x: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`rgb_to_ycbcr` (no clamping)."""
    shifted = x - torch.tensor([0.0, 0.5, 0.5], dtype=x.dtype, device=x.device).view(3, 1, 1)
    return _apply(_YCBCR2RGB, shifted, torch.zeros(3))


def restore_color(fused_y: torch.Tensor, color_ref: torch.Tensor) -> torch.Tensor:
    """Put colour back after fusing the luminance.

    ``fused_y``: (..., 1, H, W) fused luminance in [0,1]; ``color_ref``: (..., 3, H, W) RGB
    source whose chroma (Cb, Cr) is kept. Returns RGB clamped to [0,1].
    """
    if fused_y.shape[-2:] != color_ref.shape[-2:]:
        raise ValueError(f"restore_color: fused {tuple(fused_y.shape[-2:])} and colour reference "
                         f"{tuple(color_ref.shape[-2:])} differ in size")
    ycc = rgb_to_ycbcr(color_ref)
    ycc = torch.cat([fused_y.to(ycc.dtype), ycc[..., 1:, :, :]], dim=-3)
    return ycbcr_to_rgb(ycc).clamp(0, 1)
