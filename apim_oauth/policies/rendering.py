"""Render APIM token-validation policies from the XML templates in `policy_templates/`.

Pure functions: no Pulumi, no network; the only I/O is reading the templates shipped with the
project. Components call them inside `Output.all(...).apply(...)` once client IDs are known.

Every string that reaches the XML is checked here (`PolicyValueError` names the field and the
reason) and set through `xml.etree.ElementTree`, which escapes it. Escaping cannot stop the gateway
from running `@(...)` or resolving `{{name}}` after it parses the XML, so such values are refused
(`apim_oauth.policies.values`). The output is indented the same way every time: APIM reformats
policies, and stable input keeps previews free of spurious diffs.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias, cast

from apim_oauth.azure.clouds import Cloud, TokenVersion
from apim_oauth.policies.values import policy_value_problem

__all__ = [
    "DEFAULT_FAILED_MESSAGE",
    "MAX_CLOCK_SKEW_SECONDS",
    "AzureAdTokenPolicy",
    "ClaimRequirement",
    "JwtPolicy",
    "PolicyValueError",
    "TemplateError",
    "audiences_for",
    "render_policy_document",
    "render_validator",
]

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "policy_templates"

MAX_CLOCK_SKEW_SECONDS = 300
"""Upper bound of `clock-skew`: enough for drifting clocks, short enough not to extend a token's life."""

DEFAULT_FAILED_MESSAGE = (
    "Unauthorized. Send a valid, unexpired access token issued for this API: "
    "check that your client requested a token for this API's scope and was granted access to it."
)
"""Tells a caller what to fix; names no tenant, audience or issuer (the gateway adds its own reason)."""


class PolicyValueError(ValueError):
    """A value that must not reach policy XML; `field` is its path in the policy, e.g. `audiences[1]`."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class TemplateError(RuntimeError):
    """A template in `policy_templates/` does not follow the placeholder scheme: a defect of ours."""


# --- the policy models --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRequirement:
    """A `<claim>` of `<required-claims>`: the token's claim `name` must hold `values`."""

    name: str
    """`roles`, `scp`, or any other claim."""
    values: tuple[str, ...]
    """The values looked for; at least one."""
    match: Literal["all", "any"] = "all"
    """`all`: every value must be present; `any`: one is enough."""
    separator: str | None = None
    """Splits a string claim into values: `" "` for `scp`; unset for `roles`, which is an array."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _as_tuple("values", self.values))
        _claim_scope("", self)

    @classmethod
    def roles(cls, values: Iterable[str], match: Literal["all", "any"] = "all") -> ClaimRequirement:
        """App roles (application permissions; what client-credentials tokens carry)."""
        return cls("roles", tuple(values), match)

    @classmethod
    def scopes(cls, values: Iterable[str], match: Literal["all", "any"] = "all") -> ClaimRequirement:
        """Delegated scopes (`scp`, space-separated; user tokens only, never client credentials)."""
        return cls("scp", tuple(values), match, separator=" ")


@dataclass(frozen=True)
class JwtPolicy:
    """What `<validate-jwt>` checks. Construction validates every field (`PolicyValueError`)."""

    cloud: Cloud
    tenant_id: str
    """The tenant's GUID: the issuer in every Entra token carries the GUID, never a domain."""
    token_version: TokenVersion
    """The version the backend app's `requestedAccessTokenVersion` makes Entra issue."""
    audiences: tuple[str, ...]
    """Accepted `aud` values (any one matches); see `audiences_for`."""
    required_claims: tuple[ClaimRequirement, ...] = ()
    clock_skew_seconds: int = 60
    """Tolerance on `exp`/`nbf`, 0..MAX_CLOCK_SKEW_SECONDS."""
    failed_message: str = DEFAULT_FAILED_MESSAGE
    header_name: str = "Authorization"
    """`require-scheme="Bearer"` is emitted only for Authorization: other headers carry the raw token."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "audiences", _as_tuple("audiences", self.audiences))
        object.__setattr__(self, "required_claims", _as_tuple("required_claims", self.required_claims))
        _jwt_scope(self)


@dataclass(frozen=True)
class AzureAdTokenPolicy:
    """What `<validate-azure-ad-token>` checks. Construction validates every field (`PolicyValueError`)."""

    cloud: Cloud
    tenant_id: str
    """The tenant's GUID or one of its domains (APIM resolves the metadata itself)."""
    client_application_ids: tuple[str, ...]
    """Application (client) IDs of the callers allowed: the token's `appid`/`azp`."""
    audiences: tuple[str, ...]
    backend_application_ids: tuple[str, ...] = ()
    required_claims: tuple[ClaimRequirement, ...] = ()
    failed_message: str = DEFAULT_FAILED_MESSAGE

    def __post_init__(self) -> None:
        for name in ("client_application_ids", "audiences", "backend_application_ids", "required_claims"):
            object.__setattr__(self, name, _as_tuple(name, getattr(self, name)))
        _azure_ad_token_scope(self)


