"""The offline engine: runs a Pulumi program in-process under the SDK's mocks and records it.

The `Mocks` interface does not see parents, dependencies or aliases; the mock monitor's
`RegisterResource` request does (docs/sources.md#the-pulumi-sdks-mocks), so a monitor subclass records them.
Every SDK internal this needs is in tools/plan/sdk.py.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from apim_oauth.azure.clouds import Cloud
from tools.plan import sdk
from tools.plan.mocks import OfflineMocks
from tools.plan.model import Plan, RecordedAlias, RecordedResource
from tools.plan.urns import alias_urn, create_urn, is_provider_version_alias


def _alias(message: sdk.Alias) -> RecordedAlias:
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


class DuplicateUrnError(Exception):
    """Two resources registered under one URN: the real engine stops the deployment with this message."""

    def __init__(self, urn: str) -> None:
        # pulumi/pulumi sdk/go/common/diag/errors.go, GetDuplicateResourceURNError (code 2001).
        super().__init__(f"Duplicate resource URN '{urn}'; try giving it a unique name")
        self.urn = urn


class RecordingMonitor(sdk.MockMonitor):
    """The SDK's mock monitor, also keeping each request's parent, dependencies, aliases and options.

    The SDK's own mock monitor keeps the last of two registrations under one URN; the engine refuses
    the second (`step_generator.go`, `GetDuplicateResourceURNError`), and so does this one.
    """

    def __init__(self, mocks: OfflineMocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, dict[str, Any]] = {}
        self._claimed: set[str] = set()
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives: the parent's whole qualified type (its chain of types), not its last.

        The SDK's mock keeps only the parent's own type; the engine prefixes the parent's qualified
        type unless the parent is the stack (pulumi/pulumi pkg/resource/deploy/deployment.go,
        `generateURN`). Logical names are what users' state is keyed on, so they must be the real ones.
        """
        return create_urn(name, type_, parent or None, pulumi.get_project(), pulumi.get_stack())

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)  # pyright: ignore[reportUnknownMemberType]
        urn = self.make_urn(request.parent, request.type, request.name)
        # The SDK calls the monitor from a thread pool: two registrations of one URN may arrive at once.
        with self._lock:
            if urn in self._claimed:
                raise DuplicateUrnError(urn)
            self._claimed.add(urn)
        response = super().RegisterResource(request)  # pyright: ignore[reportUnknownMemberType]
        parent: str = request.parent
        aliases = tuple(_alias(a) for a in request.aliases) + tuple(
            RecordedAlias(urn=u) for u in request.aliasURNs
        )
        from_inputs = {u for deps in request.propertyDependencies.values() for u in deps.urns}
        self.registrations[urn] = {
            "type": request.type,
            "name": request.name,
            "parent": parent or None,
            "custom": bool(request.custom),
            "dependencies": sorted(set(request.dependencies)),
            "protect": bool(request.protect),
            "secret_outputs": frozenset(request.additionalSecretOutputs),
            # The mock monitor supports alias specs, so the SDK sends `aliases` (specs or URNs), and
            # `aliasURNs` only to an engine without that feature: record both.
            "aliases": aliases,
            "alias_urns": tuple(
                dict.fromkeys(
                    alias_urn(a, urn=urn, parent=parent or None)
                    for a in aliases
                    if not is_provider_version_alias(a, request.type)
                )
            ),
            "retain_on_delete": bool(request.retainOnDelete),
            "delete_before_replace": bool(request.deleteBeforeReplace),
            "ignore_changes": tuple(request.ignoreChanges),
            "replace_on_changes": tuple(request.replaceOnChanges),
            # The request merges `dependsOn` into `dependencies`; what no input carries was asked for.
            "depends_on": tuple(sorted(set(request.dependencies) - from_inputs)),
            "inputs": sdk.deserialize_properties(request.object),
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
    sdk.reset_root()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    # Structured values reach a real program as JSON text; do the same so parsing is exercised.
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v, default=str) for k, v in config.items()},
        secret_keys=[],
    )
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
        sdk.run_to_completion(program)
    except BaseException:
        sdk.forget_failed_run()
        raise
    finally:
        if collector_was_enabled:
            gc.enable()
        # Filled even when the program fails, so a caller can see what was registered before.
        plan.resources.extend(_recorded(monitor))
        plan.invokes.extend(mocks.calls)
    plan.outputs.update(_resolve_outputs(sdk.stack_outputs()))
    return plan


def _recorded(monitor: RecordingMonitor) -> list[RecordedResource]:
    resources: list[RecordedResource] = []
    for urn, reg in monitor.registrations.items():
        raw_outputs = sdk.registered_state(monitor, urn)
        secret_names: frozenset[str] = reg["secret_outputs"]
        outputs = {k: (sdk.wrap_secret(v) if k in secret_names else v) for k, v in raw_outputs.items()}
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
                retain_on_delete=reg["retain_on_delete"],
                delete_before_replace=reg["delete_before_replace"],
                ignore_changes=reg["ignore_changes"],
                replace_on_changes=reg["replace_on_changes"],
                depends_on=reg["depends_on"],
                alias_urns=reg["alias_urns"],
            )
        )
    return resources


def _resolve_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Stack outputs as plain data, secrets wrapped so a printer can hide them."""
    resolved: dict[str, Any] = {}

    async def resolve_all() -> None:
        for name, value in outputs.items():
            resolved[name] = await _resolve(value)

    sdk.run_sync(resolve_all())
    return resolved


async def _resolve(value: Any) -> Any:
    if isinstance(value, pulumi.Output):
        output: pulumi.Output[Any] = value  # pyright: ignore[reportUnknownVariableType]
        inner = await _resolve(await output.future())
        secret = await output.is_secret()
        return sdk.wrap_secret(inner) if secret else inner
    if isinstance(value, Mapping):
        return {str(k): await _resolve(v) for k, v in value.items()}  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
    if isinstance(value, list | tuple):
        return [await _resolve(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value
