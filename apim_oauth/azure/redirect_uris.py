"""Redirect URIs as Entra and the azuread provider accept them, per app platform.

Two sources, both enforced here so `pulumi up` never meets a refusal the plan did not show:
- Entra (entra-docs `docs/identity-platform/reply-url.md`): `https`, or `http` for a loopback host
  only; at most 256 characters each and 256 per app (work/school audiences); no `! $ ' ( ) , ;`;
  wildcards discouraged and only possible through the manifest; case-sensitive.
- The provider (hashicorp/terraform-provider-azuread `internal/helpers/tf/validation/uri.go`,
  `IsRedirectUriFunc`, applied by `internal/services/applications/application_resource.go`): the URI
  must parse and have a host; for the web and SPA platforms a URI with no path needs a trailing
  slash; web may be a URN, SPA not; a public client may use any scheme.
A fragment is refused too: RFC 6749 section 3.1.2 (which reply-url.md cites) forbids one. So is
what parsers read differently: a character RFC 3986 (section 2) does not allow in a URI, such as
`\\`, and user information before the host (section 3.2.1). `https://a.example\\@evil.example/` is
host `a.example` to a browser (the URL Standard reads `\\` as `/` in such URLs,
https://url.spec.whatwg.org/#special-authority-ignore-slashes-state) and host `evil.example` after
user `a.example\\` to RFC 3986 parsers such as Python's `urlsplit`, while Go's `net/url`, which the
provider validates with, refuses it outright ("invalid userinfo").
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

Platform = Literal["web", "spa", "public"]
"""The Entra app platform a redirect URI is registered under (Graph `web`, `spa`, `publicClient`)."""

MAX_LENGTH = 256
"""Characters per redirect URI (reply-url.md, "Maximum URI length"; provider `IsRedirectUriFunc`)."""
MAX_PER_APP = 256
"""Redirect URIs per app signing in work or school accounts (reply-url.md, "Maximum number")."""

# reply-url.md: "Redirect URIs do not support special characters - ! $ ' ( ) , ;".
_UNSUPPORTED = "!$'(),;"
# reply-url.md, "Localhost exceptions": http only for the loopback host; `[::1]` is not supported.
# 127.0.0.1 with http is accepted by Entra (added through the manifest, the page says).
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1"})
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*")
# RFC 3986 section 2: unreserved, reserved (gen-delims and sub-delims) and '%' of a percent-encoding.
_URI_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)


def redirect_uri_problem(uri: str, platform: Platform) -> str | None:
    """Why Entra or the provider would refuse `uri` as a redirect URI of `platform`; None if accepted."""
    if not uri or uri != uri.strip():
        return "must be a URI without surrounding spaces"
    if len(uri) > MAX_LENGTH:
        return f"is {len(uri)} characters long; Entra allows at most {MAX_LENGTH}"
    bad = sorted({c for c in uri if c in _UNSUPPORTED})
    if bad:
        return f"contains {' '.join(bad)}, which Entra does not support in redirect URIs"
    if any(c.isspace() for c in uri):
        return "contains white space"
    odd = sorted({c for c in uri if c not in _URI_CHARACTERS and c != "*"})
    if odd:
        return (
            f"contains {' '.join(repr(c) for c in odd)}, which a URI cannot hold (RFC 3986 section 2): browsers "
            "and the provider's URL parser would read it differently; percent-encode it"
        )
    if "*" in uri:
        return "contains a wildcard; Entra registers exact redirect URIs (wildcards only by manifest, discouraged)"
    if uri.lower().startswith("urn:"):
        # The provider accepts a URN (`urn:a:b`, three or more parts) for web and public clients only.
        if platform == "spa":
            return "is a URN; a single-page app needs an https URL"
        if len(uri.split(":")) < 3:
            return "is not a URN of the form urn:<namespace>:<value>"
        return None
    parts = urlsplit(uri)
    if not _SCHEME.fullmatch(parts.scheme or ""):
        return "is not an absolute URI (scheme://host/path)"
    if parts.fragment or "#" in uri:
        return "contains a fragment (#...); a redirect URI must not (RFC 6749 section 3.1.2)"
    try:
        host = parts.hostname
    except ValueError:
        return "has a malformed host"
    if not parts.netloc or not host:
        return "has no host"
    if "@" in parts.netloc:
        return "has user information before its host (user@host); parsers disagree on such a URI's host"
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if host.startswith("[") or host == "::1" or ":" in host:
            return "uses an IPv6 loopback or literal; Entra does not support [::1] (use 127.0.0.1)"
        if scheme == "http" and host not in _LOOPBACK_HOSTS:
            return "uses http; Entra allows http only for localhost or 127.0.0.1 (use https)"
        if platform != "public" and parts.path == "":
            # The provider's IsUriFunc(forceTrailingSlash) for web and SPA redirect URIs.
            return f"has no path; write it with a trailing slash ({uri}/)"
        return None
    if platform == "public":
        # Native apps return to custom schemes (msauth.<bundle>://auth, myapp://callback):
        # entra-docs redirect-uris-ios.md and scenario-desktop-app-registration.md.
        return None
    return f"uses the scheme {parts.scheme!r}; a {_PLATFORM_NAMES[platform]} needs https (http for localhost)"


_PLATFORM_NAMES: dict[Platform, str] = {
    "web": "web app",
    "spa": "single-page app",
    "public": "public client",
}
