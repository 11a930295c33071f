"""The stack configuration, parsed and validated into frozen dataclasses.

The only module that knows the shape of `stacks/Pulumi.<stack>.yaml`; components receive these
dataclasses and never read `pulumi.Config`. Every check happens here, before any resource is
registered, and each failure names its key path (see `ConfigError`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from apim_oauth.azure.clouds import CLOUDS, Cloud, TokenVersion
from apim_oauth.config.reader import ConfigError, Fields, Node, unique
from apim_oauth.policies.values import policy_value_problem

NAMESPACE = "apim-oauth"
OBJECT_KEYS = ("apim", "apis", "backend", "products", "clients")
SCALAR_KEYS = ("cloud", "tenantId")

Mode = Literal["entra-app", "apim-managed"]
Validator = Literal["validate-jwt", "validate-azure-ad-token"]
Callers = Literal["application", "delegated"]
Match = Literal["any", "all"]
Audience = Literal["product", "backend"]
MemberType = Literal["Application", "User"]

SKUS = (
    "Developer",
    "Basic",
    "Standard",
    "Premium",
    "Consumption",
    "Isolated",
    "BasicV2",
    "StandardV2",
    "PremiumV2",
)
# Application-based access (product OAuth managed by APIM) is a preview for these tiers only (reference 1.B).
APPLICATION_ACCESS_SKUS = frozenset({"Developer", "Basic", "Standard", "Premium"})

GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
SLUG = r"[a-z][a-z0-9-]{0,39}"
SLUG_HINT = "use 1-40 lowercase letters, digits and '-', starting with a letter"
# Entra's rule for scope and app-role values (reference 7): no spaces, no leading '.', at most 120
# characters from letters, digits and a fixed set of symbols.
PERMISSION_VALUE = r"(?!\.)[A-Za-z0-9:!#$%&'()*+,\-./;<=>?@\[\]^_`{|}~]{1,120}"
PERMISSION_HINT = (
    "Entra accepts at most 120 characters, no spaces, not starting with '.', "
    "from letters, digits and :!#$%&'()*+,-./;<=>?@[]^_`{|}~"
)


@dataclass(frozen=True)
class ApimUserSettings:
    """An APIM user that owns client applications of `apim-managed` products."""

    id: str
    email: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class ApimSettings:
    """The API Management service."""

    name: str
    resource_group: str
    create_resource_group: bool
    location: str
    sku: str
    capacity: int
    publisher_name: str
    publisher_email: str
    protect: bool
    """Mark the service `protect`ed, so `pulumi destroy` or a rename cannot delete it."""
    assign_application_administrator: bool
    """Give the service's identity the Entra role Application Administrator (needs Privileged Role Administrator)."""
    users: tuple[ApimUserSettings, ...]


@dataclass(frozen=True)
class OperationSettings:
    """Token requirements on one operation of an API."""

    operation_id: str
    requirements: TokenRequirements


@dataclass(frozen=True)
class ApiSettings:
    """An API in APIM: imported from an OpenAPI file, or a plain API in front of `service_url`."""

    name: str
    display_name: str
    path: str
    service_url: str
    openapi_file: Path | None
    """Absolute path of the OpenAPI document, when the API is imported from one."""
    openapi_text: str | None = field(repr=False)
    operation_ids: tuple[str, ...]
    requirements: TokenRequirements | None
    """API-scope token policy (audience: the backend app), when configured."""
    operations: tuple[OperationSettings, ...]


@dataclass(frozen=True)
class ScopeSettings:
    """A delegated permission (OAuth2 scope) the backend app exposes."""

    value: str
    admin_consent_display_name: str
    admin_consent_description: str
    user_consent_display_name: str | None
    user_consent_description: str | None
    type: Literal["Admin", "User"]
    enabled: bool


@dataclass(frozen=True)
class AppRoleSettings:
    """An app role the backend app defines (application permission when `Application` may hold it)."""

    value: str
    display_name: str
    description: str
    allowed_member_types: tuple[MemberType, ...]
    enabled: bool


@dataclass(frozen=True)
class BackendSettings:
    """The Entra app that represents the API."""

    display_name: str
    identifier_uri: str | None
    """App ID URI; None means `api://{client-id}`."""
    token_version: TokenVersion
    app_role_assignment_required: bool
    scopes: tuple[ScopeSettings, ...]
    app_roles: tuple[AppRoleSettings, ...]

    def role(self, value: str) -> AppRoleSettings | None:
        return next((r for r in self.app_roles if r.value == value), None)

    def scope(self, value: str) -> ScopeSettings | None:
        return next((s for s in self.scopes if s.value == value), None)


@dataclass(frozen=True)
class TokenRequirements:
    """What a token must carry to pass the gateway at some scope (product, API, operation)."""

    validator: Validator
    callers: Callers
    """`application`: client-credentials callers (tokens carry `roles`, never `scp`)."""
    roles: tuple[str, ...]
    roles_match: Match
    scopes: tuple[str, ...]
    scopes_match: Match
    clock_skew_seconds: int


