"""The evaluator conventions against the values their own, unmodified code gives on our fixture triples
(fusionkit.metrics.golden; the values in tests/fixtures/golden_<name>.csv were made by tools/golden/<name>.sh):
every metric of each convention within 0.5 % (or 1e-3 absolute) on every triple, with both backends."""
from __future__ import annotations

import numpy as np
import pytest

from fusionkit.metrics import evaluate, golden

#: golden column -> our metric name
NAMES = {"cddfuse": {"VIFF": "VIF"}, "tang": {}}
TOL_REL, TOL_ABS = 5e-3, 1e-3


@pytest.fixture(scope="module")
def triples(real_data):
    return {t["id"]: t for t in golden.triples()}


def _check(name, triples, backend, columns=None, crop=None):
    g = golden.read_golden(name).set_index("id")
    assert set(g.index) == set(triples), "the golden file and the fixture triples name different triples"
    cols = [c for c in g.columns if columns is None or c in columns]
    bad = []
    for tid, t in triples.items():
        f, a, b = (t[k].astype(np.float64) for k in ("F", "A", "B"))
        if crop is not None:
            f, a, b = (x[crop, crop] for x in (f, a, b))
        ours = evaluate(f, a, b, metrics=[NAMES[name].get(c, c) for c in cols], convention=name, backend=backend)
        for c in cols:
            want, got = float(g.at[tid, c]), ours[NAMES[name].get(c, c)]
            if not abs(got - want) <= max(TOL_ABS, TOL_REL * abs(want)):
                bad.append(f"{tid} {c}: ours {got:.6g}, {name}'s code {want:.6g}")
    assert not bad, "\n".join(bad)
    return cols


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_cddfuse_convention_equals_cddfuse_s_evaluator(triples, backend):
    cols = _check("cddfuse", triples, backend)
    assert {"EN", "SD", "SF", "MI", "SCD", "VIFF", "Qabf", "SSIM", "AG", "MSE", "CC", "PSNR"} <= set(cols)


def test_conventions_differ_where_the_evaluators_do(triples):
    """The golden values are not the standard ones where the codes differ (else the test above could not fail)."""
    t = next(iter(triples.values()))
    f, a, b = (t[k].astype(np.float64) for k in ("F", "A", "B"))
    std = evaluate(f, a, b, metrics=["MI", "SSIM", "PSNR", "AG"], convention="standard")
    cdd = evaluate(f, a, b, metrics=["MI", "SSIM", "PSNR", "AG"], convention="cddfuse")
    assert cdd["MI"] == pytest.approx(std["MI"] * np.log(2), rel=1e-12)  # nats, not bits
    assert abs(cdd["SSIM"] - 2 * std["SSIM"]) > 0.01  # summed, and scikit-image 0.19's float defaults
    assert cdd["PSNR"] < std["PSNR"] and cdd["AG"] != std["AG"]


TANG_FULL = ("EN", "MI", "PSNR", "MSE", "SF", "SD", "VIF", "AG", "CC", "SCD", "Qabf", "Nabf", "MS_SSIM")


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_tang_convention_equals_tang_s_evaluator(triples, backend):
    cols = _check("tang", triples, backend, columns=TANG_FULL)
    assert set(cols) == set(TANG_FULL)


def test_tang_ssim_is_matlab_ssim_of_a_double_by_hand():
    """Octave has no ssim, so no golden value: MATLAB's documented defaults by hand instead. On a constant pair
    every window has sigma = 0, so SSIM = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1) with C1 = (0.01 * 1)^2 (the
    class range of a double: 0.8000), not (0.01 * 255)^2 (0.913); identical images give 1. (1e-6: the filtered
    variance of a constant is ~1e-13, not 0, and the tiny C2 makes the structure term feel it.)"""
    from fusionkit.metrics import conventions

    x, y = np.full((16, 16), 1.0), np.full((16, 16), 2.0)
    c1 = 1e-4
    assert conventions._matlab_ssim(x, y) == pytest.approx((2 * 1 * 2 + c1) / (1 + 4 + c1), rel=1e-6)
    rng = np.random.default_rng(0)
    z = rng.integers(0, 256, (32, 32)).astype(float)
    assert conventions.tang_ssim(z, z, z) == pytest.approx(1.0, abs=1e-12)
