"""The offline engine: runs a Pulumi program in-process under the SDK's mocks and records it.

Every ID and fabricated output is derived from the resource's type and name (uuid5), never from a
random source or the clock, so the same configuration gives a byte-identical plan on any day. The
`Mocks` interface does not see parents, dependencies or aliases; the mock monitor's
`RegisterResource` request does (reference, section 2), so a monitor subclass records them.
"""

from __future__ import annotations

import gc
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import alias_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await  # pyright: ignore[reportPrivateUsage]

from apim_oauth.azure.clouds import Cloud

SECRET = "[secret]"
_NAMESPACE = uuid.UUID("6f1f7c3e-2a8b-5d4e-9c0a-7b1e3d5f9a2c")
OFFLINE_SUBSCRIPTION_ID = str(uuid.uuid5(_NAMESPACE, "subscription"))
# The identity that runs `pulumi up`; the getClientConfig invokes answer with it.
DEPLOYER_CLIENT_ID = str(uuid.uuid5(_NAMESPACE, "deployer-client"))
DEPLOYER_OBJECT_ID = str(uuid.uuid5(_NAMESPACE, "deployer-object"))


def stable_guid(*parts: str) -> str:
    """A GUID that depends only on `parts`."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class RecordedAlias:
    """One alias a resource declared, as the SDK sent it to the engine (an `alias_pb2.Alias`).

    Either a full `urn`, or a spec whose empty fields mean "as the resource is now"; the
    provider SDKs declare specs naming only an older `type` (one per API version).
    """

    urn: str = ""
    name: str = ""
    type: str = ""
    stack: str = ""
    project: str = ""
    parent_urn: str = ""
    no_parent: bool = False


def _alias(message: alias_pb2.Alias) -> RecordedAlias:
    if message.WhichOneof("alias") == "urn":
        return RecordedAlias(urn=message.urn)
    spec = message.spec
    return RecordedAlias(
        name=spec.name,
        type=spec.type,
        stack=spec.stack,
        project=spec.project,
        parent_urn=spec.parentUrn,
        no_parent=spec.noParent,
    )


@dataclass
class RecordedResource:
    """One registered resource as the engine saw it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str]
    protect: bool = False
    secret_outputs: frozenset[str] = frozenset()
    aliases: tuple[RecordedAlias, ...] = ()
    """What the resource declared it was once (in the order declared); not part of the plan JSON."""


@dataclass
class Plan:
    """What a program would deploy: its resources, in registration order, and its stack outputs."""

    resources: list[RecordedResource] = field(default_factory=list[RecordedResource])
    outputs: dict[str, Any] = field(default_factory=dict[str, Any])
    invokes: list[str] = field(default_factory=list[str])
    """The token of each invoke the engine answered, in order; not part of the plan JSON."""

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def _sanitize(value: Any) -> Any:
    """Plain JSON data, with every secret replaced by the `[secret]` marker."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, pulumi.Resource):
        return "[resource]"
    if isinstance(value, Mapping):
        return {str(k): _sanitize(v) for k, v in value.items() if not str(k).startswith("__")}  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
    if isinstance(value, list | tuple):
        return [_sanitize(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class OfflineMocks(pulumi.runtime.Mocks):
    """Deterministic IDs and outputs; answers the invokes the program makes."""

    def __init__(self, *, tenant_id: str, cloud: Cloud) -> None:
        self.tenant_id = tenant_id
        self.cloud = cloud
        self.calls: list[str] = []
        """The token of each invoke answered, in order."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        fabricate = _FABRICATORS.get(args.typ)
        inputs = cast("dict[str, Any]", args.inputs)  # pyright: ignore[reportUnknownMemberType]
        outputs: dict[str, Any] = dict(inputs)
        # Mocks do no auto-naming: without a name, `resource.name` would resolve to None.
        if args.typ.startswith("azure-native:"):
            outputs["name"] = azure_name(args.typ, args.name, inputs)
        else:
            outputs.setdefault("name", args.name)
        if fabricate is not None:
            outputs.update(fabricate(self, args.name, inputs))
        resource_id = outputs.pop("__id", None) or _arm_like_id(args.typ, args.name, inputs)
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        result = self._answer(args)
        self.calls.append(args.token)
        return result

    def _answer(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token in (
            "azuread:index/getClientConfig:getClientConfig",
            "azure-native:authorization:getClientConfig",
        ):
            config = {
                "clientId": DEPLOYER_CLIENT_ID,
                "objectId": DEPLOYER_OBJECT_ID,
                "tenantId": self.tenant_id,
                "subscriptionId": OFFLINE_SUBSCRIPTION_ID,
            }
            # The SDK wants a list of failures here, not None (reference 2: mock gotchas).
            return config, []
        if args.token == "azure-native:apimanagement:listClientApplicationSecrets":
            call_args = cast("dict[str, Any]", args.args)  # pyright: ignore[reportUnknownMemberType]
            key = str(call_args.get("clientApplicationId", ""))
            return {"entra": {"clientSecret": _fake_secret("apim-client", key), "expiresAt": "offline"}}, []
        raise NotImplementedError(f"the offline engine does not answer the invoke {args.token}")


def _fake_secret(*parts: str) -> str:
    return "offline-" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]


