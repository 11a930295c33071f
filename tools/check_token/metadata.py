"""OpenID Connect discovery documents and JWKS for the token check: fetched, or served from files.

The keys decide whether the check says "accepted", so where they come from is guarded: HTTPS only
(plain HTTP for loopback hosts, where tests and local mocks live), a short timeout, a size cap, no
redirect to a URL the same rule would refuse, and no scheme but those two (a policy naming a
`file:` URL must not make the tool read local files). `--metadata URL=FILE` answers a URL from a
local file instead, for air-gapped use and tests. Everything is cached per provider, so one run
parses each key set once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Protocol, cast

from jwt import PyJWK
from jwt.exceptions import PyJWTError

DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 1024 * 1024
"""Entra's documents are a few KB; anything this big is not a metadata document."""

Fetch = Callable[[str, float], bytes]
"""Fetches a URL's body within a timeout; raises MetadataError."""


class MetadataError(Exception):
    """A metadata document could not be had or read; `url` is the one that failed."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem


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


def is_loopback_host(host: str) -> bool:
    """True for `localhost` and loopback addresses, the only hosts plain HTTP may reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """Why the tool will not fetch `url` itself, or None when it may."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("https", "http"):
        return f"scheme {parts.scheme or '(none)'!r} is not fetched: only https (http for loopback hosts)"
    if not host:
        return "is not an absolute http(s) URL"
    if parts.scheme == "http" and not is_loopback_host(host):
        return "plain HTTP is allowed only for loopback hosts: use https, or --metadata URL=FILE"
    return None


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a URL the tool would fetch directly."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        problem = url_problem(newurl)
        if problem is not None:
            raise MetadataError(req.full_url, f"redirected to {newurl}, which {problem}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_url(url: str, timeout: float) -> bytes:
    """The body of `url` (https, or http on loopback), at most MAX_DOCUMENT_BYTES."""
    problem = url_problem(url)
    if problem is not None:
        raise MetadataError(url, problem)
    # The default HTTPS handler verifies certificates and host names.
    opener = urllib.request.build_opener(_GuardedRedirects())
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - checked above
    try:
        with opener.open(request, timeout=timeout) as response:
            body = cast("bytes", response.read(MAX_DOCUMENT_BYTES + 1))
    except MetadataError:
        raise
    except urllib.error.HTTPError as error:
        raise MetadataError(url, f"the server answered HTTP {error.code}") from None
    except urllib.error.URLError as error:
        raise MetadataError(url, f"unreachable ({error.reason}); --metadata URL=FILE works offline") from None
    except TimeoutError:
        raise MetadataError(
            url, f"no answer within {timeout:g} s; --metadata URL=FILE works offline"
        ) from None
    except (OSError, ValueError) as error:
        raise MetadataError(url, f"could not be fetched ({error})") from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise MetadataError(url, f"is larger than {MAX_DOCUMENT_BYTES} bytes")
    return body


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
    set URL: the `--openid-config FILE` and `--jwks FILE` shortcuts), fetched otherwise; each URL is
    fetched and parsed at most once."""

    def __init__(
        self,
        overrides: Mapping[str, bytes] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        fetch: Fetch = fetch_url,
        any_openid_config: bytes | None = None,
        any_jwks: bytes | None = None,
    ) -> None:
        self._overrides = dict(overrides or {})
        self._any = {"openid-config": any_openid_config, "jwks": any_jwks}
        self._timeout = timeout
        self._fetch = fetch
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
        else:
            body, origin = self._fetch(url, self._timeout), "network"
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
