"""A stack's policies and identities as the plan renders them, for `check-token --stack`.

The plan (tools.plan: the real program under the offline engine) is the one source: the policy
documents are the `value` of the ProductPolicy, ApiPolicy and ApiOperationPolicy resources it
registers, the links between products and APIs are its ProductApiLink resources, and the stack
outputs (contract: docs/configuration.md, stack outputs) name each product's audience and scope and each client's ID.
Nothing is written to disk first.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from apim_oauth.azure.operations import normalize
from tools.check_token.claims import listing, strings
from tools.check_token.policy import Policy, ValidateAzureAdToken
from tools.policy_xml.document import elements, find_validators, read_document

if TYPE_CHECKING:  # the plan needs the Pulumi SDKs, which a file-based check never loads
    from tools.plan.model import Plan


class StackError(Exception):
    """The stack, product, API or operation asked about does not exist, or its configuration is bad
    (`config`: printed as the contract's `config error: <key path>: <what is wrong>`); exit 2."""

    def __init__(self, message: str, *, config: bool = False) -> None:
        super().__init__(message)
        self.config = config


@dataclass(frozen=True)
class Scope:
    """One policy on a request's path: where it is attached and its document."""

    label: str
    document: str


@dataclass
class StackView:
    name: str
    outputs: dict[str, Any]
    product_policies: dict[str, str] = field(default_factory=lambda: dict[str, str]())
    api_policies: dict[str, str] = field(default_factory=lambda: dict[str, str]())
    operation_policies: dict[tuple[str, str], str] = field(
        default_factory=lambda: dict[tuple[str, str], str]()
    )
    api_products: dict[str, list[str]] = field(default_factory=lambda: dict[str, list[str]]())
    apis: set[str] = field(default_factory=lambda: set[str]())
    operations: set[tuple[str, str]] = field(default_factory=lambda: set[tuple[str, str]]())
    key_alternative: set[str] = field(default_factory=lambda: set[str]())
    """Products that also take a subscription key instead of a token (`authenticationType`)."""

    @property
    def products(self) -> dict[str, dict[str, Any]]:
        return cast("dict[str, dict[str, Any]]", self.outputs.get("products") or {})

    @property
    def clients(self) -> dict[str, dict[str, Any]]:
        return cast("dict[str, dict[str, Any]]", self.outputs.get("clients") or {})

    @property
    def backend(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self.outputs.get("backend") or {})


def load_stack(name: str, stack_file: Path | None = None) -> StackView:
    """Plan stack `name` offline (from `stack_file`, default stacks/Pulumi.NAME.yaml); a bad
    configuration is a StackError with `config` set (exit 2)."""
    # Imported here: the plan needs the Pulumi SDKs, which a file-based check never loads.
    from apim_oauth.config.errors import ConfigError
    from tools.plan.cache import planned
    from tools.plan.program import STACKS_DIR

    try:
        plan = planned(name, stack_file or STACKS_DIR / f"Pulumi.{name}.yaml")
    except ConfigError as error:
        raise StackError(f"config error: {error}", config=True) from None
    return view_of_plan(name, plan)


def view_of_plan(name: str, plan: Plan) -> StackView:
    """What check-token needs of a stack's plan: its outputs and the policies on each request path."""
    view = StackView(name, dict(plan.outputs))
    for resource in plan.resources:
        kind = resource.type.rsplit(":", 1)[-1]
        inputs: Mapping[str, Any] = resource.inputs
        if kind == "ProductPolicy":
            view.product_policies[str(inputs["productId"])] = str(inputs["value"])
        elif kind == "ApiPolicy":
            view.api_policies[str(inputs["apiId"])] = str(inputs["value"])
        elif kind == "ApiOperationPolicy":
            key = (str(inputs["apiId"]), str(inputs["operationId"]))
            view.operation_policies[key] = str(inputs["value"])
            view.operations.add(key)
        elif kind == "ApiOperation":
            view.operations.add((str(inputs["apiId"]), str(inputs["operationId"])))
        elif kind == "Api" and "apiId" in inputs:
            view.apis.add(str(inputs["apiId"]))
        elif kind == "Deployment":
            view.key_alternative.update(_products_taking_keys(inputs))
        elif kind in ("ProductApiLink", "ProductApi"):
            api = str(inputs["apiId"]).rsplit("/", 1)[-1]  # an ARM ID (link) or a name
            view.api_products.setdefault(api, []).append(str(inputs["productId"]))
    return view


def _products_taking_keys(inputs: Mapping[str, Any]) -> list[str]:
    """The products an ARM deployment's template gives `authenticationType` `subscription-key` beside
    `application-token` (an `apim-managed` product's preview properties)."""
    properties = cast("dict[str, Any]", inputs.get("properties") or {})
    template = cast("dict[str, Any]", properties.get("template") or {})
    found: list[str] = []
    for resource in cast("list[dict[str, Any]]", template.get("resources") or []):
        settings = cast("dict[str, Any]", resource.get("properties") or {})
        kinds = cast("list[str]", settings.get("authenticationType") or [])
        if "subscription-key" in kinds:
            found.append(str(resource.get("name", "")).rsplit("/", 1)[-1])
    return found


def resolve_product(view: StackView, product: str | None, api: str | None) -> str | None:
    """The product a request runs through: the one named, else the only one `api` is in."""
    if api is not None and api not in view.apis:
        raise StackError(f"--api: stack {view.name} has no API {api!r} (it has {listing(sorted(view.apis))})")
    if product is None and api is not None:
        linked = view.api_products.get(api, [])
        if len(linked) > 1:
            raise StackError(f"--api {api} is in products {listing(linked)}: name one with --product")
        product = linked[0] if linked else None
    if product is not None and product not in view.products:
        raise StackError(
            f"--product: stack {view.name} has no product {product!r} (it has {listing(sorted(view.products))})"
        )
    if product is not None and api is not None and product not in view.api_products.get(api, []):
        raise StackError(
            f"API {api} is not in product {product} (it is in {listing(view.api_products.get(api, []))})"
        )
    return product


def request_path(
    view: StackView,
    product: str | None,
    api: str | None,
    operation: str | None,
    *,
    every_policy: bool = False,
) -> list[Scope]:
    """The policies a request runs through, in the gateway's order: each of the project's policies puts
    its validator before `<base />`, so the operation's runs first, then the API's, then the product's.
    `product` is `resolve_product`'s answer. An API's policy that neither checks nor replaces the
    token is left out, unless `every_policy` (the local gateway and `verify` run its cors too)."""
    if operation is not None and api is None:
        raise StackError("--operation needs --api")
    scopes: list[Scope] = []
    if api is not None and operation is not None:
        # APIM names an imported operation by its normalised operationId (`postEcho` -> `postecho`,
        # apim_oauth.azure.operations), the name the plan records: either spelling finds its policy.
        document = view.operation_policies.get((api, operation)) or view.operation_policies.get(
            (api, normalize(operation))
        )
        if document is not None:
            scopes.append(Scope(f"operation {api}/{operation}", document))
    if api is not None and api in view.api_policies and (every_policy or _validates(view.api_policies[api])):
        scopes.append(Scope(f"API {api}", view.api_policies[api]))
    if product is not None and product in view.product_policies:
        scopes.append(Scope(f"product {product}", view.product_policies[product]))
    return scopes


def _validates(document: str) -> bool:
    """Whether a policy checks or replaces the token at all: an API's policy may hold only its
    `cors`, which a request passes whatever its token (docs/cors.md)."""
    read = read_document(document, lenient=True)
    if read is None:
        return True
    return bool(find_validators(read.root) or elements(read.root, "authentication-managed-identity"))


def operation_note(view: StackView, api: str | None, operation: str | None) -> str | None:
    """Operations imported from OpenAPI are not resources of the plan: an unknown one may exist."""
    if api is None or operation is None or (api, operation) in view.operations:
        return None
    return (
        f"operation {api}/{operation} has no policy in the plan (operations imported from OpenAPI are not "
        "listed, so it may exist): only the API's and the product's policies were checked"
    )


def _same(left: str, right: str) -> bool:
    try:
        return uuid.UUID(left) == uuid.UUID(right)
    except ValueError:
        return left == right


def identify(view: StackView, claims: Mapping[str, object]) -> tuple[list[str], bool]:
    """Which product and client a token's audience and caller belong to; True when both are known."""
    lines: list[str] = []
    audiences = strings(claims["aud"]) if "aud" in claims else ()
    caller_claim = "azp" if "azp" in claims else "appid"
    callers = strings(claims[caller_claim]) if caller_claim in claims else ()
    products = [
        name
        for name, info in sorted(view.products.items())
        if any(
            _same(aud, str(info.get("audience"))) or aud == f"api://{info.get('audience')}"
            for aud in audiences
        )
    ]
    backend = view.backend
    for name in products:
        info = view.products[name]
        lines.append(
            f"audience {listing(audiences)}: product {name} ({info.get('mode')}; scope {info.get('scope')})"
        )
    if not products and any(
        _same(aud, str(backend.get("clientId"))) or aud == backend.get("appIdUri") for aud in audiences
    ):
        lines.append(
            f"audience {listing(audiences)}: the backend API (delegated scopes {listing(backend.get('scopes') or [])})"
        )
        products = ["(backend)"]
    if not products:
        lines.append(f"audience {listing(audiences)}: no product or API of stack {view.name}")
    clients = [
        name
        for name, info in sorted(view.clients.items())
        if any(_same(caller, str(info.get("clientId"))) for caller in callers)
    ]
    for name in clients:
        lines.append(
            f"caller {listing(callers)} ({caller_claim}): client {name} ({caller_kind(view.clients[name])}), "
            f"granted {listing(view.clients[name].get('products') or [])}"
        )
    gateway = _gateway_calls(view, claims.get("oid"))
    if not clients and gateway:
        # The token the gateway obtains with its managed identity for an onward call (stack output onward).
        lines.append(
            f"caller {claims.get('oid')} (oid): the API Management gateway's managed identity, which gets such "
            f"tokens for the backends of {listing(gateway)} (onward authentication), not a caller of the gateway"
        )
        clients = ["(gateway)"]
    if not clients:
        lines.append(f"caller {listing(callers)} ({caller_claim}): no client of stack {view.name}")
    tenant = claims.get("tid")
    if isinstance(tenant, str) and not _same(tenant, str(view.outputs.get("tenantId"))):
        lines.append(f"tenant {tenant}: not the stack's tenant {view.outputs.get('tenantId')}")
    return lines, bool(products) and bool(clients)


CALLER_KINDS = {
    "secret": "a client secret",
    "federated": "federated credentials, no secret",
    "certificate": "a certificate, no secret",
    "managedIdentity": "a managed identity, no app registration",
    "none": "no credential: it signs users in",
}
"""How each kind of client proves itself to Entra, as the explanation says it."""


def caller_note(view: StackView, claims: Mapping[str, Any]) -> str | None:
    """Which of the stack's clients the token's `azp`/`appid` names, and how that client proves itself."""
    caller = str(claims.get("azp") or claims.get("appid") or "")
    for name, info in sorted(view.clients.items()):
        if caller and _same(caller, str(info.get("clientId"))):
            return f"caller: client {name} ({caller_kind(info)})"
    return None


def caller_kind(info: dict[str, Any]) -> str:
    """How the stack's client `info` (its `clients` output) proves itself, in words."""
    kind = str(info.get("credential") or "")
    return CALLER_KINDS.get(kind, "credential not recorded in this plan")


def _gateway_calls(view: StackView, oid: object) -> list[str]:
    """The APIs whose backend the gateway calls with the identity `oid` (empty: not the gateway's)."""
    onward = cast("dict[str, dict[str, Any]]", view.outputs.get("onward") or {})
    return sorted(
        api
        for api, info in onward.items()
        if isinstance(oid, str) and _same(oid, str(info.get("gatewayObjectId")))
    )


def scope_to_request(view: StackView, policy: Policy) -> list[str]:
    """The scopes a client must request for a token this policy accepts (from the plan's outputs):
    the delegated scopes the policy's `scp` rule names, else the `.default` scope of its audience."""
    audiences = list(policy.audiences or ())
    if isinstance(policy, ValidateAzureAdToken):
        audiences += policy.backend_application_ids
    backend = view.backend
    scp_values = [value for rule in policy.required_claims if rule.name == "scp" for value in rule.values]
    found: list[str] = []
    for audience in audiences:
        if _same(audience, str(backend.get("clientId"))) or audience == backend.get("appIdUri"):
            if scp_values:
                found += [f"{backend.get('appIdUri')}/{value}" for value in scp_values]
            else:
                found.append(f"{backend.get('appIdUri')}/.default")
            continue
        for info in view.products.values():
            if _same(audience, str(info.get("audience"))):
                found.append(str(info.get("scope")))
    return list(dict.fromkeys(found))
