"""Shared test material for the token check: keys, tokens, Entra-like metadata, policies, a server.

Keys are generated once per test run (never checked in); tokens are signed with pyjwt as Entra
would sign them; policies come from the project's own renderer, so the checker is proven against
what the plan deploys. Hand-written XML only for validator features the renderer never emits.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from apim_oauth.azure.clouds import CLOUDS, CloudName, TokenVersion
from apim_oauth.policies.model import AzureAdTokenPolicy, ClaimRequirement, JwtPolicy, audiences_for
from apim_oauth.policies.rendering import render_policy_document
from tools.check_token.stack import StackView, load_stack, view_of_plan

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
BACKEND_ID = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
APP_ID_URI = f"api://{BACKEND_ID}"
CALLER_ID = "0f5e3c6e-3a57-4d7e-8a36-5b1b7f9f0d21"
OTHER_CALLER_ID = "9b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d"
CALLER_SP_OID = "3c1a7f2e-11aa-4b5c-9d8e-0f1a2b3c4d5e"
USER_OID = "5d7e9f1a-22bb-4c6d-8e9f-1a2b3c4d5e6f"
ROLE = "Product.Partners.All"
SCOPE = "Orders.Read"
NOW = 1_750_000_000
"""The time every check runs at (`--now`), so tokens never expire under a slow test."""

RSA_KID = "rsa-signing-1"
EC_KID = "ec-signing-1"
UNPUBLISHED_KID = "rsa-not-published"


@dataclass(frozen=True)
class KeyMaterial:
    rsa: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    unpublished: rsa.RSAPrivateKey
    """Signs tokens no published key verifies (another tenant's or an attacker's key)."""

    def rsa_public_pem(self) -> bytes:
        return self.rsa.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwks(self, *, include_ec: bool = True) -> dict[str, Any]:
        """The published key set, shaped like Entra's (kid, use, no alg)."""
        rsa_jwk = json.loads(RSAAlgorithm.to_jwk(self.rsa.public_key()))
        keys = [{**rsa_jwk, "kid": RSA_KID, "use": "sig"}]
        if include_ec:
            ec_jwk = json.loads(ECAlgorithm.to_jwk(self.ec.public_key()))
            keys.append({**ec_jwk, "kid": EC_KID, "use": "sig"})
        return {"keys": keys}


