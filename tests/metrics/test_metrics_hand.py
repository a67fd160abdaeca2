"""Metrics on small images worked out by hand (expected values derived in the comments)."""
import math

import numpy as np
import pytest

from fusionkit.metrics import backend_numpy as reference, evaluate

# F: a vertical step, left half 0, right half 255. A = F, B = 255 - F (the inverted image).
F = np.array([[0, 0, 255, 255]] * 4, dtype=float)
A = F.copy()
B = 255 - F


def ev(metric, f=F, a=A, b=B, convention="standard", backend="fast"):
    return evaluate(f, a, b, [metric], convention, backend)[metric]


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_4x4_step_by_hand(backend):
    e = lambda m, **k: ev(m, backend=backend, **k)  # noqa: E731
    # EN: two levels with p = 1/2 -> 1 bit
    assert e("EN") == pytest.approx(1.0)
    # SD: mean 127.5, every deviation +-127.5
    assert e("SD") == pytest.approx(127.5)
    # SF: RF^2 = 4 rows * 255^2 / 16 = 16256.25, CF = 0 -> 127.5
    assert e("SF") == pytest.approx(127.5)
    # AG standard: forward differences on the 3x3 region: one 255 jump per row -> 3*(255/sqrt2)/9
    assert e("AG") == pytest.approx(255 / math.sqrt(2) / 3)
    # AG vifb: MATLAB gradient gives 127.5 at columns 2 and 3 of each row: 8 * 127.5/sqrt2 / 9
    assert e("AG", convention="vifb") == pytest.approx(8 * 127.5 / math.sqrt(2) / 9)
    # EI: Sobel (replicate padding) |gx| = 4*255 = 1020 at the two middle columns -> 8*1020/16
    assert e("EI") == pytest.approx(510.0)
    # Brenner: (F[j+2]-F[j])^2 = 255^2 at j = 0, 1 per row -> 8 * 255^2 / 16
    assert e("Brenner") == pytest.approx(255 ** 2 / 2)
    # MI: A = F (MI = H = 1 bit), B a bijection of F (1 bit) -> 2 bits; vifb: in nats -> 2 ln 2
    assert e("MI") == pytest.approx(2.0)
    assert e("MI", convention="vifb") == pytest.approx(2 * math.log(2))
    # CC: r(A,F) = 1, r(B,F) = -1
    assert e("CC") == pytest.approx(0.0, abs=1e-12)
    # SCD: r(F-B, A) = r(2F-255, F) = 1; F-A = 0 has no variance -> r = 0
    assert e("SCD") == pytest.approx(1.0)
    # PSNR: MSE(A,F) = 0, MSE(B,F) = 255^2 -> mean 255^2/2 -> 10 log10(2)
    assert e("PSNR") == pytest.approx(10 * math.log10(2))
    # RMSE: (0 + 255)/2
    assert e("RMSE") == pytest.approx(127.5)
    # VIFB's 'mse' = sqrt(sum sq)/(MN): (0 + sqrt(16*255^2)/16)/2 = 31.875
    assert e("RMSE", convention="vifb") == pytest.approx(31.875)
    assert e("PSNR", convention="vifb") == pytest.approx(20 * math.log10(255 / math.sqrt(31.875)))
    # CE: A and B have the same histogram as F -> 0
    assert e("CE") == pytest.approx(0.0, abs=1e-12)


def test_ce_by_hand():
    # A = all zeros: p_A(0) = 1, p_F(0) = 1/2 -> CE(A,F) = log2(2) = 1; B = F -> 0; mean 0.5
    assert ev("CE", a=np.zeros((4, 4)), b=F) == pytest.approx(0.5)


def test_qabf_when_fused_equals_both_sources():
    # G = 1 and A = 1 wherever the gradient is non-zero (zero-gradient pixels have weight 0):
    q = 0.9994 / (1 + math.exp(-15 * (1 - 0.5))) * 0.9879 / (1 + math.exp(-22 * (1 - 0.8)))
    assert ev("Qabf", a=F, b=F) == pytest.approx(q, rel=1e-12)
    # VIFB sets the strength ratio to g_F (>> 1 here), so the sigmoid saturates at Tg
    qv = 0.9994 * 0.9879 / (1 + math.exp(-22 * (1 - 0.8)))
    assert ev("Qabf", a=F, b=F, convention="vifb") == pytest.approx(qv, rel=1e-9)


def test_constant_images():
    c = np.full((48, 48), 100.0)
    v = evaluate(c, c, c, ["EN", "SD", "SF", "AG", "EI", "Brenner", "SSIM", "RMSE"])
    assert v == pytest.approx({"EN": 0, "SD": 0, "SF": 0, "AG": 0, "EI": 0, "Brenner": 0, "SSIM": 1, "RMSE": 0})
    # SSIM of two constants c1, c2 (no variance): (2 c1 c2 + C1)/(c1^2 + c2^2 + C1)
    C1 = (0.01 * 255) ** 2
    s = (2 * 100 * 60 + C1) / (100 ** 2 + 60 ** 2 + C1)
    assert evaluate(c, np.full_like(c, 60), np.full_like(c, 60), ["SSIM"])["SSIM"] == pytest.approx(s)


