"""ALAN's sub-task data (fusionkit.data.synthetic): the degradation pipeline and the synthetic multi-focus
pairs, on hand-made images where the answer is known, and the datasets on real images (reproducible)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from fusionkit.data import synthetic as S


def test_blur_keeps_constants_and_smooths_noise():
    flat = torch.full((1, 20, 20), 0.3)
    torch.testing.assert_close(S.gaussian_blur(flat, 2.0), flat)
    x = torch.rand(1, 32, 32, generator=torch.Generator().manual_seed(0))
    assert torch.equal(S.gaussian_blur(x, 0.0), x)
    assert S.gaussian_blur(x, 1.5).var() < 0.2 * x.var()


def test_degrade_draws_gain_blur_noise_in_order():
    img = torch.full((1, 16, 16), 0.4)
    spec = S.Degradation(gain=(0.5, 1.5), blur_sigma=(0.0, 0.0), noise_std=(0.0, 0.0))
    gain = np.random.default_rng(3).uniform(0.5, 1.5)
    torch.testing.assert_close(S.degrade(img, np.random.default_rng(3), spec), torch.full((1, 16, 16), 0.4 * gain))
    # noise only: the residual's std is the drawn std (gain fixed at 1, large image)
    spec = S.Degradation(gain=(1.0, 1.0), blur_sigma=(0.0, 0.0), noise_std=(0.05, 0.05))
    out = S.degrade(torch.full((1, 256, 256), 0.5), np.random.default_rng(0), spec)
    assert float((out - 0.5).std()) == pytest.approx(0.05, rel=0.03)
    # the same generator state gives the same degradation
    a = S.degrade(img, np.random.default_rng(7))
    assert torch.equal(a, S.degrade(img, np.random.default_rng(7))) and not torch.equal(a, img)
    assert a.min() >= 0 and a.max() <= 1


def test_focus_mask_is_binary_half_and_half():
    m = S.focus_mask(64, 80, np.random.default_rng(0))
    assert m.shape == (1, 64, 80) and set(m.unique().tolist()) == {0.0, 1.0}
    assert 0.4 < float(m.mean()) < 0.6


def test_multifocus_pair_has_complementary_blurred_regions():
    sharp = torch.rand(1, 48, 48, generator=torch.Generator().manual_seed(1))
    p = S.multifocus_pair(sharp, np.random.default_rng(2), sigma=(2.0, 2.0))
    m, blurred = p["mask"].bool(), S.gaussian_blur(sharp, 2.0)
    assert torch.equal(p["target"], sharp)
    assert torch.equal(p["a"][m], sharp[m]) and torch.equal(p["b"][~m], sharp[~m])
    torch.testing.assert_close(p["a"][~m], blurred[~m])
    torch.testing.assert_close(p["b"][m], blurred[m])


def test_datasets_on_real_images_are_reproducible_per_epoch(real_data):
    d = S.DegradedImages([("didfuse-flir-train", None)], crop=64, limit=2, seed=0)
    one, again = d[1], d[1]
    assert one["input"].shape == one["target"].shape == (1, 64, 64)
    assert torch.equal(one["input"], again["input"]) and not torch.equal(one["input"], one["target"])
    d.set_epoch(1)
    assert not torch.equal(d[1]["target"], one["target"])
    mf = S.MultiFocusPairs([("didfuse-flir-train", None)], crop=(64, 80), limit=2)
    it = mf[0]
    assert it["a"].shape == it["target"].shape == (1, 64, 80)


def test_bad_arguments_name_the_problem(real_data):
    with pytest.raises(ValueError, match="role='c'"):
        S.DegradedImages([("didfuse-flir-train", None)], crop=64, limit=1, role="c")
    with pytest.raises(ValueError, match="smaller than the 4096x4096 crop"):
        S.MultiFocusPairs([("didfuse-flir-train", None)], crop=4096, limit=1)