@dataclass(frozen=True)
class ProductSettings:
    """A product and how its callers authenticate."""

    name: str
    display_name: str
    description: str
    published: bool
    apis: tuple[str, ...]
    subscription_key: bool
    """Accept a subscription key as an alternative to the OAuth token."""
    mode: Mode
    audience: Audience
    """`entra-app`: whose client ID the token's `aud` must be (the product's own app, or the backend)."""
    requirements: TokenRequirements | None
    """`entra-app` only: the token policy; roles default to the product's own role."""
    owner: str | None
    """`apim-managed` only: the APIM user that owns the product's client applications."""

    @property
    def open(self) -> bool:
        """Whether APIM admits requests to the product without a subscription key ("open" product)."""
        return self.mode == "entra-app" or not self.subscription_key

    @property
    def role_value(self) -> str:
        """The app role APIM's convention gives a product app: `Product.<Name>.All`."""
        pascal = "".join(part.capitalize() for part in self.name.split("-"))
        return f"Product.{pascal}.All"


@dataclass(frozen=True)
class SecretSlot:
    """One client secret; bump `rotated` to replace it while the other slot stays valid."""

    name: str
    rotated: dt.date


@dataclass(frozen=True)
class SecretSettings:
    validity_days: int
    slots: tuple[SecretSlot, ...]

    @property
    def active(self) -> SecretSlot:
        """The newest slot: the one callers should use."""
        return max(self.slots, key=lambda s: (s.rotated, s.name))


@dataclass(frozen=True)
class ClientSettings:
    """A caller of the APIs."""

    name: str
    display_name: str
    products: tuple[str, ...]
    mode: Mode
    """`entra-app`: this program registers the client in Entra; `apim-managed`: APIM does."""
    roles: tuple[str, ...]
    """Backend app roles granted as application permissions (admin consent given)."""
    scopes: tuple[str, ...]
    """Backend scopes granted as delegated permissions (admin consent given)."""
    secret: SecretSettings | None
    owner: str | None


@dataclass(frozen=True)
class Settings:
    """One stack's whole configuration."""

    cloud: Cloud
    tenant_id: str
    apim: ApimSettings
    apis: tuple[ApiSettings, ...]
    backend: BackendSettings
    products: tuple[ProductSettings, ...]
    clients: tuple[ClientSettings, ...]

    def product(self, name: str) -> ProductSettings:
        return next(p for p in self.products if p.name == name)


# --- reading ----------------------------------------------------------------------------------


