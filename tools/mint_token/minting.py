"""A test token for a stack: the claims Entra would issue to one of its clients for one of its
products, signed with a throwaway RSA key made on the spot, and the metadata documents that make the
key the tenant's as far as `check-token` is concerned. For tests and demonstrations only: nothing
here is valid at a real gateway, and every document says so.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from apim_oauth.azure.clouds import CLOUDS, CloudName
from apim_oauth.azure.token_audience import token_audience
from tools.check_token.policy import Policy, ValidateAzureAdToken
from tools.check_token.policy_xml import parse_policy
from tools.check_token.stack import StackError, StackView

TEST_ONLY = (
    "TEST ONLY: minted by `python -m tools mint-token` with a throwaway key; never valid at a real gateway"
)
NAMESPACE = uuid.UUID("6f1c1d1e-8f0a-4c55-9a39-7d2b0c6c1e11")
"""Test subjects (the user of a delegated token) are uuid5 names under this, never real objects."""


@dataclass(frozen=True)
class Minted:
    token: str
    jwks: dict[str, Any]
    openid_configuration: dict[str, Any]
    openid_config_url: str
    jwks_url: str
    claims: dict[str, Any]


def mint(
    view: StackView, client: str, product: str, now: int, lifetime: int, key: rsa.RSAPrivateKey | None = None
) -> Minted:
    """The token `client` would get for `product` of stack `view`, valid from `now` for `lifetime` s,
    signed with `key` (default: a throwaway key made on the spot)."""
    if client not in view.clients:
        raise StackError(
            f"--client: stack {view.name} has no client {client!r} (it has {', '.join(sorted(view.clients))})"
        )
    if product not in view.products:
        raise StackError(
            f"--product: stack {view.name} has no product {product!r} (it has {', '.join(sorted(view.products))})"
        )
    granted = [str(name) for name in view.clients[client].get("products") or ()]
    if product not in granted:
        raise StackError(
            f"client {client} is not granted product {product} (it has {', '.join(granted) or 'none'}): Entra would "
            "issue no such token"
        )
    claims = token_claims(view, product, str(view.clients[client]["clientId"]), client, now, lifetime)
    return sign(view, claims, key or new_key())


def token_claims(
    view: StackView, product: str, client_id: str, subject: str, now: int, lifetime: int
) -> dict[str, Any]:
    """The claims Entra would put in the token the app `client_id` gets for `product` (grant not
    checked): `subject` names the test user or service principal (a uuid5 of it, never a real one)."""
    document = view.product_policies.get(product)
    policy = parse_policy(document) if document is not None else None
    cloud: CloudName = view.outputs["cloud"]
    tenant = str(view.outputs["tenantId"])
    version: Literal[1, 2] = _version(policy)
    info = view.products[product]
    # The stack's `audience` is the client ID when its backend issues v2 tokens (the only case in
    # which `token_audience` returns it); `scope` is always `{App ID URI}/.default`.
    audience = token_audience(
        version,
        client_id=str(info["audience"]),
        app_id_uri=str(info["scope"]).removesuffix("/.default"),
    )
    claims: dict[str, Any] = {
        "aud": audience,
        "iss": CLOUDS[cloud].issuer(tenant, version),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "tid": tenant,
        "ver": f"{version}.0",
        "uti": "test-only",
    }
    claims.update(
        {"azp": client_id, "azpacr": "1"} if version == 2 else {"appid": client_id, "appidacr": "1"}
    )
    roles, scopes = _required(policy)
    if scopes:
        user = str(uuid.uuid5(NAMESPACE, f"{view.name}/{subject}/user"))
        claims.update({"scp": " ".join(scopes), "oid": user, "sub": user, "name": "Test User (test only)"})
    else:
        principal = str(uuid.uuid5(NAMESPACE, f"{view.name}/{subject}/service-principal"))
        claims.update({"oid": principal, "sub": principal, "idtyp": "app"})
    if roles:
        claims["roles"] = roles
    return claims


def new_key() -> rsa.RSAPrivateKey:
    """A throwaway RSA key for test tokens."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwks(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """The JWKS that publishes `key`, labelled test-only; its `kid` is derived from the key."""
    public_jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    kid = "test-only-" + hashlib.sha256(public_jwk["n"].encode()).hexdigest()[:16]
    return {"keys": [{**public_jwk, "kid": kid, "use": "sig"}], "test_only": TEST_ONLY}


def sign(view: StackView, claims: dict[str, Any], key: rsa.RSAPrivateKey) -> Minted:
    """`claims` signed with `key`, with the metadata documents that publish the key as the tenant's."""
    jwks = public_jwks(key)
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": jwks["keys"][0]["kid"], "typ": "JWT"})
    cloud: CloudName = view.outputs["cloud"]
    tenant = str(view.outputs["tenantId"])
    version: Literal[1, 2] = 2 if str(claims.get("ver")) == "2.0" else 1
    jwks_url = CLOUDS[cloud].jwks_url(tenant, version)
    return Minted(
        token=token,
        jwks=jwks,
        openid_configuration={"issuer": claims["iss"], "jwks_uri": jwks_url, "test_only": TEST_ONLY},
        openid_config_url=CLOUDS[cloud].openid_config_url(tenant, version),
        jwks_url=jwks_url,
        claims=claims,
    )


def _version(policy: Policy | None) -> Literal[1, 2]:
    """The token version the product's policy expects (its openid-config or issuers), v2 by default."""
    if policy is None or isinstance(policy, ValidateAzureAdToken):
        return 2
    hints = (*policy.openid_config_urls, *(policy.issuers or ()))
    return 1 if hints and not any("/v2.0" in value for value in hints) else 2


def _required(policy: Policy | None) -> tuple[list[str], list[str]]:
    """The roles and delegated scopes the policy's required claims ask for (all of `match="all"`,
    the first of `match="any"`)."""
    roles: list[str] = []
    scopes: list[str] = []
    for rule in policy.required_claims if policy is not None else ():
        chosen = list(rule.values) if rule.match == "all" else list(rule.values[:1])
        if rule.name == "roles":
            roles += chosen
        elif rule.name == "scp":
            scopes += chosen
    return roles, scopes
