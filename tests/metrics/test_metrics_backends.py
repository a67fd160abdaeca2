"""Generic checks of every registered metric, on small crops of a real TNO pair.

The metric names come from the registry when the tests are collected, so a newly registered metric
(and a new convention) is covered without editing this file: the torch backend equals the NumPy
reference backend to 1e-6 relative, a batch through ``evaluate_batch`` equals single ``evaluate``
calls, and the torch backend's dispatch (one function per metric family, shared intermediates)
gives the values of one metric at a time.
"""
import numpy as np
import pytest
import torch

from fusionkit.metrics import (CONVENTIONS, REGISTRY, backend_numpy, backend_torch, conventions, evaluate,
                               evaluate_batch)
from fusionkit.registry import UnknownName

# the metrics the registry puts in the batched torch backend (MetricSpec.fast, the default): every
# full-reference metric (Combined, a mean of other metrics and NIQE, is not one of its own) and Brenner
NAMES = [n for n, s in REGISTRY.items() if s.fast]
# tang and cddfuse hand the backends their standard metrics as "standard" and compute the rest in NumPy for
# both backends (fusionkit.metrics.conventions; tests/metrics/test_conventions_golden.py runs both backends)
BACKEND_CONVENTIONS = [c for c in CONVENTIONS if c not in conventions.OVERRIDES]
CASES = [pytest.param(n, c, id=f"{n}-{c}") for n in NAMES for c in BACKEND_CONVENTIONS]
CROP = (96, 128)


@pytest.fixture(scope="module")
def triples(real_data):
    """Three (fused, a, b) triples from the first TNO test pair (a = infrared, b = visible), 96x128
    crops: the average and the maximum of the centre crop's sources, and the average of a corner crop."""
    from fusionkit.data import FusionDataset

    it = FusionDataset("didfuse-tno", "test", mode="gray", manifest=real_data)[0]
    ir, vis = (it[k][0].numpy().astype(np.float64) * 255 for k in ("a", "b"))
    H, W = ir.shape
    h, w = CROP
    top, left = (H - h) // 2, (W - w) // 2
    a, b = ir[top:top + h, left:left + w], vis[top:top + h, left:left + w]
    a2, b2 = ir[:h, :w], vis[:h, :w]
    return [((a + b) / 2, a, b), (np.maximum(a, b), a, b), ((a2 + b2) / 2, a2, b2)]


def _batch(triples):
    return [torch.from_numpy(np.stack(x)) for x in zip(*triples)]


def test_both_backends_implement_every_registered_metric():
    assert len(NAMES) >= 19  # the 18 full-reference metrics and Brenner
    assert backend_torch.FUNCTIONS.names() == backend_numpy.FUNCTIONS.names()
    assert set(backend_torch.FUNCTIONS) == set(NAMES)
    # a family is one function registered under each of its names
    fam = {n: backend_torch.FUNCTIONS.meta[n]["family"] for n in NAMES}
    assert fam["PSNR"] == fam["RMSE"] == fam["MSE"] == ("PSNR", "RMSE", "MSE") and fam["VIF"] == ("VIF", "VIFF")
    assert backend_torch.FUNCTIONS["SSIM"] is backend_torch.FUNCTIONS["MS_SSIM"]
    assert backend_torch.FUNCTIONS["EN"] is not backend_torch.FUNCTIONS["CE"]


@pytest.mark.parametrize("name, convention", CASES)
def test_torch_backend_equals_numpy_reference(triples, name, convention):
    for i, (f, a, b) in enumerate(triples):
        fast = evaluate(f, a, b, [name], convention, backend="fast")[name]
        ref = evaluate(f, a, b, [name], convention, backend="reference")[name]
        assert np.isfinite(ref), (i, ref)
        assert fast == pytest.approx(ref, rel=1e-6), (i, fast, ref)


@pytest.mark.parametrize("name, convention", CASES)
def test_batch_equals_single_calls(triples, name, convention):
    F, A, B = _batch(triples)
    out = evaluate_batch(F, A, B, [name], convention)
    assert list(out) == [name] and out[name].shape == (len(triples),) and out[name].dtype == torch.float64
    for i, (f, a, b) in enumerate(triples):
        assert float(out[name][i]) == pytest.approx(evaluate(f, a, b, [name], convention)[name], rel=1e-9), i


@pytest.mark.parametrize("convention", BACKEND_CONVENTIONS)
def test_one_call_for_every_metric_equals_one_metric_at_a_time(triples, convention):
    """Families and shared intermediates (moment spectra, F's histogram) change no value, and the
    output follows the order asked for."""
    t = _batch(triples)
    names = NAMES[::-1]
    together = backend_torch.compute(names, *t, convention)
    assert list(together) == names
    for n in names:
        alone = backend_torch.compute([n], *t, convention)[n]
        assert torch.allclose(together[n], alone, rtol=1e-12, atol=0), n


def test_shared_intermediates_are_computed_once_per_call(triples, monkeypatch):
    calls = []
    real = backend_torch.moment_spectra

    def counting(a, b, f):
        calls.append(tuple(f.shape))
        return real(a, b, f)

    monkeypatch.setattr(backend_torch, "moment_spectra", counting)
    t = _batch(triples)
    full = (len(triples), *CROP)
    backend_torch.compute(["SSIM", "VIF", "MS_SSIM", "EN", "VIFF"], *t)
    assert calls.count(full) == 1  # (the coarser scales of MS-SSIM and VIF have their own)
    calls.clear()
    backend_torch.compute(["EN", "PSNR", "Qabf"], *t)
    assert calls == []


def test_unknown_name_is_an_error():
    t = [torch.zeros(1, 8, 8)] * 3
    with pytest.raises(UnknownName, match="unknown torch metric 'SSMI'.*did you mean 'SSIM'"):
        backend_torch.compute(["EN", "SSMI"], *t)
    with pytest.raises(UnknownName, match="unknown NumPy metric 'NIQE'"):
        backend_numpy.compute(["NIQE"], *(x[0].numpy() for x in t))