# azure-native type -> (input that names the Azure resource, ARM path below the resource group).
_APIM = "providers/Microsoft.ApiManagement/service/{serviceName}"
_ARM_PATHS: dict[str, tuple[str, str]] = {
    "azure-native:apimanagement:ApiManagementService": (
        "serviceName",
        "providers/Microsoft.ApiManagement/service/{name}",
    ),
    "azure-native:apimanagement:Api": ("apiId", _APIM + "/apis/{name}"),
    "azure-native:apimanagement:ApiPolicy": ("policyId", _APIM + "/apis/{apiId}/policies/{name}"),
    "azure-native:apimanagement:ApiOperationPolicy": (
        "policyId",
        _APIM + "/apis/{apiId}/operations/{operationId}/policies/{name}",
    ),
    "azure-native:apimanagement:Product": ("productId", _APIM + "/products/{name}"),
    "azure-native:apimanagement:ProductPolicy": ("policyId", _APIM + "/products/{productId}/policies/{name}"),
    "azure-native:apimanagement:ProductApiLink": (
        "productApiLinkId",
        _APIM + "/products/{productId}/apiLinks/{name}",
    ),
    "azure-native:apimanagement:User": ("userId", _APIM + "/users/{name}"),
    "azure-native:apimanagement:ClientApplication": (
        "clientApplicationId",
        _APIM + "/clientApplications/{name}",
    ),
    "azure-native:apimanagement:ClientApplicationProductLink": (
        "clientApplicationProductLinkId",
        _APIM + "/clientApplications/{clientApplicationId}/productLinks/{name}",
    ),
    "azure-native:resources:Resource": (
        "resourceName",
        "providers/{resourceProviderNamespace}/{parentResourcePath}/{resourceType}/{name}",
    ),
}


def azure_name(type_: str, name: str, inputs: Mapping[str, Any]) -> str:
    """The name Azure gives the resource: its name input, else the Pulumi name (no auto-naming offline)."""
    if type_ == "azure-native:resources:ResourceGroup":
        return str(inputs.get("resourceGroupName") or name)
    key = _ARM_PATHS.get(type_, ("", ""))[0]
    return str(inputs.get(key) or name)


def _arm_like_id(type_: str, name: str, inputs: Mapping[str, Any]) -> str:
    if not type_.startswith("azure-native:"):
        return stable_guid(type_, name)
    subscription = f"/subscriptions/{OFFLINE_SUBSCRIPTION_ID}"
    own_name = azure_name(type_, name, inputs)
    if type_ == "azure-native:resources:ResourceGroup":
        return f"{subscription}/resourceGroups/{own_name}"
    template = _ARM_PATHS.get(type_, ("", "providers/{type}/{name}"))[1]
    values = {k: str(v) for k, v in inputs.items() if isinstance(v, str)}
    values.update(name=own_name, type=type_.split(":", 1)[1])
    path = template.format_map(_Default(values))
    return f"{subscription}/resourceGroups/{inputs.get('resourceGroupName') or 'unknown'}/{path}"


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


