"""Who the matrix tries: every client of the stack, and four callers every gateway must refuse.

Tokens are minted with mint-token's claims (what Entra would issue each client for each product),
all signed with one throwaway key that `metadata` publishes as the tenant's, so check-token's
evaluator judges them exactly as it judges a real token. Nothing here is valid at a real gateway.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

from cryptography.hazmat.primitives.asymmetric import rsa

from apim_oauth.azure.clouds import CLOUDS, CloudName
from tools.check_token.metadata import MetadataError, MetadataProvider
from tools.check_token.stack import StackView
from tools.mint_token.minting import NAMESPACE, mint, new_key, public_jwks, sign, token_claims
from tools.verify.pipeline import Request
from tools.verify.routes import Operation

CallerKind = Literal["client", "no-token", "other-audience", "expired", "preflight"]
NO_TOKEN = "no token"
OTHER_AUDIENCE = "a token for another audience"
EXPIRED = "an expired token"
PREFLIGHT = "a browser preflight from an unknown origin"
UNKNOWN_ORIGIN = "https://unknown-origin.example"
"""An origin no stack allows (`.example` is reserved, RFC 2606)."""
ANOTHER_AUDIENCE = str(uuid.uuid5(NAMESPACE, "verify/another-audience"))
"""An audience of no product or API: an app ID no stack has."""
STRANGER = "verify-stranger"
STRANGER_ID = str(uuid.uuid5(NAMESPACE, "verify/stranger"))
"""Whose token the synthetic callers present: a client of no stack, with the claims a granted client has."""
EXPIRED_AGO = 3600
"""How long ago the expired token expired: far beyond any clock skew the gateway allows."""


@dataclass(frozen=True)
class Caller:
    name: str
    """The client's name, or one of the four synthetic callers' descriptions."""
    kind: CallerKind
    granted: tuple[str, ...] = ()
    """The products the client is granted."""


def callers(view: StackView) -> list[Caller]:
    """Every client (by name), then no token, another audience, expired, the unknown origin's preflight."""
    clients = [
        Caller(name, "client", tuple(str(p) for p in info.get("products") or ()))
        for name, info in sorted(view.clients.items())
    ]
    return [
        *clients,
        Caller(NO_TOKEN, "no-token"),
        Caller(OTHER_AUDIENCE, "other-audience"),
        Caller(EXPIRED, "expired"),
        Caller(PREFLIGHT, "preflight"),
    ]


class TokenSource(Protocol):
    """Where a cell's token comes from: minted offline (`Tokens`), or as the client would get it
    (`tools.verify.live_tokens`)."""

    def client_token(self, client: str, product: str) -> str: ...

    def synthetic_token(self, kind: CallerKind, product: str) -> str: ...


class NoCredentialError(Exception):
    """The client's token cannot be had here (no secret in the environment, a signed-in user needed)."""


def _refuse_network(url: str, _timeout: float) -> bytes:
    raise MetadataError(url, "not fetched: the matrix is computed offline")


class Tokens:
    """The matrix's tokens for stack `view` at time `now`, signed with one key."""

    def __init__(self, view: StackView, now: int, key: rsa.RSAPrivateKey | None = None) -> None:
        self.view = view
        self.now = now
        self.key = key or new_key()
        self._cache: dict[tuple[str, str, str], str] = {}
        self.metadata = MetadataProvider(tenant_documents(view, public_jwks(self.key)), fetch=_refuse_network)

    def client_token(self, client: str, product: str) -> str:
        """The token `client` gets for `product` (one it is granted)."""
        key = ("client", client, product)
        if key not in self._cache:
            self._cache[key] = mint(self.view, client, product, self.now, 3600, self.key).token
        return self._cache[key]

    def synthetic_token(self, kind: CallerKind, product: str) -> str:
        """A stranger's token for `product`, wrong in one way: its audience, or its lifetime."""
        key = (kind, STRANGER, product)
        if key not in self._cache:
            claims = token_claims(self.view, product, STRANGER_ID, STRANGER, self.now, 3600)
            if kind == "other-audience":
                claims["aud"] = ANOTHER_AUDIENCE
            else:
                lifetime = int(claims["exp"]) - int(claims["iat"])
                claims.update(iat=self.now - EXPIRED_AGO - lifetime, nbf=self.now - EXPIRED_AGO - lifetime)
                claims["exp"] = self.now - EXPIRED_AGO
            self._cache[key] = sign(self.view, claims, self.key).token
        return self._cache[key]


def tenant_documents(view: StackView, jwks: dict[str, Any]) -> dict[str, bytes]:
    """The stack's tenant's discovery documents (v1 and v2) and key sets, publishing `jwks`."""
    cloud = CLOUDS[cast("CloudName", view.outputs["cloud"])]
    tenant = str(view.outputs["tenantId"])
    documents: dict[str, bytes] = {}
    for version in (1, 2):
        jwks_url = cloud.jwks_url(tenant, version)
        configuration = {"issuer": cloud.issuer(tenant, version), "jwks_uri": jwks_url}
        documents[cloud.openid_config_url(tenant, version)] = json.dumps(configuration).encode()
        documents[jwks_url] = json.dumps(jwks).encode()
    return documents


@dataclass(frozen=True)
class Attempt:
    """What a caller sends for one cell, and in words."""

    request: Request
    presents: str


def attempt(tokens: TokenSource, caller: Caller, operation: Operation, product: str | None) -> Attempt:
    """The request `caller` sends to `operation`, reached through `product`."""
    if caller.kind == "preflight":
        headers = {
            "origin": UNKNOWN_ORIGIN,
            "access-control-request-method": operation.method,
            "access-control-request-headers": "authorization",
        }
        return Attempt(Request("OPTIONS", headers), f"a preflight from {UNKNOWN_ORIGIN}")
    if caller.kind == "no-token" or (product is None and caller.kind != "client"):
        return Attempt(Request(operation.method, {}), "no token")
    if caller.kind == "client":
        chosen = product if product in caller.granted else (caller.granted[0] if caller.granted else None)
        if chosen is None:
            return Attempt(Request(operation.method, {}), "no token (it is granted no product)")
        token = tokens.client_token(caller.name, chosen)
        return Attempt(_bearer(operation, token), f"its token for product {chosen}")
    assert product is not None
    token = tokens.synthetic_token(caller.kind, product)
    what = f"audience {ANOTHER_AUDIENCE}" if caller.kind == "other-audience" else "expired an hour ago"
    return Attempt(_bearer(operation, token), f"a token like product {product}'s but {what}")


def _bearer(operation: Operation, token: str) -> Request:
    return Request(operation.method, {"authorization": f"Bearer {token}"})