def load_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` map of a stack file, values as YAML gives them (namespaced keys)."""
    document: object = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict):
        raise ConfigError(str(path), "a stack file must be a mapping with a 'config' key")
    config: object = cast("dict[str, object]", document).get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: config", "must be a mapping")
    return {str(k): v for k, v in cast("dict[object, object]", config).items()}


def from_pulumi() -> Settings:
    """Settings from the running program's stack configuration (as the Pulumi engine passes it)."""
    from pulumi.runtime import config as runtime_config

    raw: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return parse(raw, base_dir=Path(__file__).resolve().parents[2])


def _decode(key: str, value: Any) -> Any:
    # The engine hands structured values to the program as JSON text; YAML gives them parsed.
    if key.split(":", 1)[1] in OBJECT_KEYS and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ConfigError(key, f"is not a valid structured value ({error.msg})") from None
    return value


def parse(config: Mapping[str, Any], *, base_dir: Path) -> Settings:
    """Validate a stack's config map (namespaced keys) into `Settings`; raise `ConfigError`.

    `base_dir` is where relative file paths in the configuration (OpenAPI documents) start.
    """
    ours = {k: _decode(k, v) for k, v in config.items() if k.startswith(f"{NAMESPACE}:")}
    for key in ours:
        if key.split(":", 1)[1] not in (*SCALAR_KEYS, *OBJECT_KEYS):
            Node(None, key).fail(
                f"unknown key; allowed: {', '.join(f'{NAMESPACE}:{k}' for k in (*SCALAR_KEYS, *OBJECT_KEYS))}"
            )

    def node(key: str) -> Node:
        return Node(ours.get(f"{NAMESPACE}:{key}"), f"{NAMESPACE}:{key}")

    cloud_node = node("cloud")
    cloud = CLOUDS[cloud_node.choice(tuple(CLOUDS))] if cloud_node.value is not None else CLOUDS["global"]
    tenant_id = node("tenantId").string(pattern=GUID, hint="the tenant ID must be a GUID").lower()
    _check_providers(config, cloud, tenant_id)

    default_location = config.get("azure-native:location")
    # Application Administrator is a broad role: assigned by default only where APIM registers apps.
    needs_role = _mentions_apim_managed(node("products").value)
    apim = _apim(
        node("apim"), default_location if isinstance(default_location, str) else None, needs_role=needs_role
    )
    backend = _backend(node("backend"), tenant_id)
    apis = _apis(node("apis"), backend, base_dir)
    products = _products(node("products"), apim, apis, backend)
    _check_policy_layers(apis, products)
    _check_product_sharing(products)
    clients = _clients(node("clients"), products, backend)
    _check_azure_ad_token_clients(products, apis, clients)
    return Settings(cloud, tenant_id, apim, apis, backend, products, clients)


def _check_providers(config: Mapping[str, Any], cloud: Cloud, tenant_id: str) -> None:
    # A provider pointed at another cloud or tenant would deploy policies that reject every token.
    expected = {
        "azuread:environment": cloud.azuread_environment,
        "azure-native:environment": cloud.azure_native_environment,
        "azuread:tenantId": tenant_id,
        "azure-native:tenantId": tenant_id,
    }
    for key, want in expected.items():
        value = config.get(key)
        if value is not None and str(value).lower() != want:
            Node(value, key).fail(f"is {value!r} but {NAMESPACE}:cloud/tenantId need {want!r}")


def _apim(node: Node, default_location: str | None, *, needs_role: bool) -> ApimSettings:
    """`needs_role`: an apim-managed product exists, so APIM's identity must register Entra apps."""
    f = node.mapping(
        required=("name", "resourceGroup", "sku", "publisherName", "publisherEmail"),
        optional=(
            "location",
            "capacity",
            "createResourceGroup",
            "protect",
            "assignApplicationAdministrator",
            "users",
        ),
    )
    sku = f["sku"].choice(SKUS)
    capacity = (
        f["capacity"].integer(minimum=0, maximum=31)
        if "capacity" in f
        else (0 if sku == "Consumption" else 1)
    )
    if sku == "Consumption" and capacity != 0:
        f["capacity"].fail("must be 0 for the Consumption SKU")
    if sku == "Developer" and capacity != 1:
        f["capacity"].fail("must be 1 for the Developer SKU")
    if sku != "Consumption" and capacity < 1:
        f["capacity"].fail(f"must be at least 1 for the {sku} SKU")
    if "location" in f:
        location = f["location"].string(pattern=r"[a-z0-9]+", hint="an Azure region name such as westeurope")
    elif default_location:
        location = default_location
    else:
        f["location"].fail("is required (or set azure-native:location)")
    users: list[ApimUserSettings] = []
    user_nodes: list[tuple[Node, str]] = []
    if "users" in f:
        for item in f["users"].items():
            u = item.mapping(required=("id", "email", "firstName", "lastName"))
            users.append(
                ApimUserSettings(
                    id=u["id"].string(pattern=SLUG, hint=SLUG_HINT),
                    email=u["email"].string(pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+", hint="an email address"),
                    first_name=u["firstName"].string(max_length=100),
                    last_name=u["lastName"].string(max_length=100),
                )
            )
            user_nodes.append((u["id"], users[-1].id))
    unique(user_nodes, "user id")
    return ApimSettings(
        name=f["name"].string(
            pattern=r"[a-zA-Z](?:[a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?",
            hint="1-50 letters, digits and '-', starting with a letter (it becomes a DNS name)",
        ),
        resource_group=f["resourceGroup"].string(
            pattern=r"[-\w._()]{1,90}", hint="an Azure resource group name"
        ),
        create_resource_group=_flag(f, "createResourceGroup", default=True),
        location=location,
        sku=sku,
        capacity=capacity,
        publisher_name=f["publisherName"].string(max_length=100),
        publisher_email=f["publisherEmail"].string(
            pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+", hint="an email address"
        ),
        protect=_flag(f, "protect", default=False),
        assign_application_administrator=_flag(f, "assignApplicationAdministrator", default=needs_role),
        users=tuple(users),
    )


def _flag(f: Fields, key: str, *, default: bool) -> bool:
    return f[key].boolean() if key in f else default


def _permission_value(node: Node) -> str:
    value = node.string(pattern=PERMISSION_VALUE, hint=PERMISSION_HINT, max_length=120)
    if problem := policy_value_problem(value):
        node.fail(f"{value!r} {problem}")
    return value


def _backend(node: Node, tenant_id: str) -> BackendSettings:
    f = node.mapping(
        required=("displayName",),
        optional=("identifierUri", "tokenVersion", "appRoleAssignmentRequired", "scopes", "appRoles"),
    )
    identifier_uri = None
    if "identifierUri" in f:
        uri_node = f["identifierUri"]
        identifier_uri = uri_node.string(max_length=255)
        # Entra's secure default (reference 7): a new URI must carry the tenant ID, the app ID or a verified
        # domain. The app ID is unknown until deployment, so a configured api:// URI must carry the tenant.
        tenant_form = re.fullmatch(
            rf"api://{re.escape(tenant_id)}/[A-Za-z0-9._~\-/]+", identifier_uri, re.IGNORECASE
        )
        domain_form = re.fullmatch(
            r"https://[a-z0-9.-]+\.[a-z]{2,}/[A-Za-z0-9._~\-/]+", identifier_uri, re.IGNORECASE
        )
        if not (tenant_form or domain_form):
            uri_node.fail(
                f"{identifier_uri!r} is not an App ID URI Entra accepts: use api://{{tenantId}}/{{name}} or "
                "https://{verified-domain}/{name}, or leave it out for api://{client-id}"
            )
        if problem := policy_value_problem(identifier_uri):
            uri_node.fail(problem)
    token_version: TokenVersion = f["tokenVersion"].choice((1, 2)) if "tokenVersion" in f else 2

    scopes: list[ScopeSettings] = []
    if "scopes" in f:
        for item in f["scopes"].items():
            s = item.mapping(
                required=("value", "adminConsentDisplayName", "adminConsentDescription"),
                optional=("userConsentDisplayName", "userConsentDescription", "type", "enabled"),
            )
            scopes.append(
                ScopeSettings(
                    value=_permission_value(s["value"]),
                    admin_consent_display_name=s["adminConsentDisplayName"].string(),
                    admin_consent_description=s["adminConsentDescription"].string(max_length=1024),
                    user_consent_display_name=s["userConsentDisplayName"].string()
                    if "userConsentDisplayName" in s
                    else None,
                    user_consent_description=(
                        s["userConsentDescription"].string(max_length=1024)
                        if "userConsentDescription" in s
                        else None
                    ),
                    type=s["type"].choice(("Admin", "User")) if "type" in s else "Admin",
                    enabled=_flag(s, "enabled", default=True),
                )
            )
    roles: list[AppRoleSettings] = []
    if "appRoles" in f:
        for item in f["appRoles"].items():
            r = item.mapping(
                required=("value", "displayName", "description"), optional=("allowedMemberTypes", "enabled")
            )
            members: tuple[MemberType, ...] = ("Application",)
            if "allowedMemberTypes" in r:
                members = tuple(
                    m.choice(("Application", "User")) for m in r["allowedMemberTypes"].items(min_items=1)
                )
                unique([(r["allowedMemberTypes"], m) for m in members], "member type")
            roles.append(
                AppRoleSettings(
                    value=_permission_value(r["value"]),
                    display_name=r["displayName"].string(max_length=120),
                    description=r["description"].string(max_length=1024),
                    allowed_member_types=members,
                    enabled=_flag(r, "enabled", default=True),
                )
            )
    # Scopes and roles share one namespace of values on an app registration.
    value_nodes = [(f["scopes"], s.value) for s in scopes] + [(f["appRoles"], r.value) for r in roles]
    if "scopes" in f:
        unique(
            [
                (Node(s.value, f"{n.path}.value"), s.value)
                for n, s in zip(f["scopes"].items(), scopes, strict=True)
            ],
            "scope value",
        )
    if "appRoles" in f:
        unique(
            [
                (Node(r.value, f"{n.path}.value"), r.value)
                for n, r in zip(f["appRoles"].items(), roles, strict=True)
            ],
            "app role value",
        )
    unique(value_nodes, "permission value (scopes and app roles must differ)")
    return BackendSettings(
        display_name=f["displayName"].string(max_length=120),
        identifier_uri=identifier_uri,
        token_version=token_version,
        # Without it Entra issues app-only tokens with no `roles` to any client in the tenant (reference 5).
        app_role_assignment_required=_flag(f, "appRoleAssignmentRequired", default=bool(roles)),
        scopes=tuple(scopes),
        app_roles=tuple(roles),
    )


def _requirements(
    f: Fields, backend: BackendSettings, *, default_roles: tuple[str, ...] = (), own_role: str | None = None
) -> TokenRequirements:
    """Token requirements from a mapping's `validator`, `callers`, `roles`, `scopes` ... keys."""
    callers: Callers = f["callers"].choice(("application", "delegated")) if "callers" in f else "application"
    roles: tuple[str, ...] = default_roles
    if "roles" in f:
        if own_role is not None:
            f["roles"].fail(
                f"a product with its own Entra app requires its role {own_role!r}; set audience: backend to require backend roles"
            )
        role_items = list(f["roles"].items(min_items=1))
        roles = tuple(_permission_value(n) for n in role_items)
        unique(list(zip(role_items, roles, strict=True)), "role")
        for n, value in zip(role_items, roles, strict=True):
            role = backend.role(value)
            if role is None:
                n.fail(f"the backend app defines no app role {value!r}")
            wanted = "Application" if callers == "application" else "User"
            if wanted not in role.allowed_member_types:
                n.fail(
                    f"app role {value!r} cannot be held by {callers} callers (allowedMemberTypes lacks {wanted})"
                )
    scopes: tuple[str, ...] = ()
    if "scopes" in f:
        if callers == "application":
            f["scopes"].fail(
                "client-credentials callers carry 'roles', never 'scp': requiring scopes would reject every one "
                "of them; require roles, or set callers: delegated"
            )
        scope_items = list(f["scopes"].items(min_items=1))
        scopes = tuple(_permission_value(n) for n in scope_items)
        unique(list(zip(scope_items, scopes, strict=True)), "scope")
        for n, value in zip(scope_items, scopes, strict=True):
            if backend.scope(value) is None:
                n.fail(f"the backend app defines no scope {value!r}")
    return TokenRequirements(
        validator=f["validator"].choice(("validate-jwt", "validate-azure-ad-token"))
        if "validator" in f
        else "validate-jwt",
        callers=callers,
        roles=roles,
        roles_match=f["rolesMatch"].choice(("any", "all")) if "rolesMatch" in f else "any",
        scopes=scopes,
        scopes_match=f["scopesMatch"].choice(("any", "all")) if "scopesMatch" in f else "any",
        clock_skew_seconds=f["clockSkewSeconds"].integer(minimum=0, maximum=300)
        if "clockSkewSeconds" in f
        else 60,
    )


# A plain API (no OpenAPI document) gets one catch-all operation per method: APIM answers 404 to a
# request that matches no operation.
WILDCARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def wildcard_operation_id(method: str) -> str:
    """The ID of a plain API's catch-all operation for `method` (e.g. `post-all`)."""
    return f"{method.lower()}-all"


REQUIREMENT_KEYS = (
    "validator",
    "callers",
    "roles",
    "rolesMatch",
    "scopes",
    "scopesMatch",
    "clockSkewSeconds",
)


def _apis(node: Node, backend: BackendSettings, base_dir: Path) -> tuple[ApiSettings, ...]:
    apis: list[ApiSettings] = []
    names: list[tuple[Node, str]] = []
    paths: list[tuple[Node, str]] = []
    for item in node.items(min_items=1):
        f = item.mapping(
            required=("name", "displayName", "path", "serviceUrl"), optional=("openApi", "oauth")
        )
        name = f["name"].string(pattern=SLUG, hint=SLUG_HINT)
        path = f["path"].string(
            pattern=r"[A-Za-z0-9][A-Za-z0-9._~-]*(?:/[A-Za-z0-9._~-]+)*",
            hint="a URL path without leading or trailing '/', e.g. echo or partners/v1",
        )
        names.append((f["name"], name))
        paths.append((f["path"], path))
        openapi_file, openapi_text = None, None
        operation_ids = tuple(wildcard_operation_id(m) for m in WILDCARD_METHODS)
        if "openApi" in f:
            openapi_file, openapi_text, operation_ids = _openapi(f["openApi"], base_dir)
        requirements, operations = None, ()
        if "oauth" in f:
            o = f["oauth"].mapping(optional=(*REQUIREMENT_KEYS, "operations"))
            # An API-scope policy only when the API itself requires something; `oauth` may hold
            # operation policies alone.
            if "roles" in o or "scopes" in o:
                requirements = _requirements(o, backend)
            else:
                for k in REQUIREMENT_KEYS:
                    if k in o:
                        o[k].fail(
                            "applies with roles or scopes at this level; set it on the operations instead"
                        )
            if "operations" in o:
                ops: list[OperationSettings] = []
                for op_item in o["operations"].items(min_items=1):
                    op = op_item.mapping(required=("operationId",), optional=REQUIREMENT_KEYS)
                    op_id = op["operationId"].string(
                        pattern=r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}",
                        hint="name an operationId of letters, digits, '-' and '_' (APIM renames others on import)",
                    )
                    if op_id not in operation_ids:
                        known = ", ".join(operation_ids)
                        op["operationId"].fail(f"the API has no operation {op_id!r} (operations: {known})")
                    op_requirements = _requirements(op, backend)
                    if not op_requirements.roles and not op_requirements.scopes:
                        op_item.fail(
                            "requires no role or scope: name the roles or scopes the operation needs"
                        )
                    ops.append(OperationSettings(op_id, op_requirements))
                unique(
                    [(n, o.operation_id) for n, o in zip(o["operations"].items(), ops, strict=True)],
                    "operation",
                )
                operations = tuple(ops)
        apis.append(
            ApiSettings(
                name=name,
                display_name=f["displayName"].string(max_length=300),
                path=path,
                service_url=f["serviceUrl"].string(
                    pattern=r"https://[^\s/$.?#][^\s]*", hint="an https:// URL"
                ),
                openapi_file=openapi_file,
                openapi_text=openapi_text,
                operation_ids=operation_ids,
                requirements=requirements,
                operations=operations,
            )
        )
    unique(names, "API name")
    unique(paths, "API path", fold_case=True)
    return tuple(apis)


def _openapi(node: Node, base_dir: Path) -> tuple[Path, str, tuple[str, ...]]:
    relative = node.string()
    file = (base_dir / relative).resolve()
    if not file.is_file():
        node.fail(f"file {relative!r} does not exist (paths start at the project directory)")
    text = file.read_text(encoding="utf-8")
    try:
        document: object = yaml.safe_load(text)
    except yaml.YAMLError as error:
        node.fail(f"{relative!r} does not parse as YAML or JSON: {str(error).splitlines()[0]}")
    if not isinstance(document, dict) or not (
        {"openapi", "swagger"} & set(cast("dict[str, object]", document))
    ):
        node.fail(f"{relative!r} is not an OpenAPI document (no 'openapi' or 'swagger' key)")
    operation_ids: list[str] = []
    paths: object = cast("dict[str, object]", document).get("paths") or {}
    for operations in cast("dict[str, object]", paths).values() if isinstance(paths, dict) else ():
        for operation in (
            cast("dict[str, object]", operations).values() if isinstance(operations, dict) else ()
        ):
            op_id = (
                cast("dict[str, object]", operation).get("operationId")
                if isinstance(operation, dict)
                else None
            )
            if isinstance(op_id, str):
                operation_ids.append(op_id)
    return file, text, tuple(operation_ids)


def _products(
    node: Node, apim: ApimSettings, apis: tuple[ApiSettings, ...], backend: BackendSettings
) -> tuple[ProductSettings, ...]:
    products: list[ProductSettings] = []
    names: list[tuple[Node, str]] = []
    api_names = {a.name for a in apis}
    user_ids = {u.id for u in apim.users}
    for item in node.items(min_items=1):
        f = item.mapping(
            required=("name", "displayName", "apis", "oauth"),
            optional=("description", "published", "subscriptionKey"),
        )
        name = f["name"].string(pattern=SLUG, hint=SLUG_HINT)
        names.append((f["name"], name))
        api_items = list(f["apis"].items(min_items=1))
        product_apis = tuple(n.string() for n in api_items)
        for n, api in zip(api_items, product_apis, strict=True):
            if api not in api_names:
                n.fail(f"no API named {api!r} (APIs: {', '.join(sorted(api_names))})")
        unique(list(zip(api_items, product_apis, strict=True)), "API")
        o = f["oauth"].mapping(required=("mode",), optional=("audience", "owner", *REQUIREMENT_KEYS))
        mode: Mode = o["mode"].choice(("entra-app", "apim-managed"))
        audience: Audience = "product"
        requirements, owner = None, None
        probe = ProductSettings(name, "", "", True, (), False, mode, "product", None, None)
        if mode == "apim-managed":
            if apim.sku not in APPLICATION_ACCESS_SKUS:
                o["mode"].fail(
                    f"application-based access is not available on the {apim.sku} SKU "
                    f"(only {', '.join(sorted(APPLICATION_ACCESS_SKUS))})"
                )
            for key in ("audience", *REQUIREMENT_KEYS):
                if key in o:
                    o[key].fail(
                        "applies to entra-app mode only: APIM registers the apps of apim-managed products"
                    )
            if "owner" not in o:
                o["owner"].fail(
                    "is required for apim-managed products: the APIM user that owns their client applications"
                )
            owner = o["owner"].string()
            if owner not in user_ids:
                o["owner"].fail(f"no APIM user {owner!r} in apim-oauth:apim.users")
        else:
            if "owner" in o:
                o["owner"].fail("applies to apim-managed mode only")
            audience = o["audience"].choice(("product", "backend")) if "audience" in o else "product"
            if audience == "product":
                if "scopes" in o:
                    o["scopes"].fail(
                        "a product's own Entra app has no scopes; set audience: backend to require backend scopes"
                    )
                requirements = _requirements(
                    o, backend, default_roles=(probe.role_value,), own_role=probe.role_value
                )
                if requirements.callers != "application":
                    o["callers"].fail(
                        "a product's own Entra app has only an application role; set audience: backend for delegated callers"
                    )
            else:
                requirements = _requirements(o, backend)
            if not requirements.roles and not requirements.scopes:
                item.fail(
                    "requires no role or scope: any app in the tenant could get a token; name roles or scopes"
                )
        if mode == "entra-app" and "subscriptionKey" in f and f["subscriptionKey"].boolean():
            # An entra-app product is "open" (its policy demands the token), and an open product has
            # no subscriptions of its own: a key could only come from an API- or service-scoped
            # subscription, which runs outside the product and skips its policy anyway.
            f["subscriptionKey"].fail(
                "an entra-app product cannot accept its own subscription keys (it is an open product, which has "
                "none); for a product that takes a key or a token, use mode: apim-managed"
            )
        products.append(
            ProductSettings(
                name=name,
                display_name=f["displayName"].string(max_length=300),
                description=f["description"].string(max_length=1000) if "description" in f else "",
                published=_flag(f, "published", default=True),
                apis=product_apis,
                subscription_key=_flag(f, "subscriptionKey", default=False),
                mode=mode,
                audience=audience,
                requirements=requirements,
                owner=owner,
            )
        )
    unique(names, "product name")
    return tuple(products)


def _clients(
    node: Node, products: tuple[ProductSettings, ...], backend: BackendSettings
) -> tuple[ClientSettings, ...]:
    clients: list[ClientSettings] = []
    names: list[tuple[Node, str]] = []
    by_name = {p.name: p for p in products}
    if node.value is None:
        return ()
    for item in node.items():
        f = item.mapping(
            required=("name", "displayName"), optional=("products", "roles", "scopes", "secret", "owner")
        )
        name = f["name"].string(pattern=SLUG, hint=SLUG_HINT)
        names.append((f["name"], name))
        product_items = list(f["products"].items()) if "products" in f else []
        client_products = tuple(n.string() for n in product_items)
        for n, product in zip(product_items, client_products, strict=True):
            if product not in by_name:
                n.fail(f"no product named {product!r} (products: {', '.join(sorted(by_name))})")
        unique(list(zip(product_items, client_products, strict=True)), "product")
        modes: set[Mode] = {by_name[p].mode for p in client_products}
        if len(modes) > 1:
            f["products"].fail(
                "mixes entra-app and apim-managed products: APIM registers its own Entra app for apim-managed "
                "clients, so declare two clients"
            )
        mode: Mode = next(iter(modes)) if modes else "entra-app"
        roles: tuple[str, ...] = ()
        scopes: tuple[str, ...] = ()
        secret, owner = None, None
        if mode == "apim-managed":
            for key in ("roles", "scopes", "secret"):
                if key in f:
                    f[key].fail(
                        "applies to clients of entra-app products only: APIM manages apim-managed clients"
                    )
            owners = {by_name[p].owner for p in client_products}
            if "owner" in f:
                owner = f["owner"].string()
                if owner not in {o for p in products for o in [p.owner] if o}:
                    f["owner"].fail(f"no owner {owner!r} among the apim-managed products' owners")
            elif len(owners) == 1:
                owner = owners.pop()
            else:
                f["owner"].fail("is required: the client's products have different owners")
        else:
            if "owner" in f:
                f["owner"].fail("applies to clients of apim-managed products only")
            if "roles" in f:
                role_items = list(f["roles"].items(min_items=1))
                roles = tuple(n.string() for n in role_items)
                for n, value in zip(role_items, roles, strict=True):
                    role = backend.role(value)
                    if role is None:
                        n.fail(f"the backend app defines no app role {value!r}")
                    if "Application" not in role.allowed_member_types:
                        n.fail(f"app role {value!r} cannot be granted to an application (allowedMemberTypes)")
                unique(list(zip(role_items, roles, strict=True)), "role")
            if "scopes" in f:
                scope_items = list(f["scopes"].items(min_items=1))
                scopes = tuple(n.string() for n in scope_items)
                for n, value in zip(scope_items, scopes, strict=True):
                    if backend.scope(value) is None:
                        n.fail(f"the backend app defines no scope {value!r}")
                unique(list(zip(scope_items, scopes, strict=True)), "scope")
            if "secret" in f:
                secret = _secret(f["secret"])
            for product_name in client_products:
                req = by_name[product_name].requirements
                if by_name[product_name].audience != "backend" or req is None or not req.roles:
                    continue
                _check_holds(f, "roles", product_name, roles, req.roles, req.roles_match)
            for product_name in client_products:
                req = by_name[product_name].requirements
                if by_name[product_name].audience == "backend" and req is not None and req.scopes:
                    _check_holds(f, "scopes", product_name, scopes, req.scopes, req.scopes_match)
        clients.append(
            ClientSettings(
                name=name,
                display_name=f["displayName"].string(max_length=120),
                products=client_products,
                mode=mode,
                roles=roles,
                scopes=scopes,
                secret=secret,
                owner=owner,
            )
        )
    unique(names, "client name")
    return tuple(clients)


def _secret(node: Node) -> SecretSettings:
    f = node.mapping(required=("slots",), optional=("validityDays",))
    # Entra's portal offers at most 24 months; tenants may cap lower.
    validity = f["validityDays"].integer(minimum=1, maximum=730) if "validityDays" in f else 180
    slots_node = f["slots"]
    s = slots_node.mapping(optional=("blue", "green"))
    slots: list[SecretSlot] = []
    for slot_name in ("blue", "green"):
        if slot_name in s:
            value = s[slot_name].value
            if isinstance(value, dt.date):  # YAML reads an unquoted date as a date
                rotated = value
            else:
                text = s[slot_name].string(pattern=r"\d{4}-\d{2}-\d{2}", hint="a date such as 2026-11-01")
                try:
                    rotated = dt.date.fromisoformat(text)
                except ValueError:
                    s[slot_name].fail(f"{text!r} is not a calendar date")
            slots.append(SecretSlot(slot_name, rotated))
    if not slots:
        slots_node.fail("must name at least one slot (blue or green) with its rotation date")
    return SecretSettings(validity_days=validity, slots=tuple(slots))


def _check_azure_ad_token_clients(
    products: tuple[ProductSettings, ...], apis: tuple[ApiSettings, ...], clients: tuple[ClientSettings, ...]
) -> None:
    # validate-azure-ad-token admits only the listed client applications (reference 4): with none it
    # would reject every caller.
    for index, product in enumerate(products):
        req = product.requirements
        if (
            req
            and req.validator == "validate-azure-ad-token"
            and not any(product.name in c.products for c in clients)
        ):
            Node(None, f"{NAMESPACE}:products[{index}].oauth.validator").fail(
                "validate-azure-ad-token admits only listed client applications, and no client is linked to this product"
            )
    for index, api in enumerate(apis):
        reqs = [("", api.requirements)] + [
            (f".operations[{i}]", o.requirements) for i, o in enumerate(api.operations)
        ]
        for suffix, req in reqs:
            if (
                req
                and req.validator == "validate-azure-ad-token"
                and not api_clients(api.name, products, clients)
            ):
                Node(None, f"{NAMESPACE}:apis[{index}].oauth{suffix}.validator").fail(
                    "validate-azure-ad-token admits only listed client applications, and no client reaches this API"
                )


def api_clients(
    api: str, products: tuple[ProductSettings, ...], clients: tuple[ClientSettings, ...]
) -> tuple[ClientSettings, ...]:
    """The entra-app clients linked to a product that contains `api`."""
    names = {p.name for p in products if api in p.apis}
    return tuple(c for c in clients if c.mode == "entra-app" and names & set(c.products))


def _check_policy_layers(apis: tuple[ApiSettings, ...], products: tuple[ProductSettings, ...]) -> None:
    # The gateway runs the operation's policy, the API's and the product's in turn (each validator
    # sits before `<base />`, which pulls in the scope above): a token must pass all of them. API and operation policies admit
    # tokens for the backend app, so every product holding such an API must admit the same tokens,
    # from the same kind of caller, or no token passes both.
    for index, api in enumerate(apis):
        layers = ([api.requirements] if api.requirements else []) + [o.requirements for o in api.operations]
        if not layers:
            continue
        for product in (p for p in products if api.name in p.apis):
            if product.mode != "entra-app" or product.audience != "backend":
                admits = "APIM's own app" if product.mode == "apim-managed" else "its own Entra app"
                Node(None, f"{NAMESPACE}:apis[{index}].oauth").fail(
                    f"admits tokens for the backend app, but product {product.name!r} admits tokens for {admits}: "
                    "no token passes both; put the API in products with audience: backend, or drop its oauth"
                )
            assert product.requirements is not None  # entra-app products always have them
            for layer in layers:
                if layer.callers != product.requirements.callers:
                    Node(None, f"{NAMESPACE}:apis[{index}].oauth").fail(
                        f"expects {layer.callers} callers, but product {product.name!r} admits "
                        f"{product.requirements.callers} callers: no token passes both"
                    )


def _check_holds(
    f: Fields, key: str, product: str, held: tuple[str, ...], required: tuple[str, ...], match: Match
) -> None:
    """A client linked to a product must be granted what the product's policy requires."""
    common = set(held) & set(required)
    enough = common == set(required) if match == "all" else bool(common)
    if not enough:
        f[key].fail(
            f"product {product!r} requires {match} of the {key} {', '.join(required)}; "
            "grant them here or the gateway will reject this client"
        )


def _check_product_sharing(products: tuple[ProductSettings, ...]) -> None:
    # APIM accepts an API in only one open product (one that needs no subscription): requests
    # without a key run in that product's context. entra-app products are open (their policy
    # demands the token), and so is an apim-managed product that takes no subscription key. For the
    # same reason a token-only call to an API in both an entra-app and an apim-managed product runs
    # in the entra-app one, whose policy expects another audience.
    open_owner: dict[str, str] = {}
    entra_owner: dict[str, str] = {}
    managed_owner: dict[str, str] = {}
    for index, product in enumerate(products):
        for api_index, api in enumerate(product.apis):
            where = Node(None, f"{NAMESPACE}:products[{index}].apis[{api_index}]")
            if product.open and api in open_owner:
                where.fail(
                    f"API {api!r} is already in product {open_owner[api]!r}: APIM puts an API in only one product "
                    "that needs no subscription key (entra-app products, and apim-managed ones without subscriptionKey)"
                )
            other = managed_owner.get(api) if product.mode == "entra-app" else entra_owner.get(api)
            if other is not None:
                where.fail(
                    f"API {api!r} is also in product {other!r}: a token-only call would run in the entra-app product, "
                    "whose policy expects tokens for another app; give the apim-managed product its own APIs"
                )
            if product.open:
                open_owner[api] = product.name
            (entra_owner if product.mode == "entra-app" else managed_owner)[api] = product.name


def _mentions_apim_managed(products: object) -> bool:
    """Whether any product asks for apim-managed mode (read before products are validated)."""
    if not isinstance(products, list):
        return False
    for product in cast("list[object]", products):
        oauth = cast("dict[str, object]", product).get("oauth") if isinstance(product, dict) else None
        if isinstance(oauth, dict) and cast("dict[str, object]", oauth).get("mode") == "apim-managed":
            return True
    return False
