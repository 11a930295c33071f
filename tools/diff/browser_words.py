"""How a policy change reads for browser pages (`cors`) and for each caller's limits, in words:
"origin https://x can no longer call echo"."""

from __future__ import annotations

from tools.policy_xml.cors import Limit, ReadCors

_LIMIT_NAMES = {"rate-limit-by-key": "per-caller rate limit", "quota-by-key": "per-caller quota"}


def cors_words(before: ReadCors | None, after: ReadCors | None, subject: str) -> list[str]:
    """What changes for pages on other origins calling `subject` (an API, operation or product)."""
    target = subject or "the API"
    if before is None and after is None:
        return []
    if after is None:
        return [f"cors removed: no page on another origin can call {target} from a browser any more"]
    was = set(before.policy.origins) if before is not None else set[str]()
    now = set(after.policy.origins)
    words = [f"origin {o} can now call {target} from a browser" for o in sorted(now - was)]
    words += [f"origin {o} can no longer call {target}" for o in sorted(was - now)]
    if before is None:
        words.append(
            f"browser methods: {', '.join(after.policy.methods)}; headers: {', '.join(after.policy.headers)}"
        )
        return words
    old, new = before.policy, after.policy
    words += _listed("browser methods", old.methods, new.methods)
    words += _listed("browser request headers", old.headers, new.headers)
    words += _listed("headers exposed to pages", old.expose_headers, new.expose_headers)
    if old.allow_credentials != new.allow_credentials:
        words.append(
            f"pages {'may now' if new.allow_credentials else 'may no longer'} send cookies (allow-credentials)"
        )
    if old.terminate_unmatched != new.terminate_unmatched:
        effect = "are answered with an empty 200" if new.terminate_unmatched else "now reach the backend"
        words.append(f"requests from other origins {effect} (terminate-unmatched-request)")
    if old.max_age_seconds != new.max_age_seconds:
        words.append(f"browsers reuse a preflight for {new.max_age_seconds} s (was {old.max_age_seconds} s)")
    if (before.preceded_by is None) != (after.preceded_by is None):
        where = "first in inbound" if after.preceded_by is None else f"after <{after.preceded_by}>"
        words.append(f"cors is now {where}")
    return words


def limit_words(before: tuple[Limit, ...], after: tuple[Limit, ...]) -> list[str]:
    """What changes in the per-caller limits."""
    words: list[str] = []
    for kind, name in _LIMIT_NAMES.items():
        old = next((_amount(x) for x in before if x.kind == kind), None)
        new = next((_amount(x) for x in after if x.kind == kind), None)
        if old == new:
            continue
        if old is None:
            words.append(f"{name}: {new} (was none)")
        elif new is None:
            words.append(f"{name} removed (was {old})")
        else:
            words.append(f"{name}: {new} (was {old})")
    return words


def _amount(limit: Limit) -> str:
    period = "never renewed" if limit.period == "0" else f"per {limit.period} s"
    return f"{limit.calls} calls {period} for each calling application"


def _listed(what: str, before: tuple[str, ...], after: tuple[str, ...]) -> list[str]:
    was, now = set(before), set(after)
    words: list[str] = []
    if now - was:
        words.append(f"{what} added: {', '.join(sorted(now - was))}")
    if was - now:
        words.append(f"{what} removed: {', '.join(sorted(was - now))}")
    return words
