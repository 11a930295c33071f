"""OpenID Connect discovery documents and JWKS for the token check: fetched, or served from files.

Nothing is fetched unless the user says `--online`, and then only as `fetching.fetch_url` allows.
`--metadata URL=FILE` answers a URL from a local file instead, for air-gapped use and tests.
Everything is cached per provider, so one run parses each key set once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

from jwt import PyJWK
from jwt.exceptions import PyJWTError

from tools.check_token.fetching import DEFAULT_TIMEOUT_SECONDS, MetadataError, fetch_url

Fetch = Callable[[str, float], bytes]
"""Fetches a URL's body within a timeout; raises MetadataError."""


@dataclass(frozen=True)
class OpenIdConfiguration:
    """The two fields of a discovery document that token validation uses."""

    url: str
    issuer: str
    jwks_uri: str


@dataclass(frozen=True)
class SigningKey:
    """One verification key, from a JWKS or written inline in the policy."""

    key_id: str | None
    jwk: PyJWK
    """The parsed key; `jwk.key` is the `cryptography` key object (bytes for a symmetric key)."""
    source: str
    """Where it came from: a JWKS URL, or `issuer-signing-keys` for a key in the policy."""
    inline: bool
    """Written in the policy: the only place a symmetric (HS256) key may come from."""
    certificate_thumbprint: str | None = None
    """For a JWKS RSA key with `x5c`: the base64url SHA-1 of its first certificate. JsonWebKeySet.cs
    `GetSigningKeys` makes such a key an X509SecurityKey (before the RsaSecurityKey of its n/e), which
    JwtTokenUtilities.cs `ResolveTokenSigningKey` matches by `kid` ignoring case, or by the token's
    `x5t`."""


class MetadataSource(Protocol):
    """What the evaluator needs from metadata; `MetadataProvider` is the real one."""

    def openid_configuration(self, url: str) -> OpenIdConfiguration: ...

    def signing_keys(self, jwks_url: str) -> tuple[SigningKey, ...]: ...


def signing_key_from_jwk(data: Mapping[str, object], source: str, *, inline: bool) -> SigningKey | None:
    """The key a JWK describes, or None when it is not a usable signature key (pyjwt parses it)."""
    use = data.get("use")
    if use and use != "sig":
        # JsonWebKeySet.cs `GetSigningKeys`: skipped when `use` is neither empty nor "sig".
        return None
    if not inline and data.get("kty") not in ("RSA", "EC"):
        return None  # GetSigningKeys resolves RSA and EC keys only: an `oct` key is never used
    kid = data.get("kid")
    # PyJWK refuses a JWK whose `alg` does not fit its key; the library ignores `alg` (JsonWebKeyConverter.cs
    # copies only the key id), so the key is read without it.
    material = {name: value for name, value in data.items() if name != "alg"}
    try:
        jwk = PyJWK(material)
    except (PyJWTError, ValueError, TypeError):
        return None  # unknown kty/crv or bad material: skipped, like GetSigningKeys does
    return SigningKey(
        key_id=kid if isinstance(kid, str) and kid else None,
        jwk=jwk,
        source=source,
        inline=inline,
        certificate_thumbprint=_thumbprint(data) if not inline else None,
    )


def _thumbprint(data: Mapping[str, object]) -> str | None:
    chain = data.get("x5c")
    if data.get("kty") != "RSA" or not isinstance(chain, list) or not chain:
        return None
    first = cast("list[object]", chain)[0]
    if not isinstance(first, str):
        return None
    try:
        der = base64.b64decode(first, validate=True)
    except (binascii.Error, ValueError):
        return None
    return base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode("ascii")  # noqa: S324 - x5t is SHA-1 by definition (RFC 7515, 4.1.7)


def symmetric_jwk(secret: bytes) -> dict[str, object]:
    """The JWK of a symmetric key (for `issuer-signing-keys/key` text, which is base64)."""
    return {"kty": "oct", "k": base64.urlsafe_b64encode(secret).rstrip(b"=").decode("ascii")}