@functools.cache
def key_material() -> KeyMaterial:
    """Generated on first use, shared by every test module (RSA generation is the slow part)."""
    return KeyMaterial(
        rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec=ec.generate_private_key(ec.SECP256R1()),
        unpublished=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


# --- tokens -------------------------------------------------------------------------------------


def issuer(version: TokenVersion = 2, tenant: str = TENANT, cloud: CloudName = "global") -> str:
    return CLOUDS[cloud].issuer(tenant, version)


def app_claims(version: TokenVersion = 2, **overrides: object) -> dict[str, object]:
    """A client-credentials (app-only) access token's claims, as Entra issues them."""
    claims: dict[str, object] = {
        "aud": BACKEND_ID if version == 2 else APP_ID_URI,
        "iss": issuer(version),
        "iat": NOW - 300,
        "nbf": NOW - 300,
        "exp": NOW + 3300,
        "tid": TENANT,
        "oid": CALLER_SP_OID,
        "sub": CALLER_SP_OID,
        "idtyp": "app",
        "roles": [ROLE],
        "ver": f"{version}.0",
    }
    claims.update(
        {"azp": CALLER_ID, "azpacr": "1"} if version == 2 else {"appid": CALLER_ID, "appidacr": "1"}
    )
    expires = overrides.get("exp")
    if isinstance(expires, int) and "nbf" not in overrides and "iat" not in overrides:
        # A token issued an hour before it expires, as Entra's are: never an nbf after its exp.
        claims["iat"] = claims["nbf"] = min(NOW - 300, expires - 3600)
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def user_claims(version: TokenVersion = 2, **overrides: object) -> dict[str, object]:
    """A delegated (user) access token's claims: scp, no roles."""
    claims = app_claims(version, idtyp=None, roles=None, oid=USER_OID, sub="user-pairwise-subject")
    claims.update({"scp": f"User.Read {SCOPE}", "name": "A User", "preferred_username": "a@contoso.com"})
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def sign(
    claims: Mapping[str, object],
    *,
    algorithm: str = "RS256",
    key: Any = None,
    kid: str | None = RSA_KID,
    headers: Mapping[str, object] | None = None,
) -> str:
    """A token signed with pyjwt; the RSA test key and its published kid unless told otherwise."""
    if key is None:
        key = key_material().ec if algorithm.startswith("ES") else key_material().rsa
    all_headers: dict[str, Any] = {"typ": "JWT", **(headers or {})}
    if kid is not None:
        all_headers["kid"] = kid
    return jwt.encode(dict(claims), key, algorithm=algorithm, headers=all_headers)


def sign_payload(payload: bytes, *, kid: str = RSA_KID) -> str:
    """A validly signed token around any payload bytes (pyjwt's JWT layer would check the claims)."""
    return jwt.PyJWS().encode(payload, key_material().rsa, algorithm="RS256", headers={"kid": kid})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(value: object) -> str:
    return b64url(json.dumps(value).encode("utf-8"))


def assemble(header: object, claims: object, signature: bytes = b"") -> str:
    """A token built by hand, for the ones pyjwt refuses to make (forgeries and malformed ones)."""
    return f"{segment(header)}.{segment(claims)}.{b64url(signature)}"


# --- metadata as Entra serves it ----------------------------------------------------------------


def discovery(version: TokenVersion = 2, tenant: str = TENANT, cloud: CloudName = "global") -> dict[str, str]:
    return {
        "issuer": issuer(version, tenant, cloud),
        "jwks_uri": CLOUDS[cloud].jwks_url(tenant, version),
        "token_endpoint": CLOUDS[cloud].token_endpoint(tenant),
    }


def entra_metadata(
    tenant: str = TENANT, cloud: CloudName = "global", jwks: Mapping[str, Any] | None = None
) -> dict[str, bytes]:
    """URL -> body for both token versions' discovery documents and key sets of one tenant."""
    keys = json.dumps(jwks if jwks is not None else key_material().jwks()).encode()
    served: dict[str, bytes] = {}
    for version in (1, 2):
        served[CLOUDS[cloud].openid_config_url(tenant, version)] = json.dumps(
            discovery(version, tenant, cloud)
        ).encode()
        served[CLOUDS[cloud].jwks_url(tenant, version)] = keys
    return served


def no_network(url: str, timeout: float) -> bytes:
    raise AssertionError(f"the check tried the network for {url}")


# --- policies from the project's renderer -------------------------------------------------------


def jwt_policy_xml(
    version: TokenVersion = 2,
    *,
    claims: tuple[ClaimRequirement, ...] = (ClaimRequirement.roles([ROLE], "any"),),
    cloud: CloudName = "global",
    subscription_key_alternative: bool = False,
    clock_skew_seconds: int = 60,
) -> str:
    """`subscription_key_alternative`: the validator inside `<choose><when>`, as in a hand-written
    policy that accepts a subscription key or a token (the renderer emits no such policy)."""
    document = render_policy_document(
        JwtPolicy(
            cloud=CLOUDS[cloud],
            tenant_id=TENANT,
            token_version=version,
            audiences=audiences_for(version, BACKEND_ID, APP_ID_URI),
            required_claims=claims,
            clock_skew_seconds=clock_skew_seconds,
        ),
    )
    if not subscription_key_alternative:
        return document
    validator = document.index("<validate-jwt ")
    end = document.index("</validate-jwt>") + len("</validate-jwt>")
    return (
        f'{document[:validator]}<choose><when condition="@(context.Subscription == null)">'
        f"{document[validator:end]}</when></choose>{document[end:]}"
    )


def azure_ad_policy_xml(
    *,
    cloud: CloudName = "global",
    tenant: str = TENANT,
    claims: tuple[ClaimRequirement, ...] = (),
    clients: tuple[str, ...] = (CALLER_ID,),
) -> str:
    return render_policy_document(
        AzureAdTokenPolicy(
            cloud=CLOUDS[cloud],
            tenant_id=tenant,
            client_application_ids=clients,
            audiences=(BACKEND_ID, APP_ID_URI),
            required_claims=claims,
        )
    )


def hand_policy(children: str, **attributes: str) -> str:
    """A validate-jwt written by hand, inside <choose><when> as in a product policy."""
    defaults = {
        "header-name": "Authorization",
        "failed-validation-httpcode": "401",
        "require-scheme": "Bearer",
        "clock-skew": "0",
    }
    attrs = " ".join(f'{name}="{value}"' for name, value in {**defaults, **attributes}.items())
    return (
        '<policies><inbound><choose><when condition="@(context.Subscription == null)">'
        f"<validate-jwt {attrs}>{children}</validate-jwt>"
        "</when></choose><base /></inbound><backend><base /></backend></policies>"
    )


# --- a real HTTP server on loopback -------------------------------------------------------------


@dataclass
class MetadataServer:
    """Serves path -> (status, headers, body) on 127.0.0.1; counts the requests per path."""

    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=lambda: {})
    hits: dict[str, int] = field(default_factory=lambda: {})
    delay: float = 0.0
    base_url: str = ""

    def json(self, path: str, document: object) -> str:
        self.routes[path] = (200, {"Content-Type": "application/json"}, json.dumps(document).encode())
        return self.base_url + path

    def raw(self, path: str, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> str:
        self.routes[path] = (status, headers or {}, body)
        return self.base_url + path


@contextmanager
def metadata_server() -> Generator[MetadataServer]:
    state = MetadataServer()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] = state.hits.get(self.path, 0) + 1
            if state.delay:
                stop.wait(state.delay)
            status, headers, body = state.routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval: shutdown() waits for it, once per test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@functools.cache
def stack_view(name: str, stack_file: Path | None = None) -> StackView:
    """check-token's view of stack `name` (a test stack, tests/stacks/, else stacks/; or `stack_file`),
    read from the session's one plan of it (`stack_plan`)."""
    from tests.fixture_stacks import FIXTURES_DIR
    from tools.plan.program import STACKS_DIR  # the Pulumi SDKs, only for the tests that plan
    from tools.plan.testing import find_stack_file, stack_plan

    found = stack_file or find_stack_file(name, [FIXTURES_DIR, STACKS_DIR])
    if not found.is_file():
        return load_stack(name, found)  # raises the command's own error for a stack that does not exist
    return view_of_plan(name, stack_plan(name, stack_file=found))


def plan_stacks_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make check-token and mint-token read stacks through `stack_view` (they look it up when they run)."""
    monkeypatch.setattr("tools.check_token.stack.load_stack", stack_view)
    monkeypatch.setattr("tools.mint_token.cli.load_stack", stack_view)
