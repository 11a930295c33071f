"""What a policy document means to a caller, and how that changes between two versions.

Read by `tools.policy_xml`, leniently: the token validators (`validate-jwt`,
`validate-azure-ad-token`: audiences, issuers, required claims, clock skew, where the token is read,
the status on failure) and the onward authentication (`authentication-managed-identity`: the
resource the gateway asks a token for when it calls the backend). Element and attribute names per
the policy reference (learn.microsoft.com/azure/api-management/validate-jwt-policy,
validate-azure-ad-token-policy, authentication-managed-identity-policy). The token check reads the
same elements strictly, refusing what it cannot evaluate; a diff still has to describe it, so here
every value is kept as written. Whitespace, attribute order and comments never count:
two documents with equal canonical forms (C14N 2.0, text stripped) are the same policy.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from tools.diff.browser_words import cors_words, limit_words
from tools.policy_xml.cors import Limit, ReadCors, cors_of, limits_of
from tools.policy_xml.document import PolicyError, elements, find_validators, parse_xml, read_document
from tools.policy_xml.validators import ValidatorElement, read_validator

POLICY_TYPES = frozenset(
    {
        "azure-native:apimanagement:ApiPolicy",
        "azure-native:apimanagement:ApiOperationPolicy",
        "azure-native:apimanagement:ProductPolicy",
    }
)


@dataclass(frozen=True)
class Claim:
    name: str
    match: str
    values: tuple[str, ...]

    def describe(self) -> str:
        if not self.values:
            return f"claim {self.name} present"
        quantifier = "all of" if self.match == "all" else "any of"
        return f"{self.name} with {quantifier} {', '.join(self.values)}"


@dataclass(frozen=True)
class Validator:
    kind: str
    audiences: tuple[str, ...] | None
    issuers: tuple[str, ...] | None
    claims: tuple[Claim, ...]
    clock_skew: str
    token_from: str
    failed_status: str
    metadata: tuple[str, ...]
    """openid-config URLs (validate-jwt) or the tenant (validate-azure-ad-token)."""
    client_application_ids: tuple[str, ...]
    backend_application_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class OnwardAuth:
    resource: str
    client_id: str | None


@dataclass(frozen=True)
class PolicyMeaning:
    validators: tuple[Validator, ...]
    onward: tuple[OnwardAuth, ...]
    canonical: str
    cors: ReadCors | None = None
    limits: tuple[Limit, ...] = ()


def canonical(xml: str) -> str:
    """C14N 2.0 of a document `parse_xml` reads within its bounds; otherwise (not XML, or nested too
    deep, where ElementTree's C14N grows quadratically) the text with its whitespace runs collapsed."""
    try:
        parse_xml(xml.encode("utf-8", errors="replace"))
        return ET.canonicalize(xml, strip_text=True, with_comments=False)
    except (ET.ParseError, PolicyError):
        return " ".join(xml.split())


def same_policy(a: str, b: str) -> bool:
    return canonical(a) == canonical(b)


def _validator(element: ValidatorElement) -> Validator:
    attributes = element.attributes
    claims = tuple(Claim(c.name, c.match, c.values) for c in element.required_claims)
    if element.kind == "validate-jwt":
        metadata = element.openid_config_urls
    else:
        metadata = (f"tenant {attributes.get('tenant-id', '')}",)
    token_from = (
        f"header {attributes.get('header-name')}"
        if attributes.get("header-name")
        else f"query parameter {attributes.get('query-parameter-name')}"
        if attributes.get("query-parameter-name")
        else "header Authorization"
    )
    return Validator(
        kind=element.kind,
        audiences=element.values("audiences"),
        issuers=element.values("issuers"),
        claims=claims,
        # validate-jwt's clock-skew defaults to 0 seconds (policy reference, attributes table).
        clock_skew=attributes.get("clock-skew", "0"),
        token_from=token_from,
        failed_status=attributes.get("failed-validation-httpcode", "401"),
        metadata=metadata,
        client_application_ids=element.values("client-application-ids") or (),
        backend_application_ids=element.values("backend-application-ids") or (),
    )


def meaning(xml: str) -> PolicyMeaning:
    document = read_document(xml, lenient=True)
    if document is None:
        return PolicyMeaning((), (), canonical(xml))
    validators = tuple(
        _validator(read_validator(node, condition, lenient=True))
        for node, condition in find_validators(document.root)
    )
    onward = tuple(
        OnwardAuth(e.attributes.get("resource", ""), e.attributes.get("client-id"))
        for e in elements(document.root, "authentication-managed-identity")
    )
    return PolicyMeaning(
        validators, onward, canonical(xml), cors_of(document.root, lenient=True), limits_of(document.root)
    )


def _listed(values: tuple[str, ...] | None) -> set[str] | None:
    return None if values is None else set(values)


def _set_words(what: str, before: tuple[str, ...] | None, after: tuple[str, ...] | None) -> list[str]:
    was, now = _listed(before), _listed(after)
    if was == now:
        return []
    if was is None:
        return [f"{what}: now only {', '.join(sorted(now or ()))} (any was accepted)"]
    if now is None:
        return [f"{what}: any accepted now (was only {', '.join(sorted(was))})"]
    words: list[str] = []
    if now - was:
        words.append(f"{what} added: {', '.join(sorted(now - was))}")
    if was - now:
        words.append(f"{what} removed: {', '.join(sorted(was - now))}")
    return words


def _claim_words(before: tuple[Claim, ...], after: tuple[Claim, ...]) -> list[str]:
    was = {c.name: c for c in before}
    now = {c.name: c for c in after}
    words: list[str] = []
    for name in sorted(was.keys() | now.keys()):
        old, new = was.get(name), now.get(name)
        if old == new:
            continue
        if old is None and new is not None:
            words.append(f"now requires {new.describe()}")
        elif new is None and old is not None:
            words.append(f"no longer requires {old.describe()}")
        elif old is not None and new is not None:
            words.append(f"requires {new.describe()} (was {old.describe()})")
    return words


def _validator_words(old: Validator, new: Validator) -> list[str]:
    words: list[str] = []
    if old.kind != new.kind:
        words.append(f"validator: {old.kind} -> {new.kind}")
    words += _set_words("audiences", old.audiences, new.audiences)
    words += _set_words("issuers", old.issuers, new.issuers)
    words += _claim_words(old.claims, new.claims)
    if old.clock_skew != new.clock_skew:
        words.append(f"clock skew: {old.clock_skew} s -> {new.clock_skew} s")
    if old.token_from != new.token_from:
        words.append(f"token read from: {old.token_from} -> {new.token_from}")
    if old.failed_status != new.failed_status:
        words.append(f"status on failure: {old.failed_status} -> {new.failed_status}")
    if old.metadata != new.metadata:
        words.append(f"signing keys from: {', '.join(old.metadata)} -> {', '.join(new.metadata)}")
    words += _set_words("client applications", old.client_application_ids, new.client_application_ids)
    words += _set_words("backend applications", old.backend_application_ids, new.backend_application_ids)
    return words


def describe(xml: str, subject: str = "") -> list[str]:
    """What a new policy requires of a caller, in words."""
    return compare("", xml, subject)


def compare(old_xml: str, new_xml: str, subject: str = "") -> list[str]:
    """How a caller's experience changes from `old_xml` to `new_xml` ("" for no policy); [] if the same.
    `subject` names what the policy is on (an API, `API operation`, `product P`), for the cors words."""
    if same_policy(old_xml, new_xml):
        return []
    old, new = meaning(old_xml) if old_xml else None, meaning(new_xml) if new_xml else None
    words = cors_words(old.cors if old else None, new.cors if new else None, subject)
    old_validators = old.validators if old else ()
    new_validators = new.validators if new else ()
    for index in range(max(len(old_validators), len(new_validators))):
        before = old_validators[index] if index < len(old_validators) else None
        after = new_validators[index] if index < len(new_validators) else None
        if before is None and after is not None:
            words.append(f"now validates tokens with {after.kind}")
            words += _set_words("audiences", (), after.audiences)
            words += _set_words("issuers", (), after.issuers)
            words += _claim_words((), after.claims)
            words.append(f"clock skew: {after.clock_skew} s")
        elif after is None and before is not None:
            words.append(f"no longer validates tokens ({before.kind} removed): any caller gets through")
        elif before is not None and after is not None:
            words += _validator_words(before, after)
    words += limit_words(old.limits if old else (), new.limits if new else ())
    words += _onward_words(old.onward if old else (), new.onward if new else ())
    if not words and old is not None and new is not None:
        words.append("changed outside token validation, cors, limits and onward authentication (see the XML)")
    return words


def _onward_words(before: tuple[OnwardAuth, ...], after: tuple[OnwardAuth, ...]) -> list[str]:
    if before == after:
        return []
    if not before:
        return [
            f"onward authentication: the gateway now calls the backend with its managed identity's token for {a.resource}"
            for a in after
        ]
    if not after:
        return ["onward authentication removed: the gateway no longer adds its managed identity's token"]
    return [
        "onward authentication: managed-identity token for "
        + ", ".join(a.resource for a in before)
        + " -> "
        + ", ".join(a.resource for a in after)
    ]
