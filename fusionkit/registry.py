"""One ``Registry`` class for everything looked up by name: fusion methods, networks, fusion rules,
metrics and studies. Register at the definition::

    @NETS.register("didfuse")
    class DIDFuse(nn.Module): ...

    NETS.get("didfus")   # UnknownName: unknown net 'didfus'; did you mean 'didfuse'? valid: ...
"""
from __future__ import annotations

import difflib
from typing import Any, Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class UnknownName(ValueError, KeyError):
    """A name that is not registered (a ValueError and a KeyError, so either ``except`` catches it)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class Registry(Generic[T]):
    """Names -> objects of one kind, in registration order, with close-match hints on a typo."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}
        self.meta: dict[str, dict[str, Any]] = {}

    def register(self, name: str, **meta: Any) -> Callable[[T], T]:
        """Decorator (or call ``REG.register(name)(obj)``); a duplicate name is an error."""
        def deco(obj: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._items[name] = obj
            self.meta[name] = dict(meta)
            return obj
        return deco

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except (KeyError, TypeError):
            close = difflib.get_close_matches(str(name), list(self._items), n=3)
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            raise UnknownName(f"unknown {self.kind} {name!r}{hint}; valid: {', '.join(self._items)}") from None

    def names(self) -> list[str]:
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def values(self) -> list[T]:
        return list(self._items.values())

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._items)})"


METHODS: Registry[Any] = Registry("fusion method")
NETS: Registry[Any] = Registry("net")
RULES: Registry[Any] = Registry("fusion rule")