def audiences_for(token_version: TokenVersion, client_id: str, app_id_uri: str) -> tuple[str, ...]:
    """The `aud` values a backend's tokens carry: v2 always the client ID; v1 the App ID URI the
    client asked for, or the client ID (reference, section 5)."""
    if token_version == 2:
        return (client_id,)
    if app_id_uri == client_id:
        return (client_id,)
    return (app_id_uri, client_id)


# --- rendering ----------------------------------------------------------------------------------


def render_validator(policy: JwtPolicy | AzureAdTokenPolicy) -> str:
    """The `<validate-jwt>` or `<validate-azure-ad-token>` element alone, as indented XML text."""
    return _serialize(_validator_element(policy))


def render_policy_document(
    policy: JwtPolicy | AzureAdTokenPolicy, *, subscription_key_alternative: bool = False
) -> str:
    """A complete `<policies>` document with the validator in `<inbound>`.

    `subscription_key_alternative`: the product accepts a subscription key or a token (it is deployed
    with `subscriptionRequired=false`), so the validator runs only for requests without a key.
    """
    auth = _validator_element(policy)
    if subscription_key_alternative:
        auth = _render_template("subscription-key-alternative.xml", {"validator": (auth,)})
    return _serialize(_render_template("policies.xml", {"inbound_auth": (auth,)}))


def _validator_element(policy: object) -> ET.Element:
    if isinstance(policy, JwtPolicy):
        return _render_template("validate-jwt.xml", _jwt_scope(policy))
    if isinstance(policy, AzureAdTokenPolicy):
        return _render_template("validate-azure-ad-token.xml", _azure_ad_token_scope(policy))
    raise TypeError(f"not a policy: {type(policy).__name__}")


def _serialize(element: ET.Element) -> str:
    ET.indent(element, space="    ")
    text = ET.tostring(element, encoding="unicode")
    # Parse our own output: what we return must be well-formed and read back as exactly what was built.
    if _shape(_parse(text)) != _shape(element):
        raise TemplateError("rendered XML does not read back as the tree that was built")
    return text


_Shape: TypeAlias = "tuple[object, tuple[tuple[str, str], ...], str | None, str | None, tuple[_Shape, ...]]"


def _shape(element: ET.Element) -> _Shape:
    # Attribute order is part of the shape: it is what keeps the output byte-stable.
    return (
        element.tag,
        tuple(element.attrib.items()),
        element.text,
        element.tail,
        tuple(_shape(child) for child in element),
    )