def test_identical_images(natural):
    f = natural[0]
    v = evaluate(f, f, f, ["SSIM", "MS_SSIM", "VIF", "VIFF", "Qcv", "Qcb", "CC", "PSNR", "MI", "EN"])
    assert v["SSIM"] == pytest.approx(1.0) and v["MS_SSIM"] == pytest.approx(1.0)
    assert v["VIF"] == pytest.approx(2.0, rel=1e-6)   # vifp(F,F) = 1 for each source
    assert v["VIFF"] == pytest.approx(1.0, rel=1e-6)
    assert v["Qcv"] == pytest.approx(0.0, abs=1e-9)   # no difference to weigh
    assert v["Qcb"] == pytest.approx(1.0)
    assert v["CC"] == pytest.approx(1.0) and math.isinf(v["PSNR"])
    assert v["MI"] == pytest.approx(2 * v["EN"])       # MI(F,F) = H(F)


@pytest.fixture(scope="module")
def natural():
    """Three real-looking 96x128 grey images derived deterministically (no data needed)."""
    rng = np.random.default_rng(0)
    from scipy import ndimage

    base = ndimage.gaussian_filter(rng.uniform(0, 255, (96, 128)), 3)
    base = (base - base.min()) / (base.max() - base.min()) * 255
    edges = np.zeros((96, 128))
    edges[:, 64:] = 200
    edges[40:60, 20:50] = 80
    noise = rng.normal(0, 8, (96, 128))
    return (np.clip(0.6 * base + 0.4 * edges, 0, 255), np.clip(base + noise, 0, 255), np.clip(edges + noise, 0, 255))


SYMMETRIC = ["EN", "SD", "SF", "AG", "MI", "CC", "SCD", "VIF", "VIFF", "Qabf", "Qcv", "Qcb", "SSIM",
             "MS_SSIM", "EI", "CE", "PSNR", "RMSE", "Brenner"]


@pytest.mark.parametrize("convention", ["standard", "vifb"])
def test_symmetric_in_the_sources(natural, convention):
    f, a, b = natural
    ab = evaluate(f, a, b, SYMMETRIC, convention)
    ba = evaluate(f, b, a, SYMMETRIC, convention)
    for m in SYMMETRIC:
        assert ab[m] == pytest.approx(ba[m], rel=1e-9, abs=1e-12), m


def test_invariances_and_ranges(natural):
    f, a, b = natural
    v = evaluate(f, a, b, SYMMETRIC)
    shifted = evaluate(np.clip(f + 20, 0, 255), a, b, ["SD", "SF", "AG", "EI", "Brenner"]) if f.max() <= 235 else None
    if shifted:
        for m in shifted:
            assert shifted[m] == pytest.approx(v[m], rel=1e-9), m
    # CC is invariant to a positive affine change of F
    assert evaluate(f * 0.5 + 10, a, b, ["CC"])["CC"] == pytest.approx(v["CC"], rel=1e-9)
    assert 0 <= v["EN"] <= 8 and -1 <= v["CC"] <= 1 and 0 <= v["Qabf"] <= 1 and v["SSIM"] <= 1
    assert v["MI"] >= 0 and v["CE"] >= 0 and v["VIFF"] >= 0 and v["RMSE"] >= 0 and 0 < v["MS_SSIM"] <= 1


@pytest.mark.parametrize("convention", ["standard", "vifb"])
def test_fast_backend_equals_reference(natural, convention):
    f, a, b = natural
    fast = evaluate(f, a, b, SYMMETRIC, convention, backend="fast")
    ref = evaluate(f, a, b, SYMMETRIC, convention, backend="reference")
    for m in SYMMETRIC:
        assert fast[m] == pytest.approx(ref[m], rel=1e-6, abs=1e-9), m


def test_batch_equals_single(natural):
    import torch

    from fusionkit.metrics import evaluate_batch

    f, a, b = natural
    F = torch.from_numpy(np.stack([f, a, b]))
    A = torch.from_numpy(np.stack([a, b, f]))
    B = torch.from_numpy(np.stack([b, f, a]))
    out = evaluate_batch(F, A, B, ["EN", "VIF", "Qabf", "SSIM", "Qcb"])
    for i in range(3):
        single = evaluate(F[i], A[i], B[i], ["EN", "VIF", "Qabf", "SSIM", "Qcb"])
        for m, v in single.items():
            assert float(out[m][i]) == pytest.approx(v, rel=1e-9), (i, m)


