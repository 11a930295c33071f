"""The per-caller limit counters of the local gateway: `rate-limit-by-key` (429) and `quota-by-key`
(403), one counter per caller and limit, as `apim_oauth.policies.limits` renders them.

The counter key the gateway computes is a policy expression (`{product}:{client ID}`); the local
gateway does not run expressions, so it keys each counter by the element's text and the caller's
`azp`/`appid`, which is what that expression yields. rate-limit-by-key-policy.md: "For each key value,
a single counter is used for all scopes at which the policy is configured". The window is fixed,
starting at a key's first call: APIM's own algorithm is not documented beyond the renewal period.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any


class Counters:
    """Calls counted per (limit, key, caller) within each renewal period."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str, str], tuple[float, int]] = {}

    def __call__(
        self, kind: str, scope: str, attributes: Mapping[str, str], claims: Mapping[str, Any]
    ) -> bool:
        """Count one call; False when it is over the limit."""
        calls = int(attributes.get("calls", "0") or 0)
        period = float(attributes.get("renewal-period", "0") or 0)
        caller = str(claims.get("azp") or claims.get("appid") or "")
        key = (kind, attributes.get("counter-key", scope), caller)
        now = self._clock()
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if period and now - start >= period:
                start, used = now, 0
            if used >= calls:
                return False
            self._windows[key] = (start, used + 1)
        return True
