"""Hints for the known traps: a v1 token against a v2 policy, scp required of a daemon's token, a
token from another cloud or tenant. They explain a rejection; they never decide one."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from typing import cast

from apim_oauth.azure.clouds import CLOUDS, CloudName
from tools.check_token.claims import listing, strings
from tools.check_token.issuers import describe_issuer, token_version
from tools.check_token.policy import Policy, ValidateJwt
from tools.check_token.verdict import Evaluation


def claim_hints(run: Evaluation, claims: Mapping[str, object], missing: Sequence[str]) -> None:
    app_only = claims.get("idtyp") == "app" or (
        "scp" not in claims and claims.get("sub") is not None and claims.get("sub") == claims.get("oid")
    )
    if "scp" in missing and app_only:
        run.hint(
            "This is an app-only (client-credentials) token: those carry roles, never scp, so a policy "
            "requiring scp rejects every daemon caller. Require roles (an app role granted to the client "
            "as an application permission) for them."
        )
    if "roles" in missing and "scp" in claims:
        run.hint(
            "This is a delegated (user) token: it carries scp. roles appear in user tokens only when an "
            "app role is assigned to the user; for user callers require scp."
        )
    elif "roles" in missing and app_only:
        run.hint(
            "This app-only token has no roles: the client was not granted an app role of the API "
            "(grant the application permission and admin consent). Entra issues such a token only when "
            "the API's service principal does not set appRoleAssignmentRequired; where it is set (as on "
            "a stack's backend with appRoleAssignmentRequired: true), Entra refuses the token instead."
        )


def origin_hints(run: Evaluation, claims: Mapping[str, object]) -> None:
    if not run.failed & {
        "TokenIssuerNotAllowed",
        "TokenAudienceNotAllowed",
        "TokenSignatureKeyNotFound",
    }:
        return
    issuer = claims.get("iss")
    token_info = describe_issuer(issuer) if isinstance(issuer, str) else None
    version = token_version(claims)
    wanted = [info for info in map(describe_issuer, run.allowed_issuers) if info is not None]
    wanted_versions = {info.version for info in wanted} or _versions_from_urls(run.policy)
    if version is not None and wanted_versions and version not in wanted_versions:
        _version_hint(run, claims, version)
    if token_info is None or not wanted:
        return
    wanted_clouds: set[CloudName] = {name for info in wanted for name in info.clouds}
    if not wanted_clouds & set(token_info.clouds):
        host = urllib.parse.urlsplit(cast("str", issuer)).hostname
        login_hosts = sorted({CLOUDS[name].login_host for name in wanted_clouds})
        run.hint(
            f"The token comes from another cloud ({' or '.join(token_info.clouds)}, issuer host {host}) "
            f"than the policy expects ({', '.join(sorted(wanted_clouds))}): request the token from "
            f"{' or '.join(login_hosts)}."
        )
        return
    concrete = [info for info in wanted if "{" not in info.tenant]  # not a multi-tenant template
    if concrete and all(info.tenant != token_info.tenant for info in concrete):
        tenants = sorted({info.tenant for info in concrete})
        run.hint(
            f"The token was issued by tenant {token_info.tenant}; the policy accepts tenant "
            f"{' or '.join(tenants)}. The client must request its token from that tenant "
            "(https://{login-host}/{tenant}/oauth2/v2.0/token)."
        )


def _versions_from_urls(policy: Policy) -> set[int]:
    urls = policy.openid_config_urls if isinstance(policy, ValidateJwt) else ()
    return {2 if "/v2.0/" in url else 1 for url in urls if on_entra_login_host(url)}


def _version_hint(run: Evaluation, claims: Mapping[str, object], token_version: int) -> None:
    audience = listing(strings(claims["aud"])) if "aud" in claims else "(none)"
    issuer = claims.get("iss", "(none)")
    if token_version == 1:
        run.hint(
            f"This is a v1.0 access token (ver 1.0, issuer {issuer}, audience {audience}) but the "
            "policy expects v2.0 tokens. The API's app registration decides the version, whatever "
            "endpoint the client used: set api.requestedAccessTokenVersion to 2 (manifest: "
            "accessTokenAcceptedVersion) on the backend app registration, then request a new token. "
            "Or accept v1 tokens in the policy (the sts issuer and the App ID URI audience)."
        )
    else:
        run.hint(
            f"This is a v2.0 access token (issuer {issuer}, audience {audience}) but the policy expects "
            "v1.0 tokens: render the policy for token version 2, or set the backend app's "
            "api.requestedAccessTokenVersion back to 1 if v1 is intended."
        )


def on_entra_login_host(url: str) -> bool:
    """True when `url` is on an Entra login host (so its path tells the token version)."""
    try:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return any(cloud.login_host == host for cloud in CLOUDS.values())
