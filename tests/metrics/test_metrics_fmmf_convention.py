"""convention="fmmf": SD, MI, VIF, MS_SSIM and Qabf as the FMMF authors' group scripts compute them.

Expected values are worked out by hand in the comments; MEF-SSIM and the wavelet VIF have their own tests
(test_mef_ssim.py, test_wavelet_vif.py). The fit to the paper's numbers (IFCNN's released weights on the
images of FMMF's Tables 2 and 3) is in docs/studies/fmmf.md, "Metric conventions".
"""
import math

import numpy as np
import pytest
import torch

from fusionkit.metrics import FAST_SUITE, backend_numpy, evaluate, evaluate_batch

G = np.array([[1.0, 3.0], [5.0, 7.0]])


def ev(metric, f, a=None, b=None, convention="fmmf", backend="fast"):
    return evaluate(f, f if a is None else a, f if b is None else b, [metric], convention, backend)[metric]


def test_fmmf_changes_exactly_sd_mi_vif_ms_ssim_and_qabf():
    rng = np.random.default_rng(2)
    f, a, b = (torch.from_numpy(rng.integers(0, 256, (2, 96, 100)).astype(np.float64)) for _ in range(3))
    a[:, :20], f[:, :20] = 50.0, 50.0  # where g_A = g_F (Qabf's special case)
    fm = evaluate_batch(f, a, b, FAST_SUITE, "fmmf")
    std = evaluate_batch(f, a, b, FAST_SUITE, "standard")
    changed = {n for n in FAST_SUITE if not torch.allclose(fm[n], std[n], rtol=1e-9, atol=0)}
    assert changed == {"SD", "MI", "VIF", "MS_SSIM", "Qabf"}


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_sd_is_the_root_of_the_sum_of_squares_on_unit_range_images(backend):
    # G/255: mean 4/255, deviations (-3, -1, 1, 3)/255 -> sqrt(20)/255 (no 1/(MN))
    assert ev("SD", G, backend=backend) == pytest.approx(math.sqrt(20) / 255)
    # tiled 2x2 (a 4x4 image, the same grey levels): four times the sum -> twice the SD; standard stays sqrt(5)
    big = np.tile(G, (2, 2))
    assert ev("SD", big, backend=backend) == pytest.approx(2 * math.sqrt(20) / 255)
    assert ev("SD", big, convention="standard", backend=backend) == pytest.approx(math.sqrt(5))


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_mi_is_twice_the_entropy_of_the_fused_image_whatever_the_sources(backend):
    # F: four grey levels, 4 pixels each -> EN = 2 bits -> MI = 4, for any sources
    f = np.repeat(np.array([10.0, 80.0, 150.0, 220.0]), 4).reshape(4, 4)
    rng = np.random.default_rng(0)
    for a, b in [(f, f), (rng.uniform(0, 255, f.shape), rng.uniform(0, 255, f.shape))]:
        assert ev("MI", f, a, b, backend=backend) == pytest.approx(4.0)
    # standard: identical images share all information: MI(F, F) = H(F) twice = 4, but random sources share ~none
    assert ev("MI", f, *(rng.uniform(0, 255, f.shape) for _ in range(2)), convention="standard",
              backend=backend) < 4.0


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_qabf_where_gradients_agree_uses_the_unit_range_gradient(backend):
    """F = A = B = a 5x5 image with a 9 at the centre: Sobel (zero padding) gives g = 18 at the 4 edge
    neighbours (|sx| or |sy| = 2*9) and 9*sqrt(2) at the 4 diagonal ones, 0 elsewhere; the orientations agree
    (A = 1). Standard: G = 1 where g_S = g_F, Q = Qg(1) Qa(1). fmmf: G = g_F / 255, Q = Qa(1) sum Qg(g/255) g / sum g."""
    p = backend_numpy.QABF
    f = np.zeros((5, 5))
    f[2, 2] = 9.0

    def Qg(G):
        return p["Tg"] / (1 + math.exp(p["kg"] * (G - p["Dg"])))

    Qa = p["Ta"] / (1 + math.exp(p["ka"] * (1 - p["Da"])))
    gs = [18.0] * 4 + [9 * math.sqrt(2)] * 4
    assert ev("Qabf", f, convention="standard", backend=backend) == pytest.approx(Qg(1) * Qa)
    want = Qa * sum(Qg(g / 255) * g for g in gs) / sum(gs)
    assert ev("Qabf", f, backend=backend) == pytest.approx(want, rel=1e-9)
    assert want < 0.02


def test_qabf_equals_the_vifb_definition_applied_to_unit_range_images():
    rng = np.random.default_rng(4)
    a, b = rng.uniform(0, 255, (40, 44)), rng.uniform(0, 255, (40, 44))
    f = np.round((a + b) / 2)
    f[:10], a[:10] = 50.0, 50.0  # flat regions where g_A = g_F = 0 and borders where they are equal
    want = backend_numpy.qabf(f / 255, a / 255, b / 255, "vifb")
    assert ev("Qabf", f, a, b) == pytest.approx(want, rel=1e-9)


def test_the_convention_s_own_minimum_sizes_are_enforced():
    x = np.random.default_rng(0).uniform(0, 255, (64, 80))
    evaluate(x, x, x, ["VIF"], "standard")  # pixel VIF: 41 is enough
    with pytest.raises(ValueError, match=r"VIF \(needs >= 96\).*'fmmf'"):
        evaluate(x, x, x, ["VIF"], "fmmf")
    y = x[:40]
    with pytest.raises(ValueError, match=r"MS_SSIM \(needs >= 44\)"):
        evaluate(y, y, y, ["MS_SSIM"], "fmmf")