# --- field checks -------------------------------------------------------------------------------

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DOMAIN = re.compile(r"(?=.{4,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.IGNORECASE)
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token (RFC 9110)
_LINE_BREAK_OR_TAB = re.compile(r"[\t\n\r]")


def _as_tuple(name: str, value: object) -> tuple[object, ...]:
    # A lone string would otherwise become a tuple of its characters.
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise PolicyValueError(name, f"must be a list of values, not {type(value).__name__}")
    return tuple(cast("Sequence[object]", value))


def _text(name: str, value: object, *, identifier: bool = True) -> str:
    """`value` if it may reach the XML. `identifier`: compared with a token's values, so no padding."""
    if not isinstance(value, str):
        raise PolicyValueError(name, f"must be a string, not {type(value).__name__}")
    problem = policy_value_problem(value)
    if problem is not None:
        raise PolicyValueError(name, problem)
    if _LINE_BREAK_OR_TAB.search(value):
        # XML parsers normalise line ends in text, and APIM reformats the policy.
        raise PolicyValueError(name, "contains a tab or line break, which would not survive in policy XML")
    if not value.strip():
        raise PolicyValueError(name, "must not be empty")
    if identifier and value != value.strip():
        raise PolicyValueError(name, "must not start or end with spaces: no token value would ever match it")
    return value


def _texts(name: str, values: object, *, at_least_one: bool = True) -> tuple[str, ...]:
    items = _as_tuple(name, values)
    if at_least_one and not items:
        raise PolicyValueError(name, "needs at least one value")
    checked = tuple(_text(f"{name}[{index}]", item) for index, item in enumerate(items))
    for index, item in enumerate(checked):
        if item in checked[:index]:
            raise PolicyValueError(f"{name}[{index}]", f"repeats {item!r}")
    return checked


def _guids(name: str, values: object, *, at_least_one: bool = True) -> tuple[str, ...]:
    checked = _texts(name, values, at_least_one=at_least_one)
    for index, item in enumerate(checked):
        if not _GUID.fullmatch(item):
            raise PolicyValueError(f"{name}[{index}]", "must be an application (client) ID, a GUID")
    return checked


def _tenant(value: object, *, allow_domain: bool) -> str:
    tenant = _text("tenant_id", value)
    if _GUID.fullmatch(tenant):
        if not allow_domain and tenant != tenant.lower():
            # The GUID in `iss` is lowercase and the issuer comparison is exact.
            raise PolicyValueError("tenant_id", "write the tenant GUID in lowercase, as tokens carry it")
        return tenant
    if not allow_domain:
        raise PolicyValueError(
            "tenant_id", "must be the tenant's GUID: token issuers carry it, a domain would never match"
        )
    if not _DOMAIN.fullmatch(tenant):
        raise PolicyValueError("tenant_id", "must be the tenant's GUID or one of its domains")
    return tenant


def _cloud(value: object) -> Cloud:
    if not isinstance(value, Cloud):
        raise PolicyValueError(
            "cloud", f"must be a Cloud from apim_oauth.azure.clouds, not {type(value).__name__}"
        )
    for host_field in ("login_host", "v1_issuer_host"):
        host: object = getattr(value, host_field)
        if not isinstance(host, str) or not _DOMAIN.fullmatch(host):
            raise PolicyValueError(f"cloud.{host_field}", "must be a host name")
    return value


def _token_version(value: object) -> TokenVersion:
    if value == 1 and not isinstance(value, bool):
        return 1
    if value == 2 and not isinstance(value, bool):
        return 2
    raise PolicyValueError("token_version", "must be 1 or 2")


def _clock_skew(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyValueError("clock_skew_seconds", "must be a whole number of seconds")
    if not 0 <= value <= MAX_CLOCK_SKEW_SECONDS:
        raise PolicyValueError("clock_skew_seconds", f"must be 0 to {MAX_CLOCK_SKEW_SECONDS} seconds")
    return str(value)


def _derived(name: str, value: str) -> str:
    # Built from checked parts; checked again so a new Cloud can never smuggle anything in.
    return _text(name, value)


# --- from a policy to the values its template needs ---------------------------------------------

# What a template placeholder can be bound to: text, absent, a nested scope, an element, or a list.
_Value: TypeAlias = "str | ET.Element | Mapping[str, _Value] | tuple[_Value, ...] | None"
_Scope: TypeAlias = Mapping[str, _Value]


def _claim_scope(prefix: str, claim: object) -> _Scope:
    if not isinstance(claim, ClaimRequirement):
        raise PolicyValueError(prefix.rstrip(".") or "claim", "must be a ClaimRequirement")
    name = _text(f"{prefix}name", claim.name)
    values = _texts(f"{prefix}values", claim.values)
    match = _match(f"{prefix}match", claim.match)
    separator = _separator(f"{prefix}separator", claim.separator)
    if separator is not None:
        for index, value in enumerate(values):
            if separator in value:
                # The gateway splits the claim at the separator, so such a value can never match.
                raise PolicyValueError(f"{prefix}values[{index}]", f"contains the separator {separator!r}")
    if name == "scp" and separator != " ":
        raise PolicyValueError(f"{prefix}separator", "scp holds space-separated scopes: use separator ' '")
    if name == "roles" and separator is not None:
        raise PolicyValueError(f"{prefix}separator", "roles is an array of roles: leave separator unset")
    return {"name": name, "match": match, "separator": separator, "values": values}


def _match(name: str, value: object) -> str:
    if value not in ("all", "any"):
        raise PolicyValueError(name, "must be 'all' or 'any'")
    return str(value)


def _separator(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or _LINE_BREAK_OR_TAB.search(value):
        raise PolicyValueError(name, "must be a non-empty string without tabs or line breaks")
    problem = policy_value_problem(value)
    if problem is not None:
        raise PolicyValueError(name, problem)
    return value


def _claims_scope(claims: object) -> tuple[_Value, ...]:
    items = _as_tuple("required_claims", claims)
    scopes = tuple(_claim_scope(f"required_claims[{index}].", claim) for index, claim in enumerate(items))
    names = [scope["name"] for scope in scopes]
    for index, name in enumerate(names):
        if name in names[:index]:
            # One requirement per claim: how APIM combines two <claim> of one name is not documented.
            raise PolicyValueError(f"required_claims[{index}].name", f"{name!r} is already required")
    return scopes


def _jwt_scope(policy: JwtPolicy) -> _Scope:
    cloud = _cloud(policy.cloud)
    tenant = _tenant(policy.tenant_id, allow_domain=False)
    version = _token_version(policy.token_version)
    header_name = _text("header_name", policy.header_name)
    if not _HEADER_NAME.fullmatch(header_name):
        raise PolicyValueError("header_name", "must be an HTTP header name")
    return {
        "header_name": header_name,
        "failed_message": _text("failed_message", policy.failed_message, identifier=False),
        # APIM ignores require-scheme for other headers, where the raw token is sent.
        "require_scheme": "Bearer" if header_name.lower() == "authorization" else None,
        "clock_skew": _clock_skew(policy.clock_skew_seconds),
        "openid_config_url": _derived("openid_config_url", cloud.openid_config_url(tenant, version)),
        "audiences": _texts("audiences", policy.audiences),
        # Explicit rather than discovered: China's v1 issuer host is not its login host.
        "issuers": (_derived("issuers[0]", cloud.issuer(tenant, version)),),
        "required_claims": _claims_scope(policy.required_claims),
    }


def _azure_ad_token_scope(policy: AzureAdTokenPolicy) -> _Scope:
    cloud = _cloud(policy.cloud)
    # Global is the validator's default; other clouds must say where their tenant lives.
    endpoint = None
    if cloud.name != "global":
        endpoint = _derived("authentication_endpoint", f"https://{cloud.login_host}")
    return {
        "tenant_id": _tenant(policy.tenant_id, allow_domain=True),
        "authentication_endpoint": endpoint,
        "failed_message": _text("failed_message", policy.failed_message, identifier=False),
        "client_application_ids": _guids("client_application_ids", policy.client_application_ids),
        "backend_application_ids": _guids(
            "backend_application_ids", policy.backend_application_ids, at_least_one=False
        ),
        "audiences": _texts("audiences", policy.audiences),
        "required_claims": _claims_scope(policy.required_claims),
    }


# --- the template engine (scheme documented in policy_templates/validate-jwt.xml) ---------------

_TPL = "{urn:apim-oauth:policy-template}"
_REPEAT, _IF, _SLOT = f"{_TPL}repeat", f"{_TPL}if", f"{_TPL}slot"
_PATH = r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*"
_PLACEHOLDER = re.compile(rf"\$\{{(?P<path>{_PATH})(?P<optional>\?)?\}}")
_REPEAT_SPEC = re.compile(rf"(?P<item>[a-z_][a-z0-9_]*) in (?P<path>{_PATH})")


def _parse(text: str) -> ET.Element:
    # Keeps comments: those inside a template's root element are meant for the deployed policy.
    # Only ever given our own templates and our own output, never outside input.
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))  # noqa: S314
    parser.feed(text)
    return parser.close()


@functools.cache
def _template(name: str) -> ET.Element:
    # Never mutated: rendering builds new elements.
    return _parse((TEMPLATE_DIR / name).read_text(encoding="utf-8"))


def _render_template(name: str, scope: _Scope) -> ET.Element:
    rendered = _expand(_template(name), scope, name)
    if len(rendered) != 1:
        raise TemplateError(f"{name}: the root element must render exactly once")
    return rendered[0]


def _lookup(scope: _Scope, path: str, template: str) -> _Value:
    head, *rest = path.split(".")
    if head not in scope:
        raise TemplateError(f"{template}: nothing bound to {path!r}")
    value = scope[head]
    for part in rest:
        if not isinstance(value, Mapping) or part not in value:
            raise TemplateError(f"{template}: nothing bound to {path!r}")
        value = value[part]
    return value


def _expand(node: ET.Element, scope: _Scope, template: str) -> list[ET.Element]:
    """The output elements for template `node` (none, one, or one per repeated item)."""
    tag: object = node.tag
    if tag is ET.Comment:
        # One line, whatever the template's layout: indentation is applied to the output as a whole.
        comment = ET.Comment(" " + " ".join((node.text or "").split()) + " ")
        return [cast("ET.Element", comment)]
    if tag == _SLOT:
        filling = _lookup(scope, node.get("name", ""), template)
        if not isinstance(filling, tuple):
            raise TemplateError(f"{template}: slot {node.get('name')!r} needs elements")
        return [_element(item, template) for item in filling]
    condition = node.get(_IF)
    if condition is not None and not _present(_lookup(scope, condition, template)):
        return []
    spec = node.get(_REPEAT)
    if spec is None:
        return [_fill_element(node, scope, template)]
    repeat = _REPEAT_SPEC.fullmatch(spec)
    if repeat is None:
        raise TemplateError(f"{template}: tpl:repeat must read 'item in list', not {spec!r}")
    items = _lookup(scope, repeat["path"], template)
    if not isinstance(items, tuple):
        raise TemplateError(f"{template}: {repeat['path']!r} is not a list")
    return [_fill_element(node, {**scope, repeat["item"]: item}, template) for item in items]


def _present(value: _Value) -> bool:
    return isinstance(value, ET.Element) or bool(value)


def _element(value: _Value, template: str) -> ET.Element:
    if not isinstance(value, ET.Element):
        raise TemplateError(f"{template}: a slot takes elements")
    return value


def _fill_element(node: ET.Element, scope: _Scope, template: str) -> ET.Element:
    element = ET.Element(node.tag)
    for attribute, raw in node.attrib.items():
        if attribute in (_REPEAT, _IF):
            continue
        if attribute.startswith("{"):
            raise TemplateError(f"{template}: unknown template attribute {attribute!r}")
        value = _fill(raw, scope, template)
        if value is not None:
            element.set(attribute, value)
    text = (node.text or "").strip()
    if text:
        element.text = _fill(text, scope, template)
    for child in node:
        if (child.tail or "").strip():
            raise TemplateError(f"{template}: text between elements is not supported")
        element.extend(_expand(child, scope, template))
    return element


def _fill(raw: str, scope: _Scope, template: str) -> str | None:
    """A template attribute value or text: literal, or one placeholder that is the whole of it."""
    placeholder = _PLACEHOLDER.fullmatch(raw)
    if placeholder is None:
        if "${" in raw:
            raise TemplateError(f"{template}: a placeholder must be the whole value: {raw!r}")
        return raw
    value = _lookup(scope, placeholder["path"], template)
    if value is None and placeholder["optional"]:
        return None
    if not isinstance(value, str):
        raise TemplateError(f"{template}: {raw} needs text, got {type(value).__name__}")
    return value
