"""The wavelet-domain VIF (fusionkit.metrics.wavelet_vif): its channel and GSM estimates against literal
window-by-window computations, and the model's defining properties. (Its fit to FMMF's tables, the test that
the algorithm is the one the paper used, is the convention check in docs/studies/fmmf.md.)"""
import numpy as np
import pytest

from fusionkit.metrics import wavelet_vif as wv


@pytest.fixture(scope="module")
def band():
    rng = np.random.default_rng(0)
    y = rng.random((20, 23))
    return y, 0.7 * y + 0.1 * rng.random(y.shape)


@pytest.mark.parametrize("winsize", [3, 5, 9, 17])
def test_channel_equals_a_literal_loop_over_windows(band, winsize):
    """yn = g y + v per (winsize)^2 window ('reflect1' edges: mirrored without repeating the edge sample),
    centred every M = 3 coefficients from the second one, on the band cropped to whole M x M blocks."""
    y, yn = band
    h, w = 18, 21
    r = winsize // 2
    P, Pn = (np.pad(t[:h, :w], r, mode="reflect") for t in (y, yn))
    G, V = [], []
    for i in range(1, h - 1, 3):
        for j in range(1, w - 1, 3):
            a, b = P[i:i + winsize, j:j + winsize].ravel(), Pn[i:i + winsize, j:j + winsize].ravel()
            cov, sx = ((a - a.mean()) * (b - b.mean())).sum(), ((a - a.mean()) ** 2).sum()
            g = cov / (sx + wv.TOL)
            G.append(g)
            V.append((((b - b.mean()) ** 2).sum() - g * cov) / a.size)
    g, v = wv._channel(y, yn, winsize)
    assert g.shape == (6, 7)
    np.testing.assert_allclose(g.ravel(), G, rtol=1e-12)
    np.testing.assert_allclose(v.ravel(), V, rtol=1e-10)


def test_gsm_field_and_eigenvalues_equal_the_definitions(band):
    """C_U: the covariance of every (overlapping) 3x3 coefficient vector; s = u^T C_U^-1 u / 9 on the
    non-overlapping blocks; lambda: C_U's eigenvalues."""
    y = band[0][:18, :21]
    vecs = np.array([y[i:i + 3, j:j + 3].T.ravel() for i in range(16) for j in range(19)])
    cu = np.cov(vecs.T, bias=True)
    s, lam = wv._reference(band[0])
    inv = np.linalg.inv(cu)
    want = np.array([[y[i:i + 3, j:j + 3].T.ravel() @ inv @ y[i:i + 3, j:j + 3].T.ravel() / 9
                      for j in range(0, 21, 3)] for i in range(0, 18, 3)])
    np.testing.assert_allclose(s, want, rtol=1e-10)
    np.testing.assert_allclose(np.sort(lam), np.linalg.eigvalsh(cu), rtol=1e-10)


@pytest.fixture(scope="module")
def image():
    x = np.linspace(0, 1, 128)
    rng = np.random.default_rng(1)
    img = 0.5 + 0.3 * np.sin(12 * x)[None] * np.cos(9 * x)[:, None] + 0.05 * rng.standard_normal((128, 128))
    return np.clip(img, 0, 1)[:112]


def test_vif_of_an_image_with_itself_is_one(image):
    assert wv.vif_wavelet(image, image) == pytest.approx(1.0, abs=1e-9)


def test_vif_grows_with_a_contrast_stretch_and_falls_with_noise_on_8bit_levels(image):
    """Sheikh & Bovik's VIF (LIVE feeds [0, 255]) exceeds 1 for a contrast enhancement and drops with
    additive noise."""
    img = 255 * image
    m = img.mean()
    assert wv.vif_wavelet(img, m + 1.5 * (img - m)) > 1.05
    rng = np.random.default_rng(2)
    noisy = [wv.vif_wavelet(img, img + s * rng.standard_normal(img.shape)) for s in (2.55, 5.1, 12.75, 25.5)]
    assert 1 > noisy[0] > noisy[1] > noisy[2] > noisy[3] > 0


def test_on_unit_range_images_vif_is_nearly_blind_to_noise(image):
    """On [0, 1] images (the fmmf convention) the coefficients' variances are tiny against sigma_n^2 = 0.4, so
    log2(1 + x) ~ x and VIF ~ the energy-weighted mean of the gain g^2: strong noise (sigma 0.3 of the range)
    that drives the 8-bit VIF to ~0.05 leaves it above 1."""
    rng = np.random.default_rng(2)
    noisy = image + 0.3 * rng.standard_normal(image.shape)
    assert wv.vif_wavelet(255 * image, 255 * noisy) < 0.1
    assert wv.vif_wavelet(image, noisy) > 1.0


def test_vif_depends_on_the_scale_of_the_images(image):
    """sigma_n^2 = 0.4 is absolute: the same pair on [0, 255] scores differently (why the fmmf convention
    says [0, 1])."""
    blur = (image + np.roll(image, 1, 0) + np.roll(image, 1, 1)) / 3
    assert abs(wv.vif_wavelet(image, blur) - wv.vif_wavelet(255 * image, 255 * blur)) > 0.01


def test_too_small_or_mismatched_images_are_rejected():
    with pytest.raises(ValueError, match="each side >= 96"):
        wv.vif_wavelet(np.zeros((64, 128)), np.zeros((64, 128)))
    with pytest.raises(ValueError, match="same shape"):
        wv.vif_wavelet(np.zeros((96, 128)), np.zeros((96, 130)))
