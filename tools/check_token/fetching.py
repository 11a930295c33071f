"""Fetching a metadata document (`check-token --online`): public HTTPS hosts only.

The keys decide whether the check says "accepted", so where they come from is guarded. Nothing is
fetched unless the user says `--online`; then only over HTTPS, and only from public addresses: every
address a host name resolves to is checked, and the connection goes to the address checked, so
neither a policy nor a discovery document (whose `jwks_uri` an attacker may write) can point the tool
at loopback, link-local (cloud metadata endpoints), private or reserved addresses. A host the user
names with `--allow-host` is exempt (tests and local mocks live on loopback, where plain HTTP is
then allowed too). A short timeout, a size cap, no redirect to a URL the same rules would refuse, and
no scheme but those two (a policy naming a `file:` URL must not make the tool read local files).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.client import HTTPMessage
from typing import IO, cast

DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 1024 * 1024
"""Entra's documents are a few KB; anything this big is not a metadata document."""


class MetadataError(Exception):
    """A metadata document could not be had or read; `url` is the one that failed."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem


def is_loopback_host(host: str) -> bool:
    """True for `localhost` and loopback addresses."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def address_problem(address: str) -> str | None:
    """Why the tool will not connect to IP `address` unasked, or None when it is a public one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    kind = (
        "loopback"
        if ip.is_loopback
        else "link-local"
        if ip.is_link_local
        else "private"
        if ip.is_private
        else "not public"
    )
    return f"resolves to {kind} address {ip}: name the host with --allow-host to fetch from it"


def url_problem(url: str, allowed_hosts: frozenset[str] = frozenset()) -> str | None:
    """Why the tool will not fetch `url` itself, or None when it may (its addresses are checked when
    connecting)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("https", "http"):
        return f"scheme {parts.scheme or '(none)'!r} is not fetched: only https"
    if not host:
        return "is not an absolute https URL"
    allowed = host.lower() in allowed_hosts
    if parts.scheme == "http" and not (allowed and is_loopback_host(host)):
        return "plain HTTP is allowed only for loopback hosts the user names (check-token: --allow-host): use https, or --metadata URL=FILE"
    if not allowed and (host.lower() == "localhost" or _is_ip(host)):
        return address_problem(host if host.lower() != "localhost" else "127.0.0.1")
    return None


def named_url_problem(url: str) -> str | None:
    """`url_problem` for a URL the user named (`verify --gateway`): its host is allowed as named,
    so https to any host and plain HTTP to a loopback one."""
    try:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return "is not a valid URL"
    return url_problem(url, frozenset({host}))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _guarded_connection(allowed: bool) -> Callable[..., socket.socket]:
    """`socket.create_connection` that resolves the host once and connects only to an address that
    passes `address_problem` (every one unless `allowed`), so a name cannot resolve to a public
    address when checked and a private one when connected (DNS rebinding)."""

    def connect(
        address: tuple[str, int], timeout: object = None, source_address: object = None, **_: object
    ) -> socket.socket:
        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        problems = [address_problem(str(info[4][0])) for info in infos]
        if not allowed and any(problems):
            raise _RefusedAddressError(host, next(problem for problem in problems if problem))
        last: OSError | None = None
        for family, kind, proto, _name, target in infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(cast("float | None", timeout))
                sock.connect(target)
            except OSError as error:
                sock.close()
                last = error
                continue
            return sock
        raise last or OSError(f"{host} has no address")

    return connect


class _RefusedAddressError(OSError):
    def __init__(self, host: str, problem: str) -> None:
        super().__init__(f"{host} {problem}")
        self.problem = problem


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    allowed_hosts: frozenset[str] = frozenset()

    def connect(self) -> None:
        self._create_connection = _guarded_connection(self.host.lower() in self.allowed_hosts)  # type: ignore[attr-defined]
        super().connect()


class _GuardedHTTPConnection(http.client.HTTPConnection):
    allowed_hosts: frozenset[str] = frozenset()

    def connect(self) -> None:
        self._create_connection = _guarded_connection(self.host.lower() in self.allowed_hosts)  # type: ignore[attr-defined]
        super().connect()


class _GuardedHandler(urllib.request.HTTPSHandler, urllib.request.HTTPHandler):
    """Opens connections through the guard; redirects only to URLs the tool would fetch directly."""

    def __init__(self, allowed_hosts: frozenset[str]) -> None:
        super().__init__()
        self._https = type("Https", (_GuardedHTTPSConnection,), {"allowed_hosts": allowed_hosts})
        self._http = type("Http", (_GuardedHTTPConnection,), {"allowed_hosts": allowed_hosts})

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._https, req)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._http, req)


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a URL the tool would fetch directly."""

    def __init__(self, allowed_hosts: frozenset[str]) -> None:
        super().__init__()
        self._allowed_hosts = allowed_hosts

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        problem = url_problem(newurl, self._allowed_hosts)
        if problem is not None:
            raise MetadataError(req.full_url, f"redirected to {newurl}, which {problem}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_url(url: str, timeout: float, allowed_hosts: frozenset[str] = frozenset()) -> bytes:
    """The body of `url` (https to a public address, or a host in `allowed_hosts`), at most
    MAX_DOCUMENT_BYTES."""
    problem = url_problem(url, allowed_hosts)
    if problem is not None:
        raise MetadataError(url, problem)
    # The default HTTPS context verifies certificates and host names.
    opener = urllib.request.build_opener(_GuardedHandler(allowed_hosts), _GuardedRedirects(allowed_hosts))
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - checked above
    try:
        with opener.open(request, timeout=timeout) as response:
            body = cast("bytes", response.read(MAX_DOCUMENT_BYTES + 1))
    except MetadataError:
        raise
    except urllib.error.HTTPError as error:
        raise MetadataError(url, f"the server answered HTTP {error.code}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, _RefusedAddressError):
            raise MetadataError(url, error.reason.problem) from None
        raise MetadataError(url, f"unreachable ({error.reason}); --metadata URL=FILE works offline") from None
    except TimeoutError:
        raise MetadataError(
            url, f"no answer within {timeout:g} s; --metadata URL=FILE works offline"
        ) from None
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise MetadataError(url, f"could not be fetched ({type(error).__name__})") from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise MetadataError(url, f"is larger than {MAX_DOCUMENT_BYTES} bytes")
    return body
