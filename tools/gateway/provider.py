"""The local OpenID provider of the local gateway (`--issuer local`): discovery, keys and a
client-credentials token endpoint, at the paths Entra serves them under a tenant, with test-only
client secrets it makes at start and prints. TEST ONLY: its key is made on the spot.

Its tokens carry the claims Entra would put in them (mint-token's `token_claims`: audience, issuer,
`azp`/`appid`, roles or delegated scopes as the product requires), so the stack's policies judge
them as they would judge Entra's; only the key differs, and the local gateway takes the local keys
as the tenant's. The shapes follow Entra's v2.0 endpoints
(https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow: the request's
`grant_type`, `client_id`, `client_secret`, `scope` ending in `/.default`; the answer's
`token_type`, `expires_in`, `access_token`; errors as `error` and `error_description` with an AADSTS
code).
"""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric import rsa

from apim_oauth.azure.clouds import CLOUDS, CloudName
from tools.check_token.stack import StackView
from tools.mint_token.minting import NAMESPACE, TEST_ONLY, new_key, public_jwks, sign, token_claims
from tools.verify.callers import tenant_documents

LIFETIME = 3599
"""Seconds a token lasts: Entra's answer says `expires_in` 3599 for a one-hour token."""


@dataclass(frozen=True)
class TokenAnswer:
    status: int
    body: dict[str, Any]


def _aadsts(status: int, error: str, description: str) -> TokenAnswer:
    return TokenAnswer(status, {"error": error, "error_description": description, "test_only": TEST_ONLY})


class LocalProvider:
    """Entra's endpoints for one tenant, answered locally with a throwaway key."""

    def __init__(
        self,
        view: StackView,
        key: rsa.RSAPrivateKey | None = None,
        client_secrets: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.view = view
        self.key = key or new_key()
        self.tenant = str(view.outputs["tenantId"])
        self.cloud = CLOUDS[cast("CloudName", view.outputs["cloud"])]
        self.secrets = dict(
            client_secrets or {name: f"test-only-{secrets.token_urlsafe(24)}" for name in view.clients}
        )
        self.clock = clock
        self.base_url = ""
        """Where the provider is served (set by the server once it has its port)."""

    @property
    def metadata_documents(self) -> dict[str, bytes]:
        """The tenant's Entra discovery and key URLs answered with the local key: the gateway's metadata."""
        return tenant_documents(self.view, public_jwks(self.key))

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/{self.tenant}/oauth2/v2.0/token"

    def discovery(self, version: int) -> dict[str, Any]:
        """The discovery document: Entra's issuer (so the stack's policies accept the tokens), local URLs."""
        keys = "discovery/v2.0/keys" if version == 2 else "discovery/keys"
        return {
            "issuer": self.cloud.issuer(self.tenant, 2 if version == 2 else 1),
            "jwks_uri": f"{self.base_url}/{self.tenant}/{keys}",
            "token_endpoint": self.token_endpoint,
            "grant_types_supported": ["client_credentials"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "test_only": TEST_ONLY,
        }

    def answer_get(self, path: str) -> dict[str, Any] | None:
        """The document at `path`, or None when the path is not the provider's."""
        documents: dict[str, Callable[[], dict[str, Any]]] = {
            f"/{self.tenant}/v2.0/.well-known/openid-configuration": lambda: self.discovery(2),
            f"/{self.tenant}/.well-known/openid-configuration": lambda: self.discovery(1),
            f"/{self.tenant}/discovery/v2.0/keys": lambda: public_jwks(self.key),
            f"/{self.tenant}/discovery/keys": lambda: public_jwks(self.key),
        }
        found = documents.get(path)
        return found() if found is not None else None

    def owns(self, path: str) -> bool:
        return path.startswith(f"/{self.tenant}/")

    def token(self, form: Mapping[str, str]) -> TokenAnswer:
        """The token endpoint: client credentials with a client secret."""
        if form.get("grant_type") != "client_credentials":
            return _aadsts(
                400,
                "unsupported_grant_type",
                "AADSTS70003: the local provider serves client_credentials only.",
            )
        client = next(
            (
                name
                for name, info in self.view.clients.items()
                if str(info.get("clientId")) == form.get("client_id")
            ),
            None,
        )
        if client is None:
            return _aadsts(
                400, "unauthorized_client", f"AADSTS700016: application {form.get('client_id')} not found."
            )
        if not hmac.compare_digest(self.secrets[client].encode(), form.get("client_secret", "").encode()):
            return _aadsts(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        scope = form.get("scope", "")
        product = next(
            (name for name, info in self.view.products.items() if info.get("scope") == scope), None
        )
        if not scope.endswith("/.default") or product is None:
            return _aadsts(
                400, "invalid_scope", f"AADSTS70011: The provided value for scope {scope!r} is not valid."
            )
        if product not in (self.view.clients[client].get("products") or ()):
            return _aadsts(
                400,
                "invalid_grant",
                f"AADSTS501051: Application {client} is not assigned a role for product {product}.",
            )
        now = int(self.clock())
        claims = token_claims(self.view, product, str(form["client_id"]), client, now, LIFETIME)
        minted = sign(self.view, claims, self.key)
        return TokenAnswer(
            200,
            {
                "token_type": "Bearer",
                "expires_in": LIFETIME,
                "ext_expires_in": LIFETIME,
                "access_token": minted.token,
            },
        )

    def gateway_token(self, resource: str, api: str) -> str:
        """The token the gateway's managed identity gets for `resource` (authentication-managed-identity):
        the onward output of `api` says its issuer, role and object ID; an app-only v2 token otherwise."""
        onward = cast("dict[str, dict[str, Any]]", self.view.outputs.get("onward") or {}).get(api, {})
        now = int(self.clock())
        principal = str(onward.get("gatewayObjectId") or uuid.uuid5(NAMESPACE, f"{self.view.name}/gateway"))
        claims: dict[str, Any] = {
            "aud": resource,
            "iss": onward.get("issuer") or self.cloud.issuer(self.tenant, 2),
            "iat": now,
            "nbf": now,
            "exp": now + LIFETIME,
            "tid": self.tenant,
            "ver": f"{onward.get('tokenVersion', 2)}.0",
            "azp": str(uuid.uuid5(NAMESPACE, f"{self.view.name}/gateway-client")),
            "oid": principal,
            "sub": principal,
            "idtyp": "app",
        }
        if onward.get("role"):
            claims["roles"] = [onward["role"]]
        return sign(self.view, claims, self.key).token
