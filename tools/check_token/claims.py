"""Claim values as the gateway compares them and as a person reads them: times, durations, lists."""

from __future__ import annotations

import datetime
import json
import math
import uuid
from collections.abc import Iterable, Mapping
from typing import cast

MAX_TIME = 253402300799.0
"""9999-12-31T23:59:59Z: the last instant a date can be written (and .NET's DateTime can hold)."""


def when(seconds: float) -> str:
    if not 0 <= seconds <= MAX_TIME:
        # An integer as written (2**63 - 1 is not rounded to the nearest float).
        return f"UNIX time {seconds}" if isinstance(seconds, int) else f"UNIX time {seconds:.0f}"
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(seconds: float) -> str:
    if abs(seconds) > MAX_TIME:
        return "thousands of years"
    whole = round(abs(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    if not days and not hours:
        parts.append(f"{secs} s" if secs or not minutes else "")
    return " ".join(part for part in parts if part)


def number(value: object) -> float | None:
    """A NumericDate claim as seconds (an integer kept exact); None for anything else, including 1e999
    and 400-digit integers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    if not math.isfinite(number):
        return None
    return value


def strings(value: object) -> tuple[str, ...]:
    """A claim's values as the gateway compares them (strings; arrays are multi-valued)."""
    items = cast("list[object]", value) if isinstance(value, list) else [value]
    result: list[str] = []
    for item in items:
        if isinstance(item, str):
            result.append(item)
        elif isinstance(item, bool):
            result.append("true" if item else "false")
        else:
            try:
                result.append(json.dumps(item, separators=(",", ":")))
            except (ValueError, RecursionError):
                result.append("(unprintable value)")
    return tuple(result)


def same_id(left: str, right: str) -> bool:
    """Application IDs are GUIDs: equal when the GUIDs are, whatever the letter case."""
    try:
        return uuid.UUID(left) == uuid.UUID(right)
    except ValueError:
        return left == right


def listing(values: Iterable[str]) -> str:
    return ", ".join(values) or "(none)"


def token_facts(claims: Mapping[str, object], now: float) -> tuple[tuple[str, str], ...]:
    facts: list[tuple[str, str]] = []
    for name, label in (("ver", "version"), ("iss", "issuer"), ("aud", "audience"), ("tid", "tenant")):
        if name in claims:
            facts.append((label, listing(strings(claims[name]))))
    caller = "azp" if "azp" in claims else "appid" if "appid" in claims else None
    if caller is not None:
        facts.append((f"caller ({caller})", listing(strings(claims[caller]))))
    for name in ("roles", "scp"):
        if name in claims:
            facts.append((name, listing(strings(claims[name]))))
    exp = number(claims.get("exp"))
    if exp is not None:
        relation = "expires in" if exp >= now else "expired"
        suffix = "" if exp >= now else " ago"
        facts.append(("lifetime", f"{relation} {duration(exp - now)}{suffix} ({when(exp)})"))
    return tuple(facts)
