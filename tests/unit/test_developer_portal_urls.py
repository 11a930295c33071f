"""The developer portal's URLs as its source builds them (oauthService.ts, constants.ts)."""

from __future__ import annotations

from apim_oauth.azure.clouds import CLOUDS
from apim_oauth.azure.developer_portal import (
    console_redirect_uri,
    portal_base_url,
    portal_host,
    revision_name,
    sign_in_redirect_uri,
)

TENANT = "3f2a1c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b"


def test_managed_portal_host_per_cloud_and_custom_domain() -> None:
    suffix = CLOUDS["global"].apim_developer_portal_suffix
    assert portal_host("apim-oauth-dev", suffix, None) == "apim-oauth-dev.developer.azure-api.net"
    # A custom portal domain replaces the managed host; the browser reports it in lower case.
    assert portal_host("apim-oauth-dev", suffix, "Developer.Contoso.example") == "developer.contoso.example"


def test_code_grant_redirect_is_lower_cased_as_the_portal_sends_it() -> None:
    base = portal_base_url("apim-oauth-dev.developer.azure-api.net")
    assert (
        console_redirect_uri(base, "authorizationCode", "Echo-Console")
        == "https://apim-oauth-dev.developer.azure-api.net/signin-oauth/code/callback/echo-console"
    )


def test_pkce_redirect_path() -> None:
    base = portal_base_url("developer.contoso.example")
    assert (
        console_redirect_uri(base, "authorizationCodeWithPkce", "echo")
        == "https://developer.contoso.example/signin-oauth/code-pkce/callback/echo"
    )


def test_sign_in_redirect() -> None:
    assert (
        sign_in_redirect_uri("https://developer.contoso.example")
        == "https://developer.contoso.example/signin"
    )


def test_v2_endpoints_of_each_login_host() -> None:
    hosts = {name: cloud.login_host for name, cloud in CLOUDS.items()}
    assert hosts == {
        "global": "login.microsoftonline.com",
        "usgovernment": "login.microsoftonline.us",
        "china": "login.partner.microsoftonline.cn",
    }
    for cloud in CLOUDS.values():
        assert (
            cloud.authorize_endpoint(TENANT) == f"https://{cloud.login_host}/{TENANT}/oauth2/v2.0/authorize"
        )
        assert cloud.token_endpoint(TENANT) == f"https://{cloud.login_host}/{TENANT}/oauth2/v2.0/token"


def test_revision_name_changes_exactly_with_what_is_baked_in() -> None:
    a = {"aad": {"clientId": "1", "signinTenant": TENANT}, "servers": {"echo": {"scope": "x"}}}
    same = {"servers": {"echo": {"scope": "x"}}, "aad": {"signinTenant": TENANT, "clientId": "1"}}
    changed = {"aad": {"clientId": "2", "signinTenant": TENANT}, "servers": {"echo": {"scope": "x"}}}
    assert revision_name(a) == revision_name(same)
    assert revision_name(a) != revision_name(changed)
    assert revision_name(a).startswith("apim-oauth-")
    assert len(revision_name(a)) == len("apim-oauth-") + 16
