"""The interface every fusion method shares."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch


def check_pair(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two 2-D grey float images in [0, 1] of equal shape, as float64 (ValueError otherwise)."""
    out = []
    for name, x in (("a", a), ("b", b)):
        if isinstance(x, torch.Tensor):
            x = x.detach().cpu().numpy()
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 3 and x.shape[0] == 1:
            x = x[0]
        if x.ndim != 2:
            raise ValueError(f"{name}: expected a 2-D grey image (H x W), got shape {x.shape} "
                             f"(colour: use fusionkit.methods.fuse_rgb)")
        if min(x.shape) < 2:
            raise ValueError(f"{name}: image of shape {x.shape} is too small")
        if not np.isfinite(x).all():
            raise ValueError(f"{name}: contains NaN or infinite values")
        if x.min() < -1e-6 or x.max() > 1 + 1e-6:
            raise ValueError(f"{name}: values must lie in [0, 1], got [{x.min():.4g}, {x.max():.4g}]")
        out.append(np.clip(x, 0, 1))
    if out[0].shape != out[1].shape:
        raise ValueError(f"a and b differ in size: {out[0].shape} vs {out[1].shape}")
    return out[0], out[1]


def _article(name: str) -> str:
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


class FusionMethod:
    """Base class: ``fuse(a, b)`` on 2-D grey [0, 1] arrays -> 2-D [0, 1] array of the same shape.

    Subclasses set ``name``, ``defaults`` (the options and their paper defaults) and implement
    ``_fuse(a, b)`` on validated float64 arrays. Every method accepts ``device`` (the networks run there;
    methods without a ``device`` option compute with NumPy on the CPU and ignore it), so callers never
    need to know which methods are networks.
    """

    name: ClassVar[str] = ""
    citation: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, **options: Any):
        if "device" in options and "device" not in self.defaults:
            options.pop("device")  # every method takes ``device``; the NumPy ones always run on the CPU
        unknown = [k for k in options if k not in self.defaults]
        if unknown:
            raise ValueError(f"{self.name}: unknown option(s) {unknown}; valid: "
                             f"{', '.join(self.defaults) or '(none)'}")
        self.options = {**self.defaults, **{k: self._check_option(k, v) for k, v in options.items()}}

    def _check_option(self, key: str, value: Any) -> Any:
        """``value`` of the type of the option's default (an int is accepted for a float; a None
        default takes anything); otherwise a ValueError naming the option, the type and the default."""
        default = self.defaults[key]
        if default is None or value is None:
            return value
        want = type(default)
        if isinstance(value, str) and want in (int, float):  # e.g. "1e-6", which YAML leaves a string
            try:
                value = want(value) if want is float or value.lstrip("+-").isdigit() else value
            except ValueError:
                pass
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, want) and (want is bool or not isinstance(value, bool)):
            return value
        raise ValueError(f"{self.name}: option {key}={value!r} must be {_article(want.__name__)} "
                         f"(default {default!r})")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.options.items())})"

    def fuse(self, a: Any, b: Any) -> np.ndarray:
        a, b = check_pair(a, b)
        f = np.asarray(self._fuse(a, b), dtype=np.float64)
        if f.shape != a.shape:
            raise RuntimeError(f"{self.name} returned shape {f.shape} for inputs {a.shape}")
        return np.clip(np.nan_to_num(f, nan=0.0), 0, 1)

    def fuse_batch(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) or (N, H, W) tensors in [0, 1] -> (N, 1, H, W) fused (loops over ``fuse``)."""
        a4 = a if a.dim() == 4 else a.unsqueeze(1)
        b4 = b if b.dim() == 4 else b.unsqueeze(1)
        if a4.shape != b4.shape or a4.shape[1] != 1:
            raise ValueError(f"fuse_batch expects equal (N, 1, H, W) shapes, got {tuple(a.shape)} and {tuple(b.shape)}")
        out = [torch.from_numpy(self.fuse(x[0].cpu().numpy(), y[0].cpu().numpy())) for x, y in zip(a4, b4)]
        return torch.stack(out).unsqueeze(1).to(a.dtype if a.is_floating_point() else torch.float32).to(a.device)

    def _fuse(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError
