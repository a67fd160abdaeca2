"""convention="didfuse": the SD, SF and AG that reproduce the DIDFuse (IJCAI 2020) tables.

Expected values are worked out by hand in the comments. The match with the papers' numbers themselves
(TNO, FLIR, NIR from the authors' fused PNGs) is shown by benchmarks/didfuse_metric_conventions.py and
docs/metrics.md ("The DIDFuse SD/SF/AG puzzle (issue 10)").
"""
import math

import numpy as np
import pytest
import torch

from fusionkit.metrics import FAST_SUITE, evaluate, evaluate_batch

# G = [[1, 3],
#      [5, 7]]
G = np.array([[1.0, 3.0], [5.0, 7.0]])
# P: a 3x3 impulse, 9 at the centre, 0 elsewhere (zero border)
P = np.zeros((3, 3))
P[1, 1] = 9.0


def ev(metric, f, convention="didfuse", backend="fast"):
    return evaluate(f, f, f, [metric], convention, backend)[metric]


def test_didfuse_changes_exactly_sd_sf_and_ag():
    """Of every batched metric, convention="didfuse" gives other values than "standard" for SD, SF and
    AG and for nothing else (here through evaluate_batch, two random triples)."""
    rng = np.random.default_rng(2)
    f, a, b = (torch.from_numpy(rng.uniform(0, 255, (2, 48, 52))) for _ in range(3))
    did = evaluate_batch(f, a, b, FAST_SUITE, "didfuse")
    std = evaluate_batch(f, a, b, FAST_SUITE, "standard")
    changed = {n for n in FAST_SUITE if not torch.allclose(did[n], std[n], rtol=1e-9, atol=0)}
    assert changed == {"SD", "SF", "AG"}


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_sd_subtracts_column_means(backend):
    # G: column means 3 (of 1, 5) and 5 (of 3, 7); every deviation is +-2 -> SD = sqrt(4) = 2
    assert ev("SD", G, backend=backend) == pytest.approx(2.0)
    # standard: image mean 4, deviations -3, -1, 1, 3 -> sqrt((9 + 1 + 1 + 9) / 4) = sqrt(5)
    assert ev("SD", G, "standard", backend) == pytest.approx(math.sqrt(5))
    # G transposed = [[1, 5], [3, 7]]: column means 2 and 6, deviations +-1 -> 1 (orientation matters)
    assert ev("SD", G.T.copy(), backend=backend) == pytest.approx(1.0)
    # P: column means 0, 3, 0; the middle column deviates by -3, 6, -3 -> sqrt((9 + 36 + 9) / 9) = sqrt(6)
    assert ev("SD", P, backend=backend) == pytest.approx(math.sqrt(6))


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_sf_pads_zeros_past_the_last_column_and_row(backend):
    # G, along rows with F[i, 3] = 0: row 1: 3-1 = 2, 0-3 = -3; row 2: 7-5 = 2, 0-7 = -7
    #   RF^2 = (4 + 9 + 4 + 49) / 4 = 16.5
    # down columns with F[3, j] = 0: column 1: 5-1 = 4, 0-5 = -5; column 2: 7-3 = 4, 0-7 = -7
    #   CF^2 = (16 + 25 + 16 + 49) / 4 = 26.5  ->  SF = sqrt(43)
    assert ev("SF", G, backend=backend) == pytest.approx(math.sqrt(43))
    # standard (no border terms): RF^2 = (4 + 4) / 4 = 2, CF^2 = (16 + 16) / 4 = 8 -> sqrt(10)
    assert ev("SF", G, "standard", backend) == pytest.approx(math.sqrt(10))
    # P has a zero last row/column, so the padding adds nothing: the middle row 0, 9, 0 gives
    # 9-0 = 9, 0-9 = -9 (and 0-0 at the border) -> RF^2 = 162 / 9 = 18, CF^2 = 18 -> SF = 6 in both
    assert ev("SF", P, backend=backend) == pytest.approx(6.0)
    assert ev("SF", P, "standard", backend) == pytest.approx(6.0)
    # a constant 4x4 image of 10: only the border terms (0 - 10)^2, 4 per direction:
    # RF^2 = CF^2 = 4 * 100 / 16 = 25 -> SF = sqrt(50) (standard: 0)
    C = np.full((4, 4), 10.0)
    assert ev("SF", C, backend=backend) == pytest.approx(math.sqrt(50))
    assert ev("SF", C, "standard", backend) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_ag_uses_matlab_gradient(backend):
    # G (2x2): gradient() is one-sided everywhere: gx = 2, gy = 4 at all four pixels ->
    #   sqrt((4 + 16) / 2) = sqrt(10) each, summed 4 sqrt(10), divided by (2-1)(2-1) = 1
    assert ev("AG", G, backend=backend) == pytest.approx(4 * math.sqrt(10))
    # standard: the one forward-difference pixel, dx = 2, dy = 4 -> sqrt(10)
    assert ev("AG", G, "standard", backend) == pytest.approx(math.sqrt(10))
    # P: the middle row 0, 9, 0 has gx = 9 (one-sided), 0 (central (0-0)/2), -9 (one-sided), the other
    # rows 0; likewise gy down the middle column. Four pixels with |g| = 9 (one component) ->
    # 4 * sqrt(81/2) / ((3-1)(3-1)) = 9 / sqrt(2)
    assert ev("AG", P, backend=backend) == pytest.approx(9 / math.sqrt(2))
    # the same as the vifb convention's AG
    assert ev("AG", P, backend=backend) == pytest.approx(ev("AG", P, "vifb", backend))


def test_other_metrics_are_standard():
    rng = np.random.default_rng(0)
    f, a, b = (rng.uniform(0, 255, (48, 52)) for _ in range(3))
    names = [n for n in FAST_SUITE if n not in ("SD", "SF", "AG")]
    assert evaluate(f, a, b, names, "didfuse") == pytest.approx(evaluate(f, a, b, names, "standard"), rel=1e-12)


def test_fast_equals_reference_and_batch():
    rng = np.random.default_rng(1)
    fs = rng.uniform(0, 255, (3, 37, 53))
    names = ["SD", "SF", "AG"]
    for f in fs:
        fast = evaluate(f, f, f, names, "didfuse", backend="fast")
        ref = evaluate(f, f, f, names, "didfuse", backend="reference")
        assert fast == pytest.approx(ref, rel=1e-9)
    t = torch.from_numpy(fs)
    batch = evaluate_batch(t, t, t, names, "didfuse")
    for i, f in enumerate(fs):
        one = evaluate(f, f, f, names, "didfuse", backend="reference")
        assert {n: float(batch[n][i]) for n in names} == pytest.approx(one, rel=1e-9)
