"""Grey and YCbCr conversions against hand-computed values."""
import numpy as np
import pytest
import torch

from fusionkit.data import restore_color, rgb2gray, rgb2gray_uint8, rgb_to_ycbcr, ycbcr_to_rgb


def test_rgb2gray_uint8_matches_matlab_by_hand():
    # MATLAB: rgb2gray(uint8([255 0 0])) = 76 (0.298936*255 = 76.23), green 149.69 -> 150,
    # blue 29.075 -> 29, [10 20 30]: 2.989+11.741+3.421 = 18.15 -> 18, white stays 255.
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30], [255, 255, 255]]], np.uint8)
    assert rgb2gray_uint8(rgb).tolist() == [[76, 150, 29, 18, 255]]


def test_rgb2gray_rounds_half_away_from_zero():
    # a value whose weighted sum is x.5 up to float error must not use banker's rounding:
    # pick pure grey g: sum of weights is 1.0000000000 (to 1e-15), so gray(g) == g exactly
    g = np.full((1, 1, 3), 77, np.uint8)
    assert rgb2gray_uint8(g)[0, 0] == 77


def test_rgb2gray_rejects_bad_shape():
    with pytest.raises(ValueError, match="H x W x 3"):
        rgb2gray(np.zeros((4, 4)))


def test_ycbcr_roundtrip_and_grey_has_neutral_chroma():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 5, 7, generator=g, dtype=torch.float64)
    assert torch.allclose(ycbcr_to_rgb(rgb_to_ycbcr(x)), x, atol=1e-12)
    grey = torch.full((3, 2, 2), 0.25, dtype=torch.float64)
    ycc = rgb_to_ycbcr(grey)
    assert torch.allclose(ycc[0], torch.full((2, 2), 0.25, dtype=torch.float64))
    assert torch.allclose(ycc[1:], torch.full((2, 2, 2), 0.5, dtype=torch.float64))
    # pure red: Y = 0.299, Cb = 0.5 - 0.168736, Cr = 1.0 (JFIF)
    red = torch.tensor([1.0, 0, 0], dtype=torch.float64).view(3, 1, 1)
    assert torch.allclose(rgb_to_ycbcr(red).flatten(),
                          torch.tensor([0.299, 0.5 - 0.168736, 1.0], dtype=torch.float64), atol=1e-6)


def test_restore_color_keeps_chroma_and_uses_fused_luminance():
    g = torch.Generator().manual_seed(1)
    ref = torch.rand(3, 4, 4, generator=g)
    y = rgb_to_ycbcr(ref)[:1]
    assert torch.allclose(restore_color(y, ref), ref, atol=1e-5)
    out = restore_color(torch.full((1, 4, 4), 0.5), ref)
    assert torch.allclose(rgb_to_ycbcr(out)[0], torch.full((4, 4), 0.5), atol=0.02)
    with pytest.raises(ValueError, match="differ in size"):
        restore_color(torch.zeros(1, 3, 3), ref)
