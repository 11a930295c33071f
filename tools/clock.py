"""`--now`: the time a tool checks against, the clock unless a test (or a reader) sets it."""

from __future__ import annotations

import datetime
import time


def parse_now(value: str | None) -> float:
    """`--now`: UNIX seconds, or an ISO 8601 date-time (UTC when it names no zone); None: the clock.
    Raises ValueError with a one-line message naming `--now`."""
    if value is None:
        return time.time()
    try:
        now = float(value)
    except ValueError:
        try:
            moment = datetime.datetime.fromisoformat(
                value.strip().replace("Z", "+00:00").replace("z", "+00:00")
            )
        except ValueError:
            raise ValueError(
                f"--now: expected UNIX seconds or ISO 8601 (2026-10-01T12:00:00Z), got {value!r}"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        now = moment.timestamp()
    if not 0 <= now < 1e11:
        raise ValueError(f"--now: {value} is not a plausible time")
    return now
