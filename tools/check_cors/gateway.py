"""What the gateway's `cors` answers a browser: the headers of the preflight's answer and of the
actual response, from the policy and the request's `Origin` alone.

The reference (MicrosoftDocs/azure-docs `articles/api-management/cors-policy.md` at
29477839ea67337412e3665591c3d0c07b6cc707) documents the origin decision: an `Origin` that matches
none of the allowed origins gets an empty 200 (`terminate-unmatched-request="true"`) or goes on
without CORS headers (`false`), so either way the answer has none. It does not document what the
gateway answers a matching origin whose method or header is not listed. This model sends the lists
as configured and lets the browser enforce them, so the verdict is the browser's, which is what a
page meets; the browser test (`tests/browser/`) holds real Chromium to the same verdicts.
A matching origin is echoed in `Access-Control-Allow-Origin`; `*` is answered with `*`. Origins
compare by scheme, host and port, a missing port being the scheme's default (the reference:
"port 80 is used for HTTP and port 443 is used for HTTPS").
"""

from __future__ import annotations

from apim_oauth.policies.cors import CorsPolicy, normalized_origin

Headers = dict[str, str]


def origin_allowed(policy: CorsPolicy, origin: str) -> bool:
    """Whether the gateway treats `origin` as one of the policy's origins."""
    if "*" in policy.origins:
        return True
    wanted = normalized_origin(origin)
    return wanted is not None and any(normalized_origin(o) == wanted for o in policy.origins)


def preflight_headers(policy: CorsPolicy | None, origin: str) -> Headers:
    """The CORS headers of the gateway's answer to a preflight from `origin` (status 200)."""
    if policy is None or not origin_allowed(policy, origin):
        return {}
    headers = _origin_headers(policy, origin)
    headers["Access-Control-Allow-Methods"] = ", ".join(policy.methods)
    headers["Access-Control-Allow-Headers"] = ", ".join(policy.headers)
    if policy.max_age_seconds:
        headers["Access-Control-Max-Age"] = str(policy.max_age_seconds)
    return headers


def response_headers(policy: CorsPolicy | None, origin: str) -> Headers:
    """The CORS headers the gateway adds to the actual response for `origin`."""
    if policy is None or not origin_allowed(policy, origin):
        return {}
    headers = _origin_headers(policy, origin)
    if policy.expose_headers:
        headers["Access-Control-Expose-Headers"] = ", ".join(policy.expose_headers)
    return headers


def _origin_headers(policy: CorsPolicy, origin: str) -> Headers:
    headers = {"Access-Control-Allow-Origin": "*" if "*" in policy.origins else origin}
    if policy.allow_credentials:
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers
