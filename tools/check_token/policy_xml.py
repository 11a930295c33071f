"""Reading a policy document into the policy model: the first `validate-jwt` or
`validate-azure-ad-token` element, every attribute and child checked (an unknown one could change
what is accepted, so it is refused rather than guessed at).
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
    PolicyError,
    RequiredClaim,
    TokenLocation,
    ValidateAzureAdToken,
    ValidateJwt,
)
from tools.check_token.policy_document import (
    Node,
    boolean,
    check_attributes,
    find_validators,
    literal,
    parse_xml,
    texts_of,
    validator_text,
)


def parse_policy(data: bytes | str) -> Policy:
    """The first validator in a policy document (or a bare validator element), as a model."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(f"the document is larger than {MAX_POLICY_BYTES} bytes")
    notes: list[str] = []
    try:
        root = parse_xml(raw)
    except PolicyError as whole_document_error:
        found = validator_text(raw)
        if found is None or b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
            raise whole_document_error from None
        root = parse_xml(found)
        notes.append(
            "The policy document is not well-formed XML (raw policy expressions?); its validator element "
            "was read on its own."
        )
    found_validators: list[tuple[Node, str | None]] = []
    find_validators(root, None, found_validators)
    if not found_validators:
        raise PolicyError("the document has no <validate-jwt> or <validate-azure-ad-token> element")
    node, condition = found_validators[0]
    if len(found_validators) > 1:
        notes.append(
            f"The document has {len(found_validators)} validators; the first one (line {node.line}) was "
            "evaluated. Which one the gateway runs depends on the enclosing <choose> conditions."
        )
    if node.tag == "validate-jwt":
        return _validate_jwt(node, tuple(notes), condition)
    return _validate_azure_ad_token(node, tuple(notes), condition)


def _location(node: Node, default_header: str | None) -> TokenLocation:
    given = [
        name for name in ("header-name", "query-parameter-name", "token-value") if name in node.attributes
    ]
    if len(given) > 1:
        raise PolicyError(f"<{node.tag}> names the token in more than one place: {', '.join(given)}")
    if not given and default_header is None:
        raise PolicyError(f"<{node.tag}> needs one of header-name, query-parameter-name, token-value")
    header = node.attributes.get("header-name", default_header if not given else None)
    query = node.attributes.get("query-parameter-name")
    scheme = node.attributes.get("require-scheme")
    return TokenLocation(
        header_name=literal(header, f"{node.tag}/@header-name") if header is not None else None,
        query_parameter_name=literal(query, f"{node.tag}/@query-parameter-name")
        if query is not None
        else None,
        # An expression by nature: the check is handed the token it would return.
        token_value=node.attributes.get("token-value"),
        require_scheme=literal(scheme, f"{node.tag}/@require-scheme") if scheme else None,
    )


def _required_claims(node: Node) -> tuple[RequiredClaim, ...]:
    claims: list[RequiredClaim] = []
    for claim in node.children:
        if claim.tag != "claim":
            raise PolicyError(f"<required-claims> (line {claim.line}): unexpected <{claim.tag}>")
        check_attributes(claim, ("name", "match", "separator"))
        name = literal(claim.attributes.get("name", ""), "claim/@name")
        if not name:
            raise PolicyError(f"<claim> (line {claim.line}) has no name")
        match = literal(claim.attributes.get("match", "all"), "claim/@match")
        if match not in ("all", "any"):
            raise PolicyError(f"claim {name!r}: match must be all or any, not {match!r}")
        separator_raw = claim.attributes.get("separator")
        # Not stripped: the usual separator is a single space.
        separator = separator_raw if separator_raw else None
        if separator is not None:
            literal(separator if separator.strip() else "x", "claim/@separator")
        claims.append(RequiredClaim(name, match, separator, texts_of(claim, "value")))
    return tuple(claims)


def _inline_keys(node: Node) -> tuple[tuple[SigningKey, ...], tuple[str, ...]]:
    keys: list[SigningKey] = []
    certificates: list[str] = []
    for key in node.children:
        if key.tag != "key":
            raise PolicyError(f"<issuer-signing-keys> (line {key.line}): unexpected <{key.tag}>")
        check_attributes(key, ("id", "certificate-id", "n", "e"))
        key_id = key.attributes.get("id")
        jwk: dict[str, object]
        if "certificate-id" in key.attributes:
            certificates.append(literal(key.attributes["certificate-id"], "key/@certificate-id"))
            continue
        if "n" in key.attributes or "e" in key.attributes:
            # Accept base64 or base64url for the modulus and exponent; pyjwt wants base64url.
            n, e = (
                literal(key.attributes.get(part, ""), f"key/@{part}")
                .replace("+", "-")
                .replace("/", "_")
                .rstrip("=")
                for part in ("n", "e")
            )
            jwk = {"kty": "RSA", "n": n, "e": e}
        else:
            text = literal(key.text, "issuer-signing-keys/key")
            try:
                secret = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise PolicyError(f"<key> (line {key.line}): not base64 text") from None
            if not secret:
                raise PolicyError(f"<key> (line {key.line}) is empty")
            jwk = symmetric_jwk(secret)
        if key_id is not None:
            jwk["kid"] = literal(key_id, "key/@id")
        parsed = signing_key_from_jwk(jwk, "issuer-signing-keys", inline=True)
        if parsed is None:
            raise PolicyError(f"<key> (line {key.line}) is not a usable key")
        keys.append(parsed)
    return tuple(keys), tuple(certificates)


