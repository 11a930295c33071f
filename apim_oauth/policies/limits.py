"""Per-caller limits: `rate-limit-by-key` and `quota-by-key` keyed on the calling application.

Facts (MicrosoftDocs/azure-docs, `articles/api-management/`):
- `rate-limit-by-key-policy.md` (01fd82a38f86a81614e8e2d9a59ee8446d424a59): 429 when exceeded;
  `renewal-period` at most 300 s; "For each key value, a single counter is used for all scopes at
  which the policy is configured"; tiers Developer, Basic, Basic v2, Standard, Standard v2, Premium,
  Premium v2 (not Consumption).
- `quota-by-key-policy.md` (0440832a4d77448b804e78e293b44f689a6a1073): 403 when exceeded;
  `renewal-period` at least 300 s (0: never renews); classic tiers only (Developer, Basic, Standard,
  Premium); `api-management-sample-flexible-throttling.md` (03adcc30b28ecad9f81aba5638a15fb1930f5ec0):
  "not available in the Consumption tier ... also currently not available in the v2 tiers".
- A counter key that evaluates to null fails the request with 500 ("Expression value is invalid.
  The counter-key field is required.", MicrosoftDocs/azure-docs#77160).
The key is the calling application's ID: `azp` in v2.0 access tokens, `appid` in v1.0 ones
(https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference), read from the
`Authorization` header the way the flexible-throttling page reads `Subject`. The counters are shared
across every scope for one key, so the key starts with the product's name; the C# string concatenation
never yields null, and the elements come after the validator, so a request without a valid token is
refused before it counts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from apim_oauth.azure.clouds import TokenVersion

__all__ = ["CallerLimits", "caller_claim", "counter_key", "limit_elements"]

MAX_RATE_PERIOD_SECONDS = 300
"""`rate-limit-by-key` `renewal-period` maximum."""
MIN_QUOTA_PERIOD_SECONDS = 300
"""`quota-by-key` `renewal-period` minimum (0 means a quota that never renews)."""


@dataclass(frozen=True)
class CallerLimits:
    """Limits one calling application has in one product."""

    prefix: str
    """Starts every counter key (the product's name): counters are shared across scopes."""
    token_version: TokenVersion
    """Which claim names the caller: `azp` (v2) or `appid` (v1)."""
    calls: int | None = None
    """Calls per `period_seconds` (`rate-limit-by-key`); None for no rate limit."""
    period_seconds: int = 60
    quota_calls: int | None = None
    """Calls per `quota_period_seconds` (`quota-by-key`, classic tiers only); None for no quota."""
    quota_period_seconds: int = 0


def caller_claim(token_version: TokenVersion) -> str:
    """The claim that carries the calling application's client ID in a token of `token_version`."""
    return "azp" if token_version == 2 else "appid"


def counter_key(prefix: str, token_version: TokenVersion) -> str:
    """The counter key expression: `{prefix}:{client ID}`, never null (`:unknown` without the claim,
    which a validated Entra token always has)."""
    claim = caller_claim(token_version)
    return (
        f'@("{prefix}:" + (context.Request.Headers.GetValueOrDefault("Authorization", "")'
        f'.AsJwt()?.Claims.GetValueOrDefault("{claim}", "unknown") ?? "unknown"))'
    )


def limit_elements(limits: CallerLimits) -> list[ET.Element]:
    """The limit policies for `limits`, rate limit first: a burst is refused before it spends quota."""
    key = counter_key(limits.prefix, limits.token_version)
    elements: list[ET.Element] = []
    if limits.calls is not None:
        attributes = {
            "calls": str(limits.calls),
            "renewal-period": str(limits.period_seconds),
            "counter-key": key,
        }
        elements.append(ET.Element("rate-limit-by-key", attributes))
    if limits.quota_calls is not None:
        attributes = {
            "calls": str(limits.quota_calls),
            "renewal-period": str(limits.quota_period_seconds),
            "counter-key": key,
        }
        elements.append(ET.Element("quota-by-key", attributes))
    return elements
