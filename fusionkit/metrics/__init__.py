"""Fusion-quality metrics: registry, ``evaluate`` (one triple), ``evaluate_batch`` (many, torch).

    from fusionkit.metrics import evaluate
    evaluate(fused, ir, vis, metrics=["EN", "SD", "VIF"], convention="standard")

Images are 2-D grey arrays/tensors in [0, 255]; ``a`` and ``b`` are the two sources (ir-vis:
a = infrared). ``convention="vifb"`` reproduces the VIFB benchmark's MATLAB code for its 13
metrics (other metrics are the same in both conventions); ``convention="didfuse"`` changes SD, SF
and AG to the definitions that reproduce the DIDFuse (IJCAI 2020) tables, ``convention="fmmf"`` SD,
MI, VIF, MS_SSIM and Qabf to those of the FMMF authors' group scripts; ``convention="tang"`` and
``"cddfuse"`` are Linfeng Tang's MATLAB evaluator and MMIF-CDDFuse's ``Evaluator.py`` as their code computes
(:mod:`.conventions`, golden-tested against that code). Definitions and citations:
``REGISTRY`` and docs/metrics.md. Backends: ``"fast"`` (batched torch, default:
:mod:`.backend_torch`) and ``"reference"`` (straightforward NumPy/SciPy, used to validate the fast
one: :mod:`.backend_numpy`); each keeps its metric functions in a ``FUNCTIONS`` registry, filled at
the definitions, and a ``compute(names, f, a, b, convention)``.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from . import backend_numpy, backend_torch, conventions, noref
from .registry import (ALL, CONVENTIONS, FAST_SUITE, REGISTRY, VIFB_METRICS, MetricSpec, check_convention,
                       check_names, check_size)
from .stats import best_in_column, paired_ttest, rank_table, summarize

BACKENDS = ("fast", "reference")
NOREF = {"NIQE": noref.niqe, "CPBD": noref.cpbd, "JNB": noref.jnb, "Noise": noref.noise_sigma}
COMBINED_PARTS = ("EN", "SSIM", "VIFF", "PSNR", "NIQE", "Brenner")

__all__ = ["ALL", "BACKENDS", "CONVENTIONS", "FAST_SUITE", "REGISTRY", "VIFB_METRICS", "MetricSpec",
           "evaluate", "evaluate_batch", "combined", "validate_images", "paired_ttest", "rank_table",
           "best_in_column", "summarize"]


def _as_array(x: Any, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: not a numeric image ({exc})") from None
    return arr


def validate_images(**images: Any) -> dict[str, np.ndarray]:
    """Check 2-D grey images in [0, 255] of equal shape; raise ValueError naming the argument."""
    out = {}
    for name, x in images.items():
        arr = _as_array(x, name)
        if arr.ndim == 3 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim != 2:
            hint = (" (colour image: convert with fusionkit.data.rgb2gray, or use "
                    "fusionkit.metrics.vifb.evaluate_vifb_rgb for VIFB's per-channel evaluation)"
                    if arr.ndim == 3 and arr.shape[-1] in (3, 4) else "")
            raise ValueError(f"{name}: expected a 2-D grey image (H x W), got shape {arr.shape}{hint}")
        if arr.size == 0 or min(arr.shape) < 2:
            raise ValueError(f"{name}: empty or degenerate image of shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name}: contains NaN or infinite values")
        lo, hi = float(arr.min()), float(arr.max())
        if lo < -1e-6 or hi > 255 + 1e-6:
            raise ValueError(f"{name}: values must lie in [0, 255], got [{lo:.4g}, {hi:.4g}]"
                             f"{' (a [0, 1] image? multiply by 255)' if hi <= 1 and lo < 0 else ''}")
        out[name] = np.clip(arr, 0, 255)
    shapes = {n: a.shape for n, a in out.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"image shapes differ: {', '.join(f'{n} {s}' for n, s in shapes.items())}")
    return out


def combined(v: dict[str, float]) -> float:
    """fusionkit's Combined score (AE-Netv2's E_2 is undefined in its paper): mean of six [0,1] terms.

    EN/8, SSIM (standard), min(VIFF, 1), min(PSNR/60, 1) (standard PSNR), max(0, 1 - NIQE/20),
    Brenner/(Brenner + 500). Each term grows with quality; see docs/metrics.md.
    """
    terms = [v["EN"] / 8, v["SSIM"], min(v["VIFF"], 1.0), min(max(v["PSNR"], 0.0) / 60, 1.0),
             max(0.0, 1 - v["NIQE"] / 20), v["Brenner"] / (v["Brenner"] + 500)]
    return float(np.mean(np.clip(terms, 0, 1)))


def _check_data_range(data_range: Any) -> None:
    if isinstance(data_range, bool) or not (isinstance(data_range, (int, float)) and data_range > 0):
        raise ValueError(f"data_range must be a positive number (the images' maximum value), got {data_range!r}")


def _unit_range_error(names: Sequence[str]) -> ValueError:
    return ValueError(f"{', '.join(names)}: all values lie in [0, 1] but the metrics expect 8-bit levels "
                      f"[0, 255]: multiply by 255, or pass data_range=1.0")


def _rescale(images: dict[str, Any], data_range: float, check_unit: bool = True) -> dict[str, Any]:
    """Bring images on [0, data_range] to [0, 255]; with the default range, refuse three images that
    all lie in [0, 1] (a [0, 1] float image scored as 8-bit levels gives e.g. EN = 1)."""
    _check_data_range(data_range)
    arrs = {n: _as_array(x, n) for n, x in images.items()}
    if data_range == 255:
        tops = [float(np.nanmax(x)) if x.size else 0.0 for x in arrs.values()]
        if check_unit and all(t <= 1.0 for t in tops) and any(t > 0 for t in tops):
            raise _unit_range_error(list(arrs))
        return arrs
    tol = 1e-6 * data_range / 255  # validate_images' 1e-6 on the [0, 255] scale
    for n, x in arrs.items():  # report out-of-range values in the caller's units, not rescaled ones
        if x.size and np.isfinite(x).all() and (x.min() < -tol or x.max() > data_range + tol):
            raise ValueError(f"{n}: values must lie in [0, {data_range:g}] (data_range={data_range:g}), "
                             f"got [{x.min():.4g}, {x.max():.4g}]")
    return {n: x * (255.0 / data_range) for n, x in arrs.items()}


def evaluate(fused: Any, a: Any, b: Any, metrics: Sequence[str] | str | None = None,
             convention: str = "standard", backend: str = "fast", data_range: float = 255.0) -> dict[str, float]:
    """Every requested metric (default: all) of one fused image and its two sources.

    Images are 8-bit grey levels in [0, 255]; ``data_range=1.0`` takes [0, 1] images (rescaled to
    [0, 255] first). Three images that all lie in [0, 1] with the default range are an error."""
    return _evaluate(fused, a, b, metrics, convention, backend, data_range)


def _evaluate(fused: Any, a: Any, b: Any, metrics: Sequence[str] | str | None, convention: str, backend: str,
              data_range: float, check_unit: bool = True) -> dict[str, float]:
    """:func:`evaluate`; ``check_unit=False`` skips the [0, 1] check (images known to be 8-bit levels)."""
    names = check_names(metrics)
    check_convention(convention)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
    imgs = validate_images(**_rescale({"fused": fused, "a": a, "b": b}, data_range, check_unit))
    F, A, B = imgs["fused"], imgs["a"], imgs["b"]
    check_size(names, F.shape, convention)
    need = set(names)
    if "Combined" in need:
        need |= set(COMBINED_PARTS)
    full, over, base = conventions.split([n for n in ALL if n in need and n in backend_numpy.FUNCTIONS], convention)
    res: dict[str, float] = {n: fn(F, A, B) for n, fn in over.items()}  # an evaluator's own definitions (NumPy)
    if backend == "fast":
        t = [torch.from_numpy(x)[None] for x in (F, A, B)]
        res.update({k: float(v[0]) for k, v in backend_torch.compute(full, *t, base).items()})
    else:
        res.update(backend_numpy.compute(full, F, A, B, base))
    for n, fn in NOREF.items():
        if n in need:
            res[n] = fn(F)
    if "Combined" in need:
        t = [torch.from_numpy(x)[None] for x in (F, A, B)]
        std = res if convention == "standard" else {
            **res, **{k: float(v[0]) for k, v in backend_torch.compute(["SSIM", "PSNR"], *t, "standard").items()}}
        res["Combined"] = combined(std)
    return {n: res[n] for n in names}


def evaluate_batch(fused: torch.Tensor, a: torch.Tensor, b: torch.Tensor,
                   metrics: Sequence[str] | str | None = None, convention: str = "standard",
                   device: str | torch.device | None = None, data_range: float = 255.0) -> dict[str, torch.Tensor]:
    """Batched evaluation of N triples ((N, H, W) or (N, 1, H, W), values in [0, 255]) on CPU or CUDA.

    ``data_range=1.0`` takes [0, 1] batches (rescaled to [0, 255]); as in :func:`evaluate`, three
    batches that all lie in [0, 1] with the default range are an error.

    Returns name -> (N,) float64 tensor on CPU. No-reference metrics that have no torch
    implementation (NIQE, CPBD, JNB, Noise, Combined) are computed per image with NumPy.
    """
    names = check_names(FAST_SUITE if metrics is None else metrics)
    check_convention(convention)
    _check_data_range(data_range)
    ts = {}
    for name, x in (("fused", fused), ("a", a), ("b", b)):
        x = torch.as_tensor(x)
        if x.dim() == 4 and x.shape[1] == 1:
            x = x[:, 0]
        if x.dim() == 2:
            x = x[None]
        if x.dim() != 3:
            raise ValueError(f"{name}: expected (N, H, W) or (N, 1, H, W), got shape {tuple(x.shape)}")
        if x.numel() == 0:
            raise ValueError(f"{name}: empty batch")
        if not torch.isfinite(x).all():
            raise ValueError(f"{name}: contains NaN or infinite values")
        lo, hi = float(x.min()), float(x.max())
        if lo < -1e-6 * data_range / 255 or hi > data_range * (1 + 1e-6 / 255):
            raise ValueError(f"{name}: values must lie in [0, {data_range:g}], got [{lo:.4g}, {hi:.4g}]"
                             + ("" if data_range == 255 else f" (data_range={data_range:g})"))
        ts[name] = x
    tops = [float(t.max()) for t in ts.values()]
    if data_range == 255 and all(t <= 1.0 for t in tops) and any(t > 0 for t in tops):
        raise _unit_range_error(list(ts))
    shapes = {n: tuple(t.shape) for n, t in ts.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"batch shapes differ: {shapes}")
    check_size(names, ts["fused"].shape[-2:], convention)
    dev = torch.device(device) if device is not None else ts["fused"].device
    F, A, B = (ts[n].to(dev, torch.float64).mul(255.0 / data_range).clamp(0, 255) for n in ("fused", "a", "b"))
    fast_names, over, base = conventions.split([n for n in names if n in backend_numpy.FUNCTIONS], convention)
    out = {k: v.cpu() for k, v in backend_torch.compute(fast_names, F, A, B, base).items()}
    slow = [n for n in names if n not in backend_numpy.FUNCTIONS or n in over]  # per image, NumPy
    if slow:
        Fn, An, Bn = (t.cpu().numpy() for t in (F, A, B))
        vals = [_evaluate(Fn[i], An[i], Bn[i], slow, convention, "fast", 255.0, check_unit=False)
                for i in range(Fn.shape[0])]
        for n in slow:
            out[n] = torch.tensor([v[n] for v in vals], dtype=torch.float64)
    return {n: out[n] for n in names}