def _application(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    del m
    roles = cast("list[dict[str, Any]]", inputs.get("appRoles") or [])
    api = cast("dict[str, Any]", inputs.get("api") or {})
    scopes = cast("list[dict[str, Any]]", api.get("oauth2PermissionScopes") or [])
    client_id = stable_guid("client-id", name)
    return {
        "__id": f"/applications/{stable_guid('object-id', name)}",
        "clientId": client_id,
        "objectId": stable_guid("object-id", name),
        "appRoleIds": {r["value"]: r["id"] for r in roles if "value" in r},
        "oauth2PermissionScopeIds": {s["value"]: s["id"] for s in scopes if "value" in s},
    }


def _service_principal(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    object_id = stable_guid("sp-object-id", name)
    return {"__id": object_id, "objectId": object_id, "applicationTenantId": m.tenant_id}


def _application_password(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    del m, inputs
    key_id = stable_guid("key-id", name)
    return {"keyId": key_id, "value": _fake_secret("password", name)}


def _apim_service(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    service_name = str(inputs.get("serviceName") or name)
    identity = dict(inputs.get("identity") or {})
    if identity:
        identity.update({"principalId": stable_guid("apim-principal", name), "tenantId": m.tenant_id})
    return {"identity": identity, "gatewayUrl": m.cloud.gateway_url(service_name), "name": service_name}


def _apim_client_application(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {"entraApplicationId": stable_guid("apim-client-app", name), "entraTenantId": m.tenant_id}


def _generic_resource(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    # An APIM product with application-token access reports the Entra app APIM made for it.
    del m
    properties = dict(inputs.get("properties") or {})
    if "application-token" in (properties.get("authenticationType") or []):
        app_id = stable_guid("apim-product-app", name)
        properties["application"] = {"entra": {"applicationId": app_id, "audience": app_id}}
    return {"properties": properties}


def _directory_role_assignment(m: OfflineMocks, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    del m, inputs
    return {"__id": stable_guid("role-assignment", name)}


_FABRICATORS: dict[str, Callable[[OfflineMocks, str, Mapping[str, Any]], dict[str, Any]]] = {
    "azuread:index/application:Application": _application,
    "azuread:index/servicePrincipal:ServicePrincipal": _service_principal,
    "azuread:index/applicationPassword:ApplicationPassword": _application_password,
    "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment": _directory_role_assignment,
    "azure-native:apimanagement:ApiManagementService": _apim_service,
    "azure-native:apimanagement:ClientApplication": _apim_client_application,
    "azure-native:resources:Resource": _generic_resource,
}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, also keeping each request's parent, dependencies, aliases and options."""

    def __init__(self, mocks: OfflineMocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        response = super().RegisterResource(request)  # pyright: ignore[reportUnknownMemberType]
        if request.type == "pulumi:pulumi:Stack":
            return response
        self.registrations[response.urn] = {
            "type": request.type,
            "name": request.name,
            "parent": request.parent or None,
            "custom": bool(request.custom),
            "dependencies": sorted(set(request.dependencies)),
            "protect": bool(request.protect),
            "secret_outputs": frozenset(request.additionalSecretOutputs),
            # The mock monitor supports alias specs, so the SDK sends `aliases` (specs or URNs), and
            # `aliasURNs` only to an engine without that feature: record both.
            "aliases": tuple(_alias(a) for a in request.aliases)
            + tuple(RecordedAlias(urn=u) for u in request.aliasURNs),
            "inputs": rpc.deserialize_properties(request.object, keep_unknowns=True),
        }
        return response


def run_program(
    program: Callable[[], None],
    *,
    config: Mapping[str, Any],
    tenant_id: str,
    cloud: Cloud,
    stack: str = "dev",
    project: str = "apim-oauth",
    plan: Plan | None = None,
    preview: bool = False,
) -> Plan:
    """Run `program` under the offline engine with `config` (namespaced keys) and return its plan.

    `preview` runs it as `pulumi preview` would (`pulumi.runtime.is_dry_run()` is true).

    Exceptions the program raises (a `ConfigError`, say) propagate unchanged; `plan`, when given,
    still receives the resources registered before the failure.
    """
    mocks = OfflineMocks(tenant_id=tenant_id, cloud=cloud)
    monitor = RecordingMonitor(mocks)
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    # Structured values reach a real program as JSON text; do the same so parsing is exercised.
    set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v, default=str) for k, v in config.items()},
        secret_keys=[],
    )
    root = runtime_settings.get_root_resource()
    plan = plan if plan is not None else Plan()
    # The cyclic collector is paused while the program runs: the engine (and the SDK, which tracks
    # every Output to the end) keeps every Output, future, task and resource alive until the run
    # ends, so each full collection rescans all of them to free little. Their number grows with the
    # plan and so does the number of full collections: superlinear, 10.7 of 18.4 s (17 full
    # collections) for 100 products and 300 clients (bench/plan_scaling.py). Reference counting
    # still frees most garbage; the cycles the run leaves are collected once, when it is back on.
    collector_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _sync_await(run_pulumi_func(program))
    finally:
        if collector_was_enabled:
            gc.enable()
        # Filled even when the program fails, so a caller can see what was registered before.
        plan.resources.extend(_recorded(monitor))
        plan.invokes.extend(mocks.calls)
    plan.outputs.update(_resolve_outputs(dict(getattr(root, "outputs", {}) or {})))
    return plan


def _recorded(monitor: RecordingMonitor) -> list[RecordedResource]:
    resources: list[RecordedResource] = []
    for urn, reg in monitor.registrations.items():
        state = monitor.resources.get(urn)
        raw_outputs = cast("dict[str, Any]", state.state) if state is not None else {}  # pyright: ignore[reportUnknownMemberType]
        secret_names: frozenset[str] = reg["secret_outputs"]
        outputs = {
            k: (rpc.wrap_rpc_secret(v) if k in secret_names and not rpc.is_rpc_secret(v) else v)  # pyright: ignore[reportUnknownMemberType]
            for k, v in raw_outputs.items()
        }
        parent: str | None = reg["parent"]
        resources.append(
            RecordedResource(
                urn=urn,
                type=reg["type"],
                name=reg["name"],
                parent=None if parent is None or "::pulumi:pulumi:Stack::" in parent else parent,
                custom=reg["custom"],
                inputs=reg["inputs"],
                outputs=outputs,
                dependencies=reg["dependencies"],
                protect=reg["protect"],
                secret_outputs=secret_names,
                aliases=reg["aliases"],
            )
        )
    return resources


def _resolve_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Stack outputs as plain data, secrets wrapped so a printer can hide them."""
    resolved: dict[str, Any] = {}

    async def resolve_all() -> None:
        for name, value in outputs.items():
            resolved[name] = await _resolve(value)

    _sync_await(resolve_all())
    return resolved


async def _resolve(value: Any) -> Any:
    if isinstance(value, pulumi.Output):
        output: pulumi.Output[Any] = value  # pyright: ignore[reportUnknownVariableType]
        inner = await _resolve(await output.future())
        secret = await output.is_secret()
        return rpc.wrap_rpc_secret(inner) if secret and not rpc.is_rpc_secret(inner) else inner  # pyright: ignore[reportUnknownMemberType]
    if isinstance(value, Mapping):
        return {str(k): await _resolve(v) for k, v in value.items()}  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
    if isinstance(value, list | tuple):
        return [await _resolve(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def sanitized(value: Any) -> Any:
    """`value` as printable JSON data: secrets become `[secret]`."""
    return _sanitize(value)
