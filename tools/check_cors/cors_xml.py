"""Read the `cors` element of a policy document as the gateway would take it.

Defaults and limits from the policy's reference (MicrosoftDocs/azure-docs
`articles/api-management/cors-policy.md` at 29477839ea67337412e3665591c3d0c07b6cc707): without
`allowed-methods` GET and POST are allowed; `preflight-result-max-age` defaults to 0;
`allowed-origins` and `allowed-headers` are required; the policy goes in `inbound`, once per section.
Values that are policy expressions (`@(...)`) cannot be evaluated offline: such a document is bad
input, not a verdict.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from apim_oauth.policies.cors import CorsPolicy

DEFAULT_METHODS = ("GET", "POST")


class CorsXmlError(ValueError):
    """The document is not XML, or its `cors` is not one the gateway would run as written (exit 2)."""


@dataclass(frozen=True)
class ReadCors:
    """The document's `cors`, and where it stands."""

    policy: CorsPolicy
    terminate_written: bool
    """False when `terminate-unmatched-request` is absent (its default is disputed: the reference's
    attribute table says false, its "Common configuration issues" says true)."""
    preceded_by: str | None
    """The first policy written before `cors` in `<inbound>`, or None when `cors` comes first."""


def read_cors(document: str) -> ReadCors | None:
    """The `cors` of `document`'s `<inbound>`, or None if it has none; CorsXmlError for bad input."""
    try:
        root = ET.fromstring(document)  # noqa: S314 - the user's own policy document, parsed offline
    except ET.ParseError as error:
        raise CorsXmlError(f"not well-formed XML ({error})") from None
    misplaced = [s.tag for s in root if s.tag != "inbound" and s.find(".//cors") is not None]
    if misplaced:
        raise CorsXmlError(f"cors is in <{misplaced[0]}>; the gateway runs it in <inbound> only")
    inbound = root if root.tag == "inbound" else root.find("inbound")
    if inbound is None:
        return None
    found = [i for i, child in enumerate(inbound) if child.tag == "cors"]
    if not found:
        if inbound.find(".//cors") is not None:
            raise CorsXmlError("cors is nested inside another policy; write it directly in <inbound>")
        return None
    if len(found) > 1:
        raise CorsXmlError("<inbound> has more than one cors; the gateway allows it once per section")
    element = inbound[found[0]]
    preceded_by = inbound[0].tag if found[0] > 0 else None
    return ReadCors(_policy(element), "terminate-unmatched-request" in element.attrib, preceded_by)


def _policy(element: ET.Element) -> CorsPolicy:
    origins = _texts(element, "allowed-origins", "origin", required=True)
    methods_element = element.find("allowed-methods")
    methods = _texts(element, "allowed-methods", "method") if methods_element is not None else DEFAULT_METHODS
    max_age = _plain(
        methods_element.get("preflight-result-max-age", "0") if methods_element is not None else "0"
    )
    if not max_age.isdigit():
        raise CorsXmlError(f"preflight-result-max-age {max_age!r} is not a number of seconds")
    return CorsPolicy(
        origins=origins,
        methods=methods,
        headers=_texts(element, "allowed-headers", "header", required=True),
        expose_headers=_texts(element, "expose-headers", "header"),
        allow_credentials=_flag(element, "allow-credentials", default=False),
        max_age_seconds=int(max_age),
        terminate_unmatched=_flag(element, "terminate-unmatched-request", default=True),
    )


def _texts(element: ET.Element, tag: str, item_tag: str, *, required: bool = False) -> tuple[str, ...]:
    container = element.find(tag)
    if container is None:
        if required:
            raise CorsXmlError(f"cors has no <{tag}>; the gateway requires it")
        return ()
    values = tuple(_plain((item.text or "").strip()) for item in container.findall(item_tag))
    if not values or not all(values):
        raise CorsXmlError(f"<{tag}> needs at least one non-empty <{item_tag}>")
    return values


def _flag(element: ET.Element, name: str, *, default: bool) -> bool:
    value = _plain(element.get(name, "true" if default else "false")).lower()
    if value not in ("true", "false"):
        raise CorsXmlError(f"{name}={value!r} is neither true nor false")
    return value == "true"


def _plain(value: str) -> str:
    if value.startswith("@") or "{{" in value:
        raise CorsXmlError(
            f"{value!r} is a policy expression or named value; check-cors cannot evaluate it offline"
        )
    return value
