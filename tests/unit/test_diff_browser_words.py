"""tools diff words cors and limit changes the way a reviewer needs them."""

from __future__ import annotations

from apim_oauth.policies.cors import CorsPolicy
from apim_oauth.policies.limits import CallerLimits
from apim_oauth.policies.rendering import render_policy_document
from tools.diff.policy_meaning import compare

PORTAL = "https://contoso.developer.azure-api.net"
SPA = "https://app.contoso.com"
CORS = CorsPolicy((PORTAL, SPA), ("GET", "POST"), ("authorization", "content-type"))


def test_cors_added_names_each_origin() -> None:
    words = compare(render_policy_document(None), render_policy_document(None, cors=CORS), "echo")
    assert f"origin {PORTAL} can now call echo from a browser" in words
    assert f"origin {SPA} can now call echo from a browser" in words
    assert "browser methods: GET, POST; headers: authorization, content-type" in words


def test_an_origin_removed_can_no_longer_call() -> None:
    fewer = CorsPolicy((PORTAL,), ("GET", "POST", "PUT"), ("authorization",))
    words = compare(render_policy_document(None, cors=CORS), render_policy_document(None, cors=fewer), "echo")
    assert words == [
        f"origin {SPA} can no longer call echo",
        "browser methods added: PUT",
        "browser request headers removed: content-type",
    ]


def test_cors_removed() -> None:
    words = compare(render_policy_document(None, cors=CORS), render_policy_document(None), "echo")
    assert words == ["cors removed: no page on another origin can call echo from a browser any more"]


def test_limits_added_changed_and_removed() -> None:
    limits = CallerLimits(
        "partners", 2, calls=100, period_seconds=60, quota_calls=10000, quota_period_seconds=2592000
    )
    none = render_policy_document(None)
    limited = render_policy_document(None, limits=limits)
    assert compare(none, limited, "product partners") == [
        "per-caller rate limit: 100 calls per 60 s for each calling application (was none)",
        "per-caller quota: 10000 calls per 2592000 s for each calling application (was none)",
    ]
    tighter = render_policy_document(None, limits=CallerLimits("partners", 2, calls=50, period_seconds=60))
    assert compare(limited, tighter, "product partners") == [
        "per-caller rate limit: 50 calls per 60 s for each calling application (was 100 calls per 60 s for each "
        "calling application)",
        "per-caller quota removed (was 10000 calls per 2592000 s for each calling application)",
    ]
