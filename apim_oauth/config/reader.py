"""Typed, path-aware reading of untyped configuration values.

Every failure raises `ConfigError` naming the key path (`apim-oauth:products[1].oauth.mode`), so a
user can find the line in the stack file. Kept apart from `settings.py` so the schema there reads as
a list of keys, not as type checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import NoReturn, TypeVar, cast

T = TypeVar("T")


class ConfigError(ValueError):
    """A stack configuration value that cannot be deployed; `path` names the key."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


class Node:
    """One configuration value and the key path that leads to it."""

    def __init__(self, value: object, path: str) -> None:
        self.value = value
        self.path = path

    def fail(self, message: str) -> NoReturn:
        raise ConfigError(self.path, message)

    # --- scalars -------------------------------------------------------------------------------

    def string(self, *, pattern: str | None = None, hint: str = "", max_length: int = 256) -> str:
        if not isinstance(self.value, str):
            self.fail(f"must be a string, not {_kind(self.value)}")
        if not self.value.strip():
            self.fail("must not be empty")
        if len(self.value) > max_length:
            self.fail(f"must be at most {max_length} characters (got {len(self.value)})")
        if pattern is not None and not re.fullmatch(pattern, self.value):
            self.fail(f"{self.value!r} is not valid{': ' + hint if hint else ''}")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"must be true or false, not {_kind(self.value)}")
        return self.value

    def integer(self, *, minimum: int, maximum: int) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            self.fail(f"must be a whole number, not {_kind(self.value)}")
        if not minimum <= self.value <= maximum:
            self.fail(f"must be between {minimum} and {maximum} (got {self.value})")
        return self.value

    def choice(self, allowed: Sequence[T]) -> T:
        for option in allowed:
            if self.value == option and type(self.value) is type(option):
                return option
        shown = ", ".join(repr(a) for a in allowed)
        return self.fail(f"{self.value!r} is not one of {shown}")

    # --- containers ----------------------------------------------------------------------------

    def items(self, *, min_items: int = 0) -> Iterator[Node]:
        value = self.value
        if not isinstance(value, list):
            self.fail(f"must be a list, not {_kind(value)}")
        values = cast("list[object]", value)
        if len(values) < min_items:
            self.fail(f"must list at least {min_items} item{'s' if min_items > 1 else ''}")
        for index, item in enumerate(values):
            yield Node(item, f"{self.path}[{index}]")

    def mapping(self, *, required: Sequence[str] = (), optional: Sequence[str] = ()) -> Fields:
        value = self.value
        if not isinstance(value, Mapping):
            self.fail(f"must be a mapping, not {_kind(value)}")
        raw = cast("Mapping[object, object]", value)
        allowed = (*required, *optional)
        for key in raw:
            if key not in allowed:
                suggestion = _closest(str(key), allowed)
                hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
                Node(None, f"{self.path}.{key}").fail(f"unknown key{hint}; allowed: {', '.join(allowed)}")
        for key in required:
            if key not in raw or raw[key] is None:
                Node(None, f"{self.path}.{key}").fail("is required")
        return Fields({str(k): v for k, v in raw.items()}, self.path)


class Fields:
    """The keys of a checked mapping, each read as a `Node`."""

    def __init__(self, values: dict[str, object], path: str) -> None:
        self._values = values
        self.path = path

    def __contains__(self, key: str) -> bool:
        return self._values.get(key) is not None

    def __getitem__(self, key: str) -> Node:
        return Node(self._values.get(key), f"{self.path}.{key}")


def _closest(key: str, allowed: Sequence[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
    if not matches and key.lower() in (a.lower() for a in allowed):
        return next(a for a in allowed if a.lower() == key.lower())
    return matches[0] if matches else None


def unique(nodes: Sequence[tuple[Node, str]], what: str, *, fold_case: bool = False) -> None:
    """Fail on the first value seen twice (a duplicate name would silently shadow the first)."""
    seen: set[str] = set()
    for node, value in nodes:
        key = value.lower() if fold_case else value
        if key in seen:
            node.fail(f"duplicate {what} {value!r}")
        seen.add(key)
