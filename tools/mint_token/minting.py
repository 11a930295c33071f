"""A test token for a stack: the claims Entra would issue to one of its clients for one of its
products, signed with a throwaway RSA key made on the spot, and the metadata documents that make the
key the tenant's as far as `check-token` is concerned. For tests and demonstrations only: nothing
here is valid at a real gateway, and every document says so.
"""

from __future__ import annotations

import dataclasses
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
from tools.mint_token.callers import (
    CREDENTIAL_KINDS,
    Caller,
    CredentialKind,
    app_only_claims,
    caller_claims,
)

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
    caller_kind: str = "none"
    """The client's credential kind (`secret`, `federated`, `certificate`, `managedIdentity`, `none`)."""


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
    caller = stack_caller(view, client)
    claims = token_claims(view, product, caller.client_id, client, now, lifetime, caller)
    return dataclasses.replace(sign(view, claims, key or new_key()), caller_kind=caller.kind)


def stack_caller(view: StackView, client: str) -> Caller:
    """`client` of the stack as its tokens name it: a managed identity by its own client and principal
    IDs (from the stack), any other client by its app's client ID and a test-only principal."""
    info = view.clients[client]
    given = str(info.get("credential") or "none")
    kind: CredentialKind = given if given in CREDENTIAL_KINDS else "none"
    if info.get("clientId") is None:
        raise StackError(
            f"client {client} has no client ID in stack {view.name} (a managed identity without clientId): "
            "its tokens' azp/appid cannot be known here"
        )
    principal = info.get("principalId") or _test_principal(view, client)
    return Caller(kind, str(info["clientId"]), str(principal))


def _test_principal(view: StackView, subject: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{view.name}/{subject}/service-principal"))


def token_claims(
    view: StackView,
    product: str,
    client_id: str,
    subject: str,
    now: int,
    lifetime: int,
    caller: Caller | None = None,
) -> dict[str, Any]:
    """The claims Entra would put in the token the app `client_id` gets for `product` (grant not
    checked): `subject` names the test user or service principal (a uuid5 of it, never a real one);
    `caller` says how the client proves itself (a managed identity: its own principal as `oid`)."""
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
    who = caller or Caller("none", client_id, _test_principal(view, subject))
    claims.update(caller_claims(who, version))
    roles, scopes = _required(policy)
    if scopes:
        user = str(uuid.uuid5(NAMESPACE, f"{view.name}/{subject}/user"))
        claims.update({"scp": " ".join(scopes), "oid": user, "sub": user, "name": "Test User (test only)"})
    else:
        claims.update(app_only_claims(who))
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