def _status(node: Node) -> str:
    return node.attributes.get("failed-validation-httpcode", "401").strip() or "401"


_JWT_ATTRIBUTES = (
    "header-name",
    "query-parameter-name",
    "token-value",
    "failed-validation-httpcode",
    "failed-validation-error-message",
    "require-expiration-time",
    "require-scheme",
    "require-signed-tokens",
    "clock-skew",
    "output-token-variable-name",
)


def _validate_jwt(node: Node, notes: tuple[str, ...], condition: str | None) -> ValidateJwt:
    check_attributes(node, _JWT_ATTRIBUTES)
    skew_text = literal(node.attributes.get("clock-skew", "0"), "validate-jwt/@clock-skew")
    if not skew_text.isdigit():
        raise PolicyError(f"validate-jwt/@clock-skew must be whole seconds, not {skew_text!r}")
    urls: list[str] = []
    keys: tuple[SigningKey, ...] = ()
    certificates: tuple[str, ...] = ()
    audiences: tuple[str, ...] | None = None
    issuers: tuple[str, ...] | None = None
    claims: tuple[RequiredClaim, ...] = ()
    decryption = False
    for child in node.children:
        if child.tag == "openid-config":
            # validate-connectivity (validate-jwt-policy.md, 02/25/2026) only governs saving the policy.
            check_attributes(child, ("url", "validate-connectivity"))
            url = literal(child.attributes.get("url", ""), "openid-config/@url")
            if not url:
                raise PolicyError(f"<openid-config> (line {child.line}) has no url")
            urls.append(url)
        elif child.tag == "issuer-signing-keys":
            keys, certificates = _inline_keys(child)
        elif child.tag == "decryption-keys":
            decryption = True
        elif child.tag == "audiences":
            audiences = texts_of(child, "audience")
        elif child.tag == "issuers":
            issuers = texts_of(child, "issuer")
        elif child.tag == "required-claims":
            claims = _required_claims(child)
        else:
            raise PolicyError(f"<validate-jwt> (line {child.line}): unexpected <{child.tag}>")
    return ValidateJwt(
        location=_location(node, None),
        failed_status=_status(node),
        require_expiration_time=boolean(node, "require-expiration-time", True),
        require_signed_tokens=boolean(node, "require-signed-tokens", True),
        clock_skew=int(skew_text),
        openid_config_urls=tuple(urls),
        signing_keys=keys,
        certificate_ids=certificates,
        decryption=decryption,
        audiences=audiences,
        issuers=issuers,
        required_claims=claims,
        notes=notes,
        condition=condition,
    )


_AZURE_ATTRIBUTES = (
    "tenant-id",
    "header-name",
    "query-parameter-name",
    "token-value",
    "authentication-endpoint",
    "failed-validation-httpcode",
    "failed-validation-error-message",
    "output-token-variable-name",
)


def _authority_and_tenant(node: Node) -> tuple[str, str]:
    tenant = literal(node.attributes.get("tenant-id", ""), "validate-azure-ad-token/@tenant-id")
    if not tenant:
        raise PolicyError("<validate-azure-ad-token> needs tenant-id")
    endpoint = literal(
        node.attributes.get("authentication-endpoint", ""), "validate-azure-ad-token/@authentication-endpoint"
    )
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


def _validate_azure_ad_token(
    node: Node, notes: tuple[str, ...], condition: str | None
) -> ValidateAzureAdToken:
    check_attributes(node, _AZURE_ATTRIBUTES)
    authority, tenant = _authority_and_tenant(node)
    clients: tuple[str, ...] = ()
    backends: tuple[str, ...] = ()
    audiences: tuple[str, ...] | None = None
    claims: tuple[RequiredClaim, ...] = ()
    decryption = False
    for child in node.children:
        if child.tag == "client-application-ids":
            clients = texts_of(child, "application-id")
        elif child.tag == "backend-application-ids":
            backends = texts_of(child, "application-id")
        elif child.tag == "audiences":
            audiences = texts_of(child, "audience")
        elif child.tag == "required-claims":
            claims = _required_claims(child)
        elif child.tag == "decryption-keys":
            decryption = True
        else:
            raise PolicyError(f"<validate-azure-ad-token> (line {child.line}): unexpected <{child.tag}>")
    # client-application-ids: "Required: No" in the current page (MicrosoftDocs/azure-docs commit
    # 71789b1a): "If a client application ID isn't provided, one or more audience claims should be
    # specified". Neither is refused; a policy with neither is called out (weakening.py).
    return ValidateAzureAdToken(
        location=_location(node, "Authorization"),
        failed_status=_status(node),
        tenant_id=tenant,
        authority=authority,
        client_application_ids=clients,
        backend_application_ids=backends,
        audiences=audiences,
        required_claims=claims,
        decryption=decryption,
        notes=notes,
        condition=condition,
    )
