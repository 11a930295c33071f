"""Render token policies as the XML documents APIM runs: pure functions, built with ElementTree.

Every value is set as an element's text or attribute, so the XML library escapes it and no value can
change the structure around it. Escaping cannot stop the gateway from running `@(...)` or resolving
`{{name}}` after it parses the XML; the configuration refuses such values before they get here
(`apim_oauth.policies.values`). The output is indented the same way every time: APIM reformats
policies, and stable input keeps previews free of spurious diffs.

The shape of a document (this module is its one source; the tests parse it back):

    <policies>
        <inbound>
            <validate-jwt header-name="Authorization" failed-validation-httpcode="401"
                failed-validation-error-message="..." require-expiration-time="true"
                require-scheme="Bearer" require-signed-tokens="true" clock-skew="60">
                <openid-config url="https://{login-host}/{tenant}[/v2.0]/.well-known/openid-configuration" />
                <audiences><audience>...</audience></audiences>
                <issuers><issuer>...</issuer></issuers>
                <required-claims>                                 (only when claims are required)
                    <claim name="roles" match="any"><value>...</value></claim>
                    <claim name="scp" match="all" separator=" "><value>...</value></claim>
                </required-claims>
            </validate-jwt>
            <base />
        </inbound>
        <backend><base /></backend>
        <outbound><base /></outbound>
        <on-error><base /></on-error>
    </policies>

or, in `<inbound>` instead of `<validate-jwt>` (docs/sources.md#token-policies; it takes its
metadata, keys and issuer from the tenant, so it has no openid-config, issuers or clock-skew):

    <validate-azure-ad-token tenant-id="{tenant}" authentication-endpoint="https://{login-host}"
        failed-validation-httpcode="401" failed-validation-error-message="...">
        <client-application-ids><application-id>...</application-id></client-application-ids>
        <audiences><audience>...</audience></audiences>
        <required-claims>...</required-claims>                    (as above)
    </validate-azure-ad-token>

`authentication-endpoint` is written for clouds other than global only (global is its default).

For a browser caller, `<cors>` (`apim_oauth.policies.cors`) comes first in `<inbound>`, before the
validator and `<base />`: only it runs on a preflight, and only the first `cors` on a request's way
applies. Per-caller limits (`apim_oauth.policies.limits`) follow the validator, so only a caller
with a valid token counts:

        <inbound>
            <cors allow-credentials="false" terminate-unmatched-request="true">...</cors>   (browser callers)
            <validate-jwt ...>...</validate-jwt>
            <rate-limit-by-key calls="..." renewal-period="..." counter-key="@(...)" />   (limits)
            <quota-by-key calls="..." renewal-period="..." counter-key="@(...)" />        (limits, classic tiers)
            <base />
        </inbound>

With onward authentication (`ManagedIdentityAuth`), `<inbound>` ends with the gateway's own token
for the backend, after `<base />`:

        <inbound>
            <validate-jwt ...>...</validate-jwt>               (a product's policy; none at API scope)
            <base />
            <authentication-managed-identity resource="{backend client ID or App ID URI}" ignore-error="false" />
        </inbound>

After `<base />` because the operation's, the API's and the product's policies nest through it: in
the scope that carries the step, every validator of the scopes around it has run before the
caller's `Authorization` header is replaced. The policy "will set the value of the token in the
Authorization header using the Bearer scheme" (azure-docs `authentication-managed-identity-policy.md`,
ms.date 07/23/2024), so the caller's token never reaches the backend. `ignore-error="false"` (the
documented default) is written out: with `true` a failed token request would forward the caller's
header unchanged. No `client-id`: the system-assigned identity, to which the app role is assigned.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from apim_oauth.policies.cors import CorsPolicy, cors_element
from apim_oauth.policies.limits import CallerLimits, limit_elements
from apim_oauth.policies.model import (
    AzureAdTokenPolicy,
    ClaimRequirement,
    JwtPolicy,
    ManagedIdentityAuth,
    TokenPolicy,
)

__all__ = ["render_policy_document"]

# The policy sections of a document, in the order APIM writes them. The validator comes before
# `<base />` in `<inbound>`, so a request without a valid token is refused before any policy of an
# enclosing scope runs.
_SECTIONS = ("inbound", "backend", "outbound", "on-error")


def render_policy_document(
    policy: TokenPolicy | None,
    onward: ManagedIdentityAuth | None = None,
    *,
    cors: CorsPolicy | None = None,
    limits: CallerLimits | None = None,
) -> str:
    """A complete `<policies>` document: in `<inbound>`, the `cors` (if any), the validator of
    `policy` (if any) and the `limits` (if any), then `<base />`, and the gateway's own token for the
    backend after it when `onward` is given."""
    document = ET.Element("policies")
    for section in _SECTIONS:
        element = ET.SubElement(document, section)
        if section == "inbound":
            if cors is not None:
                element.append(cors_element(cors))
            if policy is not None:
                element.append(_validator(policy))
            if limits is not None:
                element.extend(limit_elements(limits))
        ET.SubElement(element, "base")
        if section == "inbound" and onward is not None:
            ET.SubElement(
                element,
                "authentication-managed-identity",
                {"resource": onward.resource, "ignore-error": "false"},
            )
    ET.indent(document, space="    ")
    return ET.tostring(document, encoding="unicode")


def _validator(policy: TokenPolicy) -> ET.Element:
    if isinstance(policy, JwtPolicy):
        return _validate_jwt(policy)
    return _validate_azure_ad_token(policy)


def _validate_jwt(policy: JwtPolicy) -> ET.Element:
    # Attribute order is kept as set: it is part of the byte-stable output.
    element = ET.Element(
        "validate-jwt",
        {
            "header-name": "Authorization",
            "failed-validation-httpcode": "401",
            "failed-validation-error-message": policy.failed_message,
            "require-expiration-time": "true",
            "require-scheme": "Bearer",
            "require-signed-tokens": "true",
            "clock-skew": str(policy.clock_skew_seconds),
        },
    )
    # The children stay in the order APIM's schema requires: openid-config, issuer-signing-keys,
    # decryption-keys, audiences, issuers, required-claims.
    ET.SubElement(
        element,
        "openid-config",
        {"url": policy.cloud.openid_config_url(policy.tenant_id, policy.token_version)},
    )
    element.append(_list("audiences", "audience", policy.audiences))
    # Explicit rather than discovered: China's v1 issuer host is not its login host (docs/sources.md#clouds).
    element.append(_list("issuers", "issuer", (policy.cloud.issuer(policy.tenant_id, policy.token_version),)))
    _append_claims(element, policy.required_claims)
    return element


def _validate_azure_ad_token(policy: AzureAdTokenPolicy) -> ET.Element:
    element = ET.Element("validate-azure-ad-token", {"tenant-id": policy.tenant_id})
    if policy.cloud.name != "global":
        # Global is the validator's default; other clouds must say where their tenant lives.
        element.set("authentication-endpoint", f"https://{policy.cloud.login_host}")
    element.set("failed-validation-httpcode", "401")
    element.set("failed-validation-error-message", policy.failed_message)
    element.append(_list("client-application-ids", "application-id", policy.client_application_ids))
    element.append(_list("audiences", "audience", policy.audiences))
    _append_claims(element, policy.required_claims)
    return element


def _append_claims(validator: ET.Element, claims: tuple[ClaimRequirement, ...]) -> None:
    if not claims:
        return  # left out, not rendered empty
    required = ET.SubElement(validator, "required-claims")
    for claim in claims:
        attributes = {"name": claim.name, "match": claim.match}
        if claim.separator is not None:
            attributes["separator"] = claim.separator
        element = ET.SubElement(required, "claim", attributes)
        for value in claim.values:
            ET.SubElement(element, "value").text = value


def _list(tag: str, item_tag: str, values: Iterable[str]) -> ET.Element:
    element = ET.Element(tag)
    for value in values:
        ET.SubElement(element, item_tag).text = value
    return element