def test_bad_input_errors():
    ok = np.zeros((50, 50))
    with pytest.raises(ValueError, match=r"image shapes differ: fused \(50, 50\), a \(50, 50\), b \(50, 49\)"):
        evaluate(ok, ok, ok[:, :49])
    with pytest.raises(ValueError, match=r"fused: expected a 2-D grey image .*colour image"):
        evaluate(np.zeros((50, 50, 3)), ok, ok)
    with pytest.raises(ValueError, match=r"a: values must lie in \[0, 255\]"):
        evaluate(ok, ok - 1, ok)
    bad = ok.copy()
    bad[3, 3] = np.nan
    with pytest.raises(ValueError, match="b: contains NaN"):
        evaluate(ok, ok, bad)
    with pytest.raises(ValueError, match="fused: empty"):
        evaluate(np.zeros((0, 5)), ok, ok)
    with pytest.raises(ValueError, match="unknown metric.*valid: EN, SD"):
        evaluate(ok, ok, ok, ["EN", "Entropy"])
    with pytest.raises(ValueError, match="unknown convention 'matlab'; valid: standard, vifb"):
        evaluate(ok, ok, ok, ["EN"], convention="matlab")
    with pytest.raises(ValueError, match=r"too small for: VIF \(needs >= 41\)"):
        evaluate(np.zeros((20, 20)), np.zeros((20, 20)), np.zeros((20, 20)), ["EN", "VIF"])


def test_registry_documents_every_metric():
    from fusionkit.metrics import ALL, REGISTRY

    expected = ["EN", "SD", "SF", "AG", "MI", "CC", "SCD", "VIF", "VIFF", "Qabf", "Qcv", "Qcb", "SSIM",
                "MS_SSIM", "Nabf", "EI", "CE", "PSNR", "MSE", "RMSE", "NIQE", "CPBD", "JNB", "Noise", "Brenner", "Combined"]
    assert sorted(ALL) == sorted(expected)
    for n in ALL:
        s = REGISTRY[n]
        assert s.citation and s.definition and isinstance(s.higher_is_better, bool)
    assert not REGISTRY["RMSE"].higher_is_better and not REGISTRY["NIQE"].higher_is_better
    assert not REGISTRY["Noise"].higher_is_better and not REGISTRY["MSE"].higher_is_better
    assert not REGISTRY["Nabf"].higher_is_better
    assert set(reference.FUNCTIONS) | {"NIQE", "CPBD", "JNB", "Noise", "Combined"} == set(ALL)


def test_docs_are_rendered_from_the_registry():
    from pathlib import Path

    from fusionkit.metrics.docs import render

    doc = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
    assert doc.read_text() == render(), "regenerate: python -m fusionkit.metrics.docs > docs/metrics.md"


def test_noise_estimate_recovers_added_gaussian_sigma_and_is_zero_on_flat_images():
    """Noise (Donoho & Johnstone's MAD estimator): 0 on a flat image; on a flat 128 image plus N(0, sigma^2)
    it returns sigma (the estimator's defining property, within 3 % on 256x256); a smooth ramp adds ~nothing."""
    from fusionkit.metrics import evaluate, noref

    rng = np.random.default_rng(0)
    assert noref.noise_sigma(np.full((64, 64), 128.0)) == 0.0
    for sigma in (5.0, 10.0, 20.0):
        f = 128 + rng.normal(0, sigma, (256, 256))
        assert abs(noref.noise_sigma(f) - sigma) < 0.03 * sigma
    ramp = np.tile(np.linspace(0, 255, 256), (256, 1))
    noisy = ramp + rng.normal(0, 10, ramp.shape)
    assert abs(noref.noise_sigma(noisy) - 10) < 0.4
    g = rng.uniform(0, 255, (64, 64))
    f = np.clip(noisy[:64, 100:164], 0, 255)
    assert evaluate(f, g, g, metrics=["Noise"])["Noise"] == noref.noise_sigma(f)


def test_nabf_by_hand_on_ramps():
    """Kumar's N_abf: A = B = a horizontal ramp of slope 2, F the ramp of slope 4. Sobel/8 gives g_A = 2 (= Td, so
    w = 2^1.5) and g_F = 4 inside; the mirrored border columns have no gradient (w = 0.001, no artifact). Inside, F
    exceeds both sources (na = 1), the strength ratio is 0.5 (Q_g = Nrg/2) and both angles are pi/2 (Q_a at 1):
    N_abf = (1 - sqrt(Q_g Q_a)) n w / (n w + 2M 0.001), n = M (N - 2). F equal to the sources: no artifact, 0."""
    from fusionkit.metrics.backend_numpy import NABF as p

    M, N = 8, 64
    a = np.tile(2.0 * np.arange(N), (M, 1))
    f = 2 * a
    qg, qa = p["Nrg"] / 2, p["Nra"] / (1 + np.exp(-p["ka"] * (1 - p["sa"])))
    n, w = M * (N - 2), 2 ** 1.5
    want = (1 - np.sqrt(qg * qa)) * n * w / (n * w + 2 * M * 0.001)
    for backend in ("reference", "fast"):
        assert evaluate(f, a, a, metrics=["Nabf"], backend=backend)["Nabf"] == pytest.approx(want, rel=1e-12)
        assert evaluate(a, a, a, metrics=["Nabf"], backend=backend)["Nabf"] == 0.0
