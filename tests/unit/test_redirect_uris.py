"""Redirect URIs: what Entra and the azuread provider accept per platform (reply-url.md, uri.go)."""

from __future__ import annotations

import pytest

from apim_oauth.azure.redirect_uris import MAX_LENGTH, Platform, redirect_uri_problem

ACCEPTED: list[tuple[str, Platform]] = [
    ("https://app.contoso.example/signin-oidc", "web"),
    ("https://app.contoso.example/", "web"),
    ("https://app.contoso.example/cb?tenant=contoso", "web"),
    ("http://localhost:5000/signin-oidc", "web"),
    ("http://127.0.0.1/callback", "spa"),
    ("https://localhost/", "spa"),
    ("https://spa.contoso.example/auth", "spa"),
    ("msauth.com.contoso.app://auth", "public"),
    ("myapp://callback", "public"),
    ("http://localhost", "public"),
    ("https://login.microsoftonline.com/common/oauth2/nativeclient", "public"),
    ("urn:ietf:wg:oauth:2.0:oob", "public"),
    ("urn:ietf:wg:oauth:2.0:oob", "web"),
]


@pytest.mark.parametrize(("uri", "platform"), ACCEPTED)
def test_accepted(uri: str, platform: Platform) -> None:
    assert redirect_uri_problem(uri, platform) is None


REFUSED: list[tuple[str, Platform, str]] = [
    ("http://app.contoso.example/cb", "web", "http only for localhost"),
    ("http://app.contoso.example/cb", "spa", "http only for localhost"),
    ("http://[::1]/cb", "spa", "[::1]"),
    ("https://app.contoso.example", "web", "trailing slash"),
    ("https://app.contoso.example", "spa", "trailing slash"),
    ("https://*.contoso.example/cb", "web", "wildcard"),
    ("https://app.contoso.example/cb#x", "spa", "fragment"),
    ("https://app.contoso.example/a,b", "web", ","),
    ("https://app.contoso.example/(x)", "spa", "("),
    ("urn:ietf:wg:oauth:2.0:oob", "spa", "URN"),
    ("myapp://callback", "web", "scheme 'myapp'"),
    ("ms-appx-web://microsoft.aad.brokerplugin/x", "spa", "scheme"),
    ("/signin-oidc", "web", "absolute"),
    ("https:///cb", "web", "no host"),
    ("com.example.app:/oauth2redirect", "public", "no host"),
    (" https://app.contoso.example/cb", "web", "spaces"),
]


@pytest.mark.parametrize(("uri", "platform", "why"), REFUSED)
def test_refused(uri: str, platform: Platform, why: str) -> None:
    problem = redirect_uri_problem(uri, platform)
    assert problem is not None
    assert why in problem


def test_length_limit_is_entras() -> None:
    base = "https://app.contoso.example/"
    assert redirect_uri_problem(base + "a" * (MAX_LENGTH - len(base)), "web") is None
    problem = redirect_uri_problem(base + "a" * (MAX_LENGTH - len(base) + 1), "web")
    assert problem is not None
    assert "257" in problem
