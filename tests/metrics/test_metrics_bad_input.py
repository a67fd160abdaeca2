"""Metrics on images of the wrong range: [0, 1] images are refused (or rescaled with data_range), a
dark 8-bit image is not mistaken for one."""
import numpy as np
import pytest
import torch

from fusionkit.metrics import evaluate, evaluate_batch


@pytest.fixture
def unit_triple():
    rng = np.random.default_rng(0)
    a, b = rng.random((96, 96)), rng.random((96, 96))
    return (a + b) / 2, a, b


def test_unit_range_images_raise_naming_the_arguments(unit_triple):
    f, a, b = unit_triple
    with pytest.raises(ValueError, match=r"fused, a, b: all values lie in \[0, 1\].*\[0, 255\].*"
                                         r"multiply by 255.*data_range=1\.0"):
        evaluate(f, a, b, ["EN"])
    with pytest.raises(ValueError, match=r"fused, a, b: all values lie in \[0, 1\]"):
        evaluate_batch(torch.from_numpy(f)[None], torch.from_numpy(a)[None], torch.from_numpy(b)[None], ["EN"])


def test_data_range_one_gives_the_numbers_of_the_255_images(unit_triple):
    f, a, b = unit_triple
    unit = evaluate(f, a, b, ["EN", "SD", "SSIM"], data_range=1.0)
    levels = evaluate(f * 255, a * 255, b * 255, ["EN", "SD", "SSIM"])
    assert unit == pytest.approx(levels, rel=1e-12) and levels["EN"] > 4  # not the bogus EN = 1
    T = [torch.from_numpy(np.stack([x, x[::-1]])) for x in (f, a, b)]
    ub = evaluate_batch(*T, ["EN", "NIQE"], data_range=1.0)
    lb = evaluate_batch(*(t * 255 for t in T), ["EN", "NIQE"])
    for n in ("EN", "NIQE"):
        assert torch.allclose(ub[n], lb[n], rtol=1e-10)
    assert ub["EN"][0] == pytest.approx(levels["EN"])


def test_dark_8bit_images_are_not_mistaken_for_unit_range():
    rng = np.random.default_rng(1)
    dark = rng.integers(0, 4, (96, 96)).astype(float)  # a genuinely dark [0, 255] image: max 3
    assert dark.max() > 1
    assert evaluate(dark, dark, dark, ["EN"])["EN"] > 1
    black = np.zeros((96, 96))
    assert evaluate(black, black, black, ["SD"])["SD"] == 0.0  # all-black: nothing to refuse
    # a dark item inside an otherwise normal batch is fine, also for the per-image (NumPy) metrics
    batch = torch.from_numpy(np.stack([rng.random((96, 96)) * 255, np.full((96, 96), 0.5)]))
    out = evaluate_batch(batch, batch, batch, ["SD", "CPBD"])
    assert out["SD"][1] == 0.0 and torch.isfinite(out["CPBD"]).all()


def test_data_range_is_checked_and_errors_use_the_callers_units(unit_triple):
    f, a, b = unit_triple
    for bad in (0, -1.0, True, "1"):
        with pytest.raises(ValueError, match="data_range must be a positive number"):
            evaluate(f, a, b, ["EN"], data_range=bad)
    with pytest.raises(ValueError, match=r"fused: values must lie in \[0, 1\] \(data_range=1\), got \[.*, 1\.9"):
        evaluate(f * 2, a, b, ["EN"], data_range=1.0)
    with pytest.raises(ValueError, match=r"a: values must lie in \[0, 1\], got .*data_range=1"):
        evaluate_batch(*(torch.from_numpy(x)[None] for x in (f, a * 3, b)), ["EN"], data_range=1.0)
    assert evaluate(f * 4095, a * 4095, b * 4095, ["EN"], data_range=4095) == pytest.approx(
        evaluate(f, a, b, ["EN"], data_range=1.0))  # 12-bit images
