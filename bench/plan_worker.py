"""Plan scaling's worker: one plan (the program, or the SDK floor for its resources) in a fresh interpreter.

See bench/plan_scaling.py for what is measured and why.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily at run time: the import is part of what is measured
    from tools.plan.model import RecordedResource


STACK = "bench"
MODULE = "bench.plan_scaling"
"""Where the worker is started from (`python -m bench.plan_scaling --worker KIND`)."""


class _GcClock:
    """Time spent in the cyclic garbage collector, and how many full (generation 2) collections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.full += info.get("generation") == 2


def _rss_mb() -> float:
    """Current resident set size (Linux /proc), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * resource.getpagesize() / 2**20


def _secret_to_output(value: Any) -> Any:
    """Recorded inputs as the floor passes them: secrets as secret Outputs, like the program's."""
    import pulumi
    from pulumi.runtime import rpc

    if rpc.is_rpc_secret(value):
        return pulumi.Output.secret(_secret_to_output(value["value"]))
    if isinstance(value, dict):
        return {k: _secret_to_output(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [_secret_to_output(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def _alias(recorded: dict[str, Any]) -> Any:
    """A recorded alias (`tools.plan.model.RecordedAlias` as a dict) as the `pulumi.Alias` that sends it."""
    import pulumi

    if recorded["urn"]:
        return recorded["urn"]
    # An empty field of the spec is one the alias left unset ("as the resource is now").
    fields: dict[str, Any] = {
        key: recorded[field]
        for key, field in (("name", "name"), ("type_", "type"), ("stack", "stack"), ("project", "project"))
        if recorded[field]
    }
    if recorded["no_parent"]:
        fields["parent"] = None
    elif recorded["parent_urn"]:
        fields["parent"] = recorded["parent_urn"]
    return pulumi.Alias(**fields)


def floor_program(specs: Sequence[dict[str, Any]], *, tree: bool = False) -> Callable[[], None]:
    """A program registering the custom resources of `specs` (recorded resources) bare.

    The SDK floor for the same resources: each with its type, name and inputs, and the options the
    provider classes themselves add (the aliases each azure-native class declares for its older API
    versions, the outputs a class marks secret), as `pulumi.CustomResource`. No parents and no
    component resources, no settings, no rendering, no invokes, no outputs: what remains is what
    the SDK costs for these resources whatever program declares them.

    `tree` (diagnosis only): also the program's component tree, each component a bare
    `pulumi.ComponentResource` and every resource under its recorded parent, parents first.
    """
    import pulumi

    def options(spec: dict[str, Any], parent: pulumi.Resource | None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=parent,
            aliases=[_alias(a) for a in spec.get("aliases", [])] or None,
            additional_secret_outputs=list(spec.get("secret_outputs", [])) or None,
        )

    def register(spec: dict[str, Any], parent: pulumi.Resource | None) -> pulumi.Resource:
        if not spec["custom"]:
            return pulumi.ComponentResource(spec["type"], spec["name"], None, options(spec, parent))
        props = {k: _secret_to_output(v) for k, v in spec["inputs"].items()}
        return pulumi.CustomResource(spec["type"], spec["name"], props, options(spec, parent))

    def bare() -> None:
        for spec in specs:
            if spec["custom"]:
                register(spec, None)

    def with_tree() -> None:
        made: dict[str, pulumi.Resource] = {}
        pending = list(specs)
        while pending:
            deferred: list[dict[str, Any]] = []
            for spec in pending:
                parent_urn = spec["parent"]
                if parent_urn is not None and parent_urn not in made:
                    deferred.append(spec)
                    continue
                made[spec["urn"]] = register(spec, made[parent_urn] if parent_urn else None)
            if len(deferred) == len(pending):
                raise RuntimeError("recorded parents form no tree")
            pending = deferred

    return with_tree if tree else bare


def _stub_alias_urns() -> None:
    # What-if: the SDK's Resource.__init__ expands every alias a resource declares into a URN Output
    # (pulumi/resource.py, `collapse_alias_to_urn`) so children could inherit them; azure-native
    # declares ~25 per APIM type. The engine gets the aliases as specs regardless, and no custom
    # resource here has children, so the expanded URNs are never read.
    import pulumi.resource as sdk_resource

    def no_urn(*_args: object) -> None:
        return None

    sdk_resource.collapse_alias_to_urn = no_urn  # pyright: ignore[reportAttributeAccessIssue, reportPrivateImportUsage]


def _stub_stack_traces() -> None:
    # What-if: for each resource a provider class constructs, the SDK's `register_resource` walks the
    # whole Python stack (`_get_stack_trace`, pulumi/runtime/resource.py) and turns every frame into a
    # `file://` URI for the engine's source positions; the offline engine never reads them.
    import pulumi.runtime.resource as sdk_runtime_resource
    from pulumi.runtime.proto import source_pb2

    def no_stack() -> Any:
        return source_pb2.StackTrace()

    sdk_runtime_resource._get_stack_trace = no_stack  # pyright: ignore[reportPrivateUsage]


def resource_spec(r: RecordedResource) -> dict[str, Any]:
    """What the floor needs of a recorded resource, as plain data a child process can read."""
    return {
        "urn": r.urn,
        "type": r.type,
        "name": r.name,
        "parent": r.parent,
        "custom": r.custom,
        "inputs": r.inputs,
        "dependencies": r.dependencies,
        "aliases": [dataclasses.asdict(a) for a in r.aliases],
        "secret_outputs": sorted(r.secret_outputs),
    }


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import cProfile
    import importlib

    importlib.import_module(
        "apim_oauth.components.deployment"
    )  # the provider SDKs, imported before the clock starts
    from pulumi_azure_native import apimanagement, resources

    # azure-native imports a package's modules on its first attribute access (~250 modules, 0.1 s):
    # start-up cost, measured in section 4, not plan cost; loaded here so neither kind pays it.
    _ = (apimanagement.Api, resources.Resource)
    from apim_oauth.azure.clouds import CLOUDS
    from bench.stackgen import TENANT_ID, generate
    from tools.plan.engine import run_program
    from tools.plan.model import Plan
    from tools.plan.program import compute_plan, project_defaults

    config = {**project_defaults(), **generate(args.products, args.clients, name=STACK)}
    if args.no_alias_urns:
        _stub_alias_urns()
    if args.no_stack_trace:
        _stub_stack_traces()
    run: Callable[[], Plan]
    specs: list[dict[str, Any]] = []
    if args.worker == "program":

        def run() -> Plan:
            return compute_plan(STACK, config)

    else:
        specs = json.loads(Path(args.specs).read_text(encoding="utf-8"))["resources"]
        program = floor_program(specs, tree=args.tree)

        def run() -> Plan:
            return run_program(
                program, config=config, tenant_id=TENANT_ID, cloud=CLOUDS["global"], stack=STACK
            )

    gc.collect()
    rss_before = _rss_mb()
    clock = _GcClock()
    gc.callbacks.append(clock)
    if args.gc_paused:
        gc.disable()
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    plan = run()
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - start
    gc.enable()
    gc.callbacks.remove(clock)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if profiler is not None:
        profiler.dump_stats(args.profile)
    registered = sorted((r.type, r.name) for r in plan.resources if r.custom)
    if specs and registered != sorted((s["type"], s["name"]) for s in specs if s["custom"]):
        raise RuntimeError("the floor registered other resources than the program's custom resources")
    if args.dump:
        document = {
            "products": args.products,
            "clients": args.clients,
            "resources": [resource_spec(r) for r in plan.resources],
        }
        Path(args.dump).write_text(json.dumps(document, default=str), encoding="utf-8")
    return {
        "kind": args.worker,
        "resources": len(plan.resources),
        "custom": sum(r.custom for r in plan.resources),
        "seconds": seconds,
        "peak_rss_mb": peak,
        "rss_growth_mb": max(0.0, peak - rss_before),
        "gc_seconds": clock.seconds,
        "gc_full": clock.full,
    }
