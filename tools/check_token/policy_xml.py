"""Reading a policy document into the policy model: its first `validate-jwt` or
`validate-azure-ad-token` element, read strictly by `tools.policy_xml` (an attribute or child it does
not know could change what is accepted, so it is refused rather than guessed at), then turned into the
values the evaluation compares.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse

from apim_oauth.azure.clouds import CLOUDS
from tools.check_token.metadata import SigningKey, signing_key_from_jwk, symmetric_jwk
from tools.check_token.policy import (
    MAX_POLICY_BYTES,
    Policy,
    RequiredClaim,
    TokenLocation,
    ValidateAzureAdToken,
    ValidateJwt,
)
from tools.policy_xml.document import PolicyError, find_validators, read_document
from tools.policy_xml.validators import ClaimElement, KeyElement, ValidatorElement, read_validator


def parse_policy(data: bytes | str) -> Policy:
    """The first validator in a policy document (or a bare validator element), as a model."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(f"the document is larger than {MAX_POLICY_BYTES} bytes")
    document = read_document(raw)
    assert document is not None  # strict: a document it cannot read raises
    notes = list(document.notes)
    found = find_validators(document.root)
    if not found:
        raise PolicyError("the document has no <validate-jwt> or <validate-azure-ad-token> element")
    node, condition = found[0]
    if len(found) > 1:
        notes.append(
            f"The document has {len(found)} validators; the first one (line {node.line}) was "
            "evaluated. Which one the gateway runs depends on the enclosing <choose> conditions."
        )
    element = read_validator(node, condition)
    if element.kind == "validate-jwt":
        return _validate_jwt(element, tuple(notes))
    return _validate_azure_ad_token(element, tuple(notes))


def _location(element: ValidatorElement, default_header: str | None) -> TokenLocation:
    attributes = element.attributes
    given = [name for name in ("header-name", "query-parameter-name", "token-value") if name in attributes]
    if len(given) > 1:
        raise PolicyError(f"<{element.kind}> names the token in more than one place: {', '.join(given)}")
    if not given and default_header is None:
        raise PolicyError(f"<{element.kind}> needs one of header-name, query-parameter-name, token-value")
    return TokenLocation(
        header_name=attributes.get("header-name", default_header if not given else None),
        query_parameter_name=attributes.get("query-parameter-name"),
        token_value=attributes.get("token-value"),
        require_scheme=attributes.get("require-scheme") or None,
    )


def _required_claims(element: ValidatorElement) -> tuple[RequiredClaim, ...]:
    def claim(c: ClaimElement) -> RequiredClaim:
        return RequiredClaim(c.name, "all" if c.match == "all" else "any", c.separator, c.values)

    return tuple(claim(c) for c in element.required_claims)


def _signing_key(key: KeyElement) -> SigningKey:
    jwk: dict[str, object]
    if "n" in key.attributes or "e" in key.attributes:
        # Accept base64 or base64url for the modulus and exponent; pyjwt wants base64url.
        n, e = (key.attributes.get(part, "").replace("+", "-").replace("/", "_").rstrip("=") for part in "ne")
        jwk = {"kty": "RSA", "n": n, "e": e}
    else:
        try:
            secret = base64.b64decode(key.text, validate=True)
        except (binascii.Error, ValueError):
            raise PolicyError(f"<key> (line {key.line}): not base64 text") from None
        if not secret:
            raise PolicyError(f"<key> (line {key.line}) is empty")
        jwk = symmetric_jwk(secret)
    if "id" in key.attributes:
        jwk["kid"] = key.attributes["id"]
    parsed = signing_key_from_jwk(jwk, "issuer-signing-keys", inline=True)
    if parsed is None:
        raise PolicyError(f"<key> (line {key.line}) is not a usable key")
    return parsed


def _status(element: ValidatorElement) -> str:
    return element.attributes.get("failed-validation-httpcode", "401").strip() or "401"


def _boolean(element: ValidatorElement, name: str, default: bool) -> bool:
    raw = element.attributes.get(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise PolicyError(f"{element.kind}/@{name} must be true or false, not {raw!r}")
    return raw.lower() == "true"


def _validate_jwt(element: ValidatorElement, notes: tuple[str, ...]) -> ValidateJwt:
    skew_text = element.attributes.get("clock-skew", "0")
    if not skew_text.isdigit():
        raise PolicyError(f"validate-jwt/@clock-skew must be whole seconds, not {skew_text!r}")
    return ValidateJwt(
        location=_location(element, None),
        failed_status=_status(element),
        require_expiration_time=_boolean(element, "require-expiration-time", True),
        require_signed_tokens=_boolean(element, "require-signed-tokens", True),
        clock_skew=int(skew_text),
        openid_config_urls=element.openid_config_urls,
        signing_keys=tuple(
            _signing_key(k) for k in element.signing_keys if "certificate-id" not in k.attributes
        ),
        certificate_ids=tuple(
            k.attributes["certificate-id"] for k in element.signing_keys if "certificate-id" in k.attributes
        ),
        decryption=element.decryption_keys,
        audiences=element.values("audiences"),
        issuers=element.values("issuers"),
        required_claims=_required_claims(element),
        notes=notes,
        condition=element.condition,
    )


def _authority_and_tenant(element: ValidatorElement) -> tuple[str, str]:
    tenant = element.attributes.get("tenant-id", "")
    if not tenant:
        raise PolicyError("<validate-azure-ad-token> needs tenant-id")
    endpoint = element.attributes.get("authentication-endpoint", "")
    if tenant.startswith(("https://", "http://")):
        # tenant-id may be given as the tenant's URL, e.g. https://login.microsoftonline.com/organizations.
        parts = urllib.parse.urlsplit(tenant)
        tenant = parts.path.strip("/")
        endpoint = endpoint or f"{parts.scheme}://{parts.netloc}"
    if not tenant or "/" in tenant:
        raise PolicyError(f"validate-azure-ad-token/@tenant-id is not a tenant: {tenant!r}")
    endpoint = endpoint or CLOUDS["global"].login_host
    if not endpoint.startswith(("https://", "http://")):
        endpoint = "https://" + endpoint  # the prefix is optional (APIM documentation)
    parts = urllib.parse.urlsplit(endpoint.rstrip("/"))
    if not parts.hostname or parts.path:
        raise PolicyError(f"validate-azure-ad-token/@authentication-endpoint is not a host: {endpoint!r}")
    return f"{parts.scheme}://{parts.netloc}", tenant


def _validate_azure_ad_token(element: ValidatorElement, notes: tuple[str, ...]) -> ValidateAzureAdToken:
    authority, tenant = _authority_and_tenant(element)
    # client-application-ids: "Required: No" in the current page (MicrosoftDocs/azure-docs commit
    # 71789b1a): "If a client application ID isn't provided, one or more audience claims should be
    # specified". Neither is refused; a policy with neither is called out (weakening.py).
    return ValidateAzureAdToken(
        location=_location(element, "Authorization"),
        failed_status=_status(element),
        tenant_id=tenant,
        authority=authority,
        client_application_ids=element.values("client-application-ids") or (),
        backend_application_ids=element.values("backend-application-ids") or (),
        audiences=element.values("audiences"),
        required_claims=_required_claims(element),
        decryption=element.decryption_keys,
        notes=notes,
        condition=element.condition,
    )