def parse_override(spec: str) -> tuple[str, Path]:
    """`URL=FILE` as (URL, FILE). URLs may hold `=` (query strings), so the split is the rightmost
    `=` whose right side is an existing file, else the rightmost `=`."""
    positions = [index for index, char in enumerate(spec) if char == "="]
    if not positions:
        raise ValueError(f"expected URL=FILE, got {spec!r}")
    for index in reversed(positions):
        if Path(spec[index + 1 :]).is_file():
            return spec[:index], Path(spec[index + 1 :])
    url, file = spec[: positions[-1]], spec[positions[-1] + 1 :]
    if not url or not file:
        raise ValueError(f"expected URL=FILE, got {spec!r}")
    return url, Path(file)


class MetadataProvider:
    """Discovery documents and key sets for one run: from `overrides` (URL -> file content) when
    given, else from `any_openid_config` / `any_jwks` (one document answering every discovery or key
    set URL: the `--openid-config FILE` and `--jwks FILE` shortcuts), else fetched when `online` (or
    a `fetch` is handed in, as tests do) and refused otherwise; each URL is fetched and parsed at
    most once."""

    def __init__(
        self,
        overrides: Mapping[str, bytes] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        fetch: Fetch | None = None,
        any_openid_config: bytes | None = None,
        any_jwks: bytes | None = None,
        online: bool = False,
        allowed_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self._overrides = dict(overrides or {})
        self._any = {"openid-config": any_openid_config, "jwks": any_jwks}
        self._timeout = timeout
        self._fetch: Fetch = fetch or (lambda url, seconds: fetch_url(url, seconds, allowed_hosts))
        self._online = online or fetch is not None
        self._documents: dict[str, dict[str, object]] = {}
        self._configurations: dict[str, OpenIdConfiguration] = {}
        self._key_sets: dict[str, tuple[SigningKey, ...]] = {}
        self.origins: dict[str, str] = {}
        """Each URL used so far and where it was answered from (`file` or `network`)."""

    def document(self, url: str, kind: str = "") -> dict[str, object]:
        """The JSON object at `url` (`kind`: `openid-config` or `jwks`, for the shortcuts)."""
        cached = self._documents.get(url)
        if cached is not None:
            return cached
        shortcut = self._any.get(kind)
        if url in self._overrides:
            body, origin = self._overrides[url], "file"
        elif shortcut is not None:
            body, origin = shortcut, "file"
        elif self._online:
            body, origin = self._fetch(url, self._timeout), "network"
        else:
            raise MetadataError(
                url,
                "not fetched: the check is offline; answer it from a file (--metadata URL=FILE, "
                "--openid-config FILE, --jwks FILE) or fetch it with --online",
            )
        try:
            parsed: object = json.loads(body)
        except (ValueError, RecursionError):
            raise MetadataError(url, "is not JSON") from None
        if not isinstance(parsed, dict):
            raise MetadataError(url, "is not a JSON object")
        document = cast("dict[str, object]", parsed)
        self._documents[url] = document
        self.origins[url] = origin
        return document

    def openid_configuration(self, url: str) -> OpenIdConfiguration:
        """The issuer and key set location a discovery document names."""
        cached = self._configurations.get(url)
        if cached is not None:
            return cached
        document = self.document(url, "openid-config")
        issuer, jwks_uri = document.get("issuer"), document.get("jwks_uri")
        if not isinstance(issuer, str) or not issuer:
            raise MetadataError(url, "has no 'issuer': not an OpenID Connect discovery document")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise MetadataError(url, "has no 'jwks_uri': not an OpenID Connect discovery document")
        configuration = OpenIdConfiguration(url=url, issuer=issuer, jwks_uri=jwks_uri)
        self._configurations[url] = configuration
        return configuration

    def signing_keys(self, jwks_url: str) -> tuple[SigningKey, ...]:
        """The usable signature keys of the JWKS at `jwks_url` (others are skipped)."""
        cached = self._key_sets.get(jwks_url)
        if cached is not None:
            return cached
        entries = self.document(jwks_url, "jwks").get("keys")
        if not isinstance(entries, list):
            raise MetadataError(jwks_url, "has no 'keys' list: not a JWKS")
        keys: list[SigningKey] = []
        for entry in cast("list[object]", entries):
            if isinstance(entry, dict):
                key = signing_key_from_jwk(cast("dict[str, object]", entry), jwks_url, inline=False)
                if key is not None:
                    keys.append(key)
        result = tuple(keys)
        self._key_sets[jwks_url] = result
        return result
