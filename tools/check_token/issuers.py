"""Entra issuers: which cloud, tenant and token version an `iss` stands for."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from apim_oauth.azure.clouds import CLOUDS, CloudName


@dataclass(frozen=True)
class IssuerInfo:
    clouds: tuple[CloudName, ...]
    """More than one when hosts are shared (Global and US Government v1 issuers)."""
    tenant: str
    version: Literal[1, 2]


def describe_issuer(issuer: str) -> IssuerInfo | None:
    """The Entra cloud, tenant and token version of `issuer`, or None if it is not an Entra issuer."""
    try:
        parts = urllib.parse.urlsplit(issuer)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or parts.query or parts.fragment:
        return None
    segments = parts.path.split("/")
    # v2 `https://{login-host}/{tid}/v2.0`, v1 `https://{v1-issuer-host}/{tid}/`
    if len(segments) == 3 and segments[2] == "v2.0" and segments[1]:
        clouds: tuple[CloudName, ...] = tuple(
            name for name, cloud in CLOUDS.items() if cloud.login_host == host
        )
        return IssuerInfo(clouds, segments[1], 2) if clouds else None
    if len(segments) == 3 and segments[2] == "" and segments[1]:
        clouds = tuple(name for name, cloud in CLOUDS.items() if cloud.v1_issuer_host == host)
        return IssuerInfo(clouds, segments[1], 1) if clouds else None
    return None


def token_version(claims: Mapping[str, object]) -> Literal[1, 2] | None:
    version = claims.get("ver")
    if version == "1.0":
        return 1
    if version == "2.0":
        return 2
    issuer = claims.get("iss")
    info = describe_issuer(issuer) if isinstance(issuer, str) else None
    return info.version if info is not None else None
