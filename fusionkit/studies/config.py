"""Typed study configs: a frozen dataclass whose defaults are the paper's, plus presets.

A study declares ``@dataclass(frozen=True) class Config(StudyConfig)`` with the paper's values as
defaults and ``PRESETS = {"smoke": {...}, "quick": {...}}`` (``paper`` = the defaults). Then
``make_config(Config, PRESETS, profile, **overrides)`` gives the config of a profile with
overrides checked by name and type; an unknown name is an error listing the valid ones.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Mapping, TypeVar

PROFILES = ("smoke", "quick", "paper")
C = TypeVar("C", bound="StudyConfig")


@dataclass(frozen=True)
class StudyConfig:
    """Fields every study config has: the profile it was made for and the seed."""

    profile: str = "paper"
    seed: int = 0
    device: str | None = None
    #: profile -> field overrides (``paper`` = the defaults); a study's Config sets its own
    PRESETS: ClassVar[Mapping[str, Mapping[str, Any]]] = {}

    def replace(self: C, **changes: Any) -> C:
        return dataclasses.replace(self, **changes)

    @classmethod
    def preset(cls: type[C], profile: str = "paper", **overrides: Any) -> C:
        """The config of ``profile`` (paper defaults, then ``PRESETS[profile]``, then ``overrides``), every
        name and type checked; a study module exports it as ``config = Config.preset``."""
        return make_config(cls, cls.PRESETS, profile, **overrides)


def _coerce(cls: type, name: str, value: Any, hint: Any) -> Any:
    """``value`` as the field's type: lists become tuples for tuple fields, ints are accepted as
    floats; anything else of the wrong type is an error naming the field."""
    if value is None:
        if type(None) in typing.get_args(hint) or hint is type(None):
            return None
        raise ValueError(f"{cls.__qualname__}.{name}: None is not allowed (expected {_name(hint)})")
    allowed = [a for a in (typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, _UnionType)
                           else (hint,)) if a is not type(None)]
    for t in allowed:
        origin = typing.get_origin(t) or t
        if origin is tuple and isinstance(value, (list, tuple)):
            return tuple(value)
        if origin is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if origin is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if origin in (str, bool) and isinstance(value, origin):
            return value
        if origin is Any:
            return value
    raise ValueError(f"{cls.__qualname__}.{name}: {value!r} is not a valid {_name(hint)}")


try:  # ``int | None`` is a types.UnionType
    from types import UnionType as _UnionType
except ImportError:  # pragma: no cover
    _UnionType = typing.Union


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def make_config(cls: type[C], presets: Mapping[str, Mapping[str, Any]], profile: str = "paper",
                **overrides: Any) -> C:
    """The config of ``profile`` (paper defaults, then the preset, then ``overrides``), validated."""
    if profile not in PROFILES:
        import difflib

        close = difflib.get_close_matches(str(profile), PROFILES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown profile {profile!r}{hint}; valid: {', '.join(PROFILES)}")
    hints = typing.get_type_hints(cls)
    valid = [f.name for f in fields(cls) if f.name != "profile"]
    values: dict[str, Any] = {}
    for source, items in (("preset " + profile, presets.get(profile, {})), ("overrides", overrides)):
        unknown = [k for k in items if k not in valid]
        if unknown:
            import difflib

            hints = [f"{k!r} -> {m[0]!r}" for k in unknown if (m := difflib.get_close_matches(k, valid, n=1))]
            raise ValueError(f"{cls.__qualname__}: unknown parameter(s) {unknown} in {source}"
                             + (f" (did you mean {', '.join(hints)}?)" if hints else "") + f"; valid: {', '.join(valid)}")
        values.update({k: _coerce(cls, k, v, hints[k]) for k, v in items.items()})
    return cls(profile=profile, **values)


def substitutes(name: str) -> Any:
    """A study's data table ``fusionkit/studies/substitutes/<name>.csv`` (the paper's data roles beside ours,
    and other hand-made look-up tables) as a pandas DataFrame of strings."""
    from importlib import resources

    import pandas as pd

    with resources.files(__package__).joinpath(f"substitutes/{name}.csv").open() as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)
