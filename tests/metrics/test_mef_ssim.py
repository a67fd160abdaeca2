"""MEF-SSIM (fusionkit.metrics.mef_ssim) against the literal per-window version of Ma et al.'s algorithm
(backend_numpy.mef_ssim_windows), and its defining properties."""
import numpy as np
import pytest
import torch

from fusionkit.metrics import backend_numpy
from fusionkit.metrics.mef_ssim import mef_ms_ssim, mef_ssim

literal_mef_ssim = backend_numpy.mef_ssim_windows  # the window-by-window reference


@pytest.fixture(scope="module")
def triple():
    rng = np.random.default_rng(3)
    base = rng.random((26, 30)) * 200
    a = np.clip(base + rng.normal(0, 20, base.shape), 0, 255)
    b = np.clip(0.6 * base + 60 + rng.normal(0, 10, base.shape), 0, 255)
    f = np.clip((a + b) / 2 + rng.normal(0, 5, base.shape), 0, 255)
    return a, b, f


@pytest.mark.parametrize("n_src", [2, 3])
def test_mef_ssim_equals_the_literal_per_window_algorithm(triple, n_src):
    a, b, f = triple
    srcs = [a, b, np.clip(255 - a, 0, 255)][:n_src]
    seq = np.stack(srcs)
    want = literal_mef_ssim(seq, f)
    got = float(mef_ssim(torch.from_numpy(seq)[None], torch.from_numpy(f)[None])[0])
    assert got == pytest.approx(want, rel=1e-10, abs=1e-12)


def test_mef_ssim_is_one_for_a_single_source_copied_and_lower_for_noise(triple):
    a, b, _ = triple
    seq = torch.from_numpy(np.stack([a, a]))[None]
    same = float(mef_ssim(seq, torch.from_numpy(a)[None])[0])
    assert same == pytest.approx(1.0, abs=1e-6)
    noisy = np.clip(a + np.random.default_rng(0).normal(0, 40, a.shape), 0, 255)
    assert float(mef_ssim(seq, torch.from_numpy(noisy)[None])[0]) < 0.9


def test_mef_ms_ssim_is_the_weighted_geometric_mean_of_the_scales():
    rng = np.random.default_rng(1)
    a, b = rng.random((48, 50)) * 255, rng.random((48, 50)) * 255
    f = (a + b) / 2
    seq, ft = torch.from_numpy(np.stack([a, b]))[None], torch.from_numpy(f)[None]
    q1 = float(mef_ssim(seq, ft)[0])
    assert float(mef_ms_ssim(seq, ft, weights=(1.0,))[0]) == pytest.approx(q1)
    # scale 2 by hand: 2x2 means of rows/columns (0,1), (2,3), ...
    down = lambda x: x.reshape(24, 2, 25, 2).mean((1, 3))
    q2 = literal_mef_ssim(np.stack([down(a), down(b)]), down(f))
    want = q1 ** 0.25 * q2 ** 0.75
    assert float(mef_ms_ssim(seq, ft, weights=(1.0, 3.0))[0]) == pytest.approx(want, rel=1e-9)


def test_mef_ms_ssim_rejects_images_too_small_for_its_scales():
    x = torch.rand(1, 2, 40, 60) * 255
    with pytest.raises(ValueError, match="too small for 3 scales"):
        mef_ms_ssim(x, x[:, 0])


def test_mef_ms_ssim_on_odd_sizes_equals_the_window_by_window_reference():
    """Odd sides exercise the down-sampling's replicated last row / column (ceil(H/2) samples a scale)."""
    rng = np.random.default_rng(5)
    a, b = rng.random((45, 51)) * 255, rng.random((45, 51)) * 255
    f = np.clip(0.7 * a + 0.3 * b + rng.normal(0, 8, a.shape), 0, 255)
    want = backend_numpy.mef_ms_ssim_windows(np.stack([a, b]), f)
    got = float(mef_ms_ssim(torch.from_numpy(np.stack([a, b]))[None], torch.from_numpy(f)[None])[0])
    assert got == pytest.approx(want, rel=1e-10)
