"""``torch.compile`` with an eager fallback."""
from __future__ import annotations


class CompiledOrEager:
    """``fn`` under ``torch.compile`` (dynamic shapes, so tiles of all sizes share one or two
    compilations), falling back to the eager function, with a warning, where compilation is impossible
    (no C++ compiler, unsupported platform). The first call compiles (10-20 s on 2 cores; Inductor
    caches the result on disk for later processes).

    For functions whose compiled and eager values agree (to float rounding, or exactly where the
    function leaves no rounding freedom): the DIDFuse attention rule's local part and its quantiser
    (:mod:`fusionkit.fusion_rules`; timings in ``reports/benchmarks/didfuse.md``)."""

    _cache: dict = {}

    def __init__(self, fn, dynamic: bool = True):
        import torch

        self.fn, self.compiled, self.ok = fn, torch.compile(fn, dynamic=dynamic), None

    @classmethod
    def of(cls, fn) -> "CompiledOrEager":
        """One compiled wrapper per function and process (compilation is the expensive part)."""
        if fn not in cls._cache:
            cls._cache[fn] = cls(fn)
        return cls._cache[fn]

    def __call__(self, *args):
        import warnings

        if self.ok is False:
            return self.fn(*args)
        try:
            out = self.compiled(*args)
        except Exception as e:  # noqa: BLE001 - any compiler failure: the eager function is exact
            if self.ok:  # it compiled before, so this is a real error in the function
                raise
            warnings.warn(f"torch.compile of {getattr(self.fn, '__name__', 'a function')} failed "
                          f"({type(e).__name__}: {e}); running it eagerly", RuntimeWarning, stacklevel=2)
            self.ok = False
            return self.fn(*args)
        self.ok = True
        return out
