"""Plan scaling: the real program under the offline engine at growing sizes, against the SDK floor.

Each measurement runs in a fresh interpreter (`--worker`), so time and memory are those of one plan
and nothing else. Both kinds of worker import the project's components and load the provider
modules they use (azure-native loads a package's modules on first use) before the clock starts, so
they start from the same heap, and both run under `tools.plan.engine.run_program` (so both get the same
garbage-collector handling: paused while the program runs):

- `program`: `tools.plan.cli.compute_plan` on a generated stack (settings, components, rendering).
- `floor`: the SDK floor for the same resources: a bare program registering each custom resource
  the program registered with `pulumi.CustomResource`, with the same type, name and inputs and the
  options the provider classes themselves add (the aliases each azure-native class declares for its
  older API versions, the outputs a class marks secret), all taken from the program's recorded
  plan; no parents, no component resources, no settings, rendering, invokes or stack outputs.

Figures: resources, seconds (best of `--repeats`), milliseconds per custom resource, peak RSS and
its growth over the pre-run RSS, and the time spent in Python's cyclic garbage collector. When a
target is missed the largest size is diagnosed: what-if runs (the floor with the program's
component tree; provider aliases not expanded to URNs; the SDK's stack capture off), SDK work per
resource, and a cProfile of the program summarised by area and by function.

Run alone: `python -m bench.plan_scaling [--repeats N] [--sizes 10x30,50x150,100x300]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bench.report import PROJECT_DIR, Section, Table, Target, render_section, run_json

if TYPE_CHECKING:  # imported lazily at run time: the import is part of what is measured
    from tools.plan.model import RecordedResource

SIZES: tuple[tuple[int, int], ...] = ((10, 30), (50, 150), (100, 300))
RATIO_TARGET = 1.3
LINEARITY_TARGET = 1.5
STACK = "bench"
MODULE = "bench.plan_scaling"


# --- the worker (runs in a fresh interpreter) ---------------------------------------------------


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


# --- the driver ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    kind: str
    resources: int
    custom: int
    seconds: float
    peak_rss_mb: float
    rss_growth_mb: float
    gc_seconds: float
    gc_full: int

    @property
    def per_custom(self) -> float:
        """Seconds per custom resource: the floor registers only those, so both kinds are comparable."""
        return self.seconds / self.custom


def measure(
    kind: str,
    products: int,
    clients: int,
    *,
    dump: Path | None = None,
    specs: Path | None = None,
    tree: bool = False,
    gc_paused: bool = False,
    no_alias_urns: bool = False,
    no_stack_trace: bool = False,
    profile: Path | None = None,
) -> Measurement:
    args = ["-m", MODULE, "--worker", kind, "--products", str(products), "--clients", str(clients)]
    if dump is not None:
        args += ["--dump", str(dump)]
    if specs is not None:
        args += ["--specs", str(specs)]
    if tree:
        args.append("--tree")
    if gc_paused:
        args.append("--gc-paused")
    if no_alias_urns:
        args.append("--no-alias-urns")
    if no_stack_trace:
        args.append("--no-stack-trace")
    if profile is not None:
        args += ["--profile", str(profile)]
    return Measurement(**json.loads(run_json(args)))


@dataclass(frozen=True)
class SizeResult:
    products: int
    clients: int
    program: Measurement
    floor: Measurement
    program_spread: float
    """(slowest - fastest) / fastest over the repeats: how noisy the machine was."""

    @property
    def ratio(self) -> float:
        return self.program.seconds / self.floor.seconds


def _best(runs: list[Measurement]) -> tuple[Measurement, float]:
    best = min(runs, key=lambda m: m.seconds)
    worst = max(m.seconds for m in runs)
    return best, (worst - best.seconds) / best.seconds


def plan_file(workdir: Path, products: int, clients: int) -> Path:
    return workdir / f"plan-{products}x{clients}.json"


def measure_sizes(sizes: Sequence[tuple[int, int]], repeats: int, workdir: Path) -> list[SizeResult]:
    results: list[SizeResult] = []
    for products, clients in sizes:
        dump = plan_file(workdir, products, clients)
        programs: list[Measurement] = []
        floors: list[Measurement] = []
        for attempt in range(repeats):
            # Interleaved, so a busy spell on the machine hits both kinds alike.
            programs.append(measure("program", products, clients, dump=dump if attempt == 0 else None))
            floors.append(measure("floor", products, clients, specs=dump))
        program, spread = _best(programs)
        floor, _ = _best(floors)
        results.append(SizeResult(products, clients, program, floor, spread))
        print(
            f"  {products}/{clients}: {program.resources} resources, program {program.seconds:.2f} s, "
            f"floor {floor.seconds:.2f} s",
            file=sys.stderr,
        )
    return results


# --- diagnosis ----------------------------------------------------------------------------------

_AREAS: tuple[tuple[str, str], ...] = (
    ("/asyncio/", "asyncio event loop"),
    ("site-packages/pulumi/", "pulumi SDK"),
    ("pulumi_azure_native", "azure-native SDK"),
    ("pulumi_azuread", "azuread SDK"),
    (str(PROJECT_DIR / "components"), "project: components/"),
    (str(PROJECT_DIR / "tools"), "project: tools/ (engine)"),
)


def _area(filename: str) -> str:
    if filename == "~":
        return "built-ins (C)"
    for marker, area in _AREAS:
        if marker in filename:
            return area
    return "other stdlib"


def _where(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":
        return function
    if "site-packages/" in filename:
        short = filename.rsplit("site-packages/", 1)[1]
    elif filename.startswith(str(PROJECT_DIR)):
        short = str(Path(filename).relative_to(PROJECT_DIR))
    else:
        short = "/".join(Path(filename).parts[-2:])
    return f"{short}:{line} {function}"


_COUNTED: tuple[tuple[str, str, str], ...] = (
    ("asyncio tasks", "asyncio/base_events.py", "create_task"),
    ("Outputs", "pulumi/output.py", "__init__"),
    ("apply calls", "pulumi/output.py", "apply"),
    ("values serialized", "pulumi/runtime/rpc.py", "serialize_property"),
    (
        "`contains_unknowns` calls (each leaves a reference cycle)",
        "pulumi/runtime/rpc.py",
        "contains_unknowns",
    ),
)
_OUTPUT_API = ("apply", "all", "from_input", "concat", "secret")
PROJECT_CALLS = "Output calls made by the project's code (apply, all, from_input, concat, secret)"

_Stats = dict[tuple[str, int, str], tuple[int, int, float, float, Any]]


def _stats(profile: Path) -> tuple[_Stats, float]:
    stats = pstats.Stats(str(profile))
    raw = cast("_Stats", stats.stats)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    total = cast("float", stats.total_tt)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    return raw, total


def _is_project(filename: str) -> bool:
    return filename.startswith(str(PROJECT_DIR / "components")) or filename == str(
        PROJECT_DIR / "__main__.py"
    )


def counts_per_resource(profile: Path, custom: int) -> dict[str, float]:
    """How many of each costly SDK object or call a run makes per custom resource (from its profile)."""
    raw, _total = _stats(profile)
    counts: dict[str, float] = {}
    for label, file_part, function in _COUNTED:
        calls = sum(v[1] for k, v in raw.items() if k[2] == function and k[0].endswith(file_part))
        counts[label] = calls / custom
    own = 0
    for key, value in raw.items():
        if key[2] in _OUTPUT_API and key[0].endswith("pulumi/output.py"):
            callers = cast("dict[tuple[str, int, str], tuple[int, int, float, float]]", value[4])
            own += sum(c[1] for caller, c in callers.items() if _is_project(caller[0]))
    counts[PROJECT_CALLS] = own / custom
    return counts


def cumulative_share(profile: Path, file_part: str, function: str) -> float:
    """Cumulative time of one function as a share of the profile's total."""
    raw, total = _stats(profile)
    return sum(v[3] for k, v in raw.items() if k[2] == function and k[0].endswith(file_part)) / total


def profile_summary(profile: Path, *, top: int = 8) -> tuple[Table, Table, dict[str, float], list[str]]:
    raw, total = _stats(profile)
    by_area: dict[str, float] = {}
    for key, (_cc, _nc, tottime, _ct, _callers) in raw.items():
        by_area[_area(key[0])] = by_area.get(_area(key[0]), 0.0) + tottime
    areas = Table(
        ("area", "share of own time"),
        tuple(
            (area, f"{seconds / total:.0%}") for area, seconds in sorted(by_area.items(), key=lambda i: -i[1])
        ),
        caption=f"cProfile of the program at the largest size, collector paused ({total:.1f} s under the profiler), "
        "own time by area:",
    )
    ranked = sorted(raw.items(), key=lambda item: -item[1][2])[:top]
    functions = Table(
        ("function", "calls", "own s", "cumulative s"),
        tuple((_where(key), str(nc), f"{tt:.2f}", f"{ct:.2f}") for key, (_cc, nc, tt, ct, _c) in ranked),
        caption="Functions with the most own time (program, largest size):",
    )
    machinery = [
        _where(key)
        for key, _value in sorted(raw.items(), key=lambda item: -item[1][2])
        if _area(key[0]) in ("pulumi SDK", "asyncio event loop")
    ][:3]
    return areas, functions, {area: seconds / total for area, seconds in by_area.items()}, machinery


def diagnose(largest: SizeResult, workdir: Path) -> tuple[list[Table], list[str]]:
    products, clients = largest.products, largest.clients
    dump = plan_file(workdir, products, clients)
    program, floor = largest.program, largest.floor
    tree = measure("floor", products, clients, specs=dump, tree=True)
    program_na = measure("program", products, clients, no_alias_urns=True)
    floor_na = measure("floor", products, clients, specs=dump, no_alias_urns=True)
    tree_na = measure("floor", products, clients, specs=dump, tree=True, no_alias_urns=True)
    program_ns = measure("program", products, clients, no_stack_trace=True)
    program_profile, floor_profile = workdir / "program.prof", workdir / "floor.prof"
    # Profiled with the collector paused throughout: its time is measured above, and under the
    # profiler the one collection after the run would land on whichever call happened to allocate.
    measure("program", products, clients, profile=program_profile, gc_paused=True)
    measure("floor", products, clients, specs=dump, profile=floor_profile, gc_paused=True)
    areas, functions, shares, machinery = profile_summary(program_profile)
    project_share = sum(share for area, share in shares.items() if area.startswith("project"))
    sdk_share = shares.get("pulumi SDK", 0.0) + shares.get("asyncio event loop", 0.0)

    rest = program.seconds - tree.seconds
    garbage = program.gc_seconds - tree.gc_seconds
    stack = program.seconds - program_ns.seconds
    own_code = project_share * (program.seconds - program.gc_seconds)
    typed = rest - garbage - stack - own_code

    def row(label: str, value: float, value_na: float | None = None, *, sign: str = "+") -> tuple[str, ...]:
        return (label, f"{sign}{value:.2f}", "" if value_na is None else f"{sign}{value_na:.2f}")

    steps = Table(
        ("from the floor to the program, largest size", "as is s", "provider aliases not expanded s"),
        (
            row(
                "floor: the custom resources, bare, with the providers' aliases",
                floor.seconds,
                floor_na.seconds,
                sign="",
            ),
            row(
                "+ the program's component tree (bare ComponentResources, every resource parented)",
                tree.seconds - floor.seconds,
                tree_na.seconds - floor_na.seconds,
            ),
            row("+ the rest of the program, of which:", rest, program_na.seconds - tree_na.seconds),
            row("  - collecting the SDK's extra cyclic garbage after the run (GC s vs tree floor)", garbage),
            row("  - the SDK's source-position capture (what-if: program with it off)", stack),
            row("  - the project's own code (profiled own-time share of the run)", own_code),
            row("  - left: the typed provider classes and the SDK work they set off", typed),
            row("= program", program.seconds, program_na.seconds, sign=""),
            ("program/floor", f"{largest.ratio:.2f}", f"{program_na.seconds / floor_na.seconds:.2f}"),
        ),
        caption="Diagnosis: from the floor to the program, step by step (fresh interpreters; as-is figures are "
        "the best runs above, the others one run each):",
    )
    mine = counts_per_resource(program_profile, program.custom)
    bare = counts_per_resource(floor_profile, floor.custom)
    work = Table(
        ("per custom resource", "program", "floor"),
        tuple((label, f"{mine[label]:.1f}", f"{bare[label]:.1f}") for label in mine),
        caption="SDK work per custom resource (call counts from the profiles):",
    )
    alias_program, alias_floor = program.seconds - program_na.seconds, floor.seconds - floor_na.seconds
    notes = [
        "Garbage collector: `tools.plan.engine.run_program` pauses it while the program runs (the engine keeps "
        "every Output, future and resource alive until the end, so full collections only rescanned them, "
        "more often and longer as the plan grew, the superlinear part) and restores it after. What it "
        "still costs is one collection after the run, of the run's cyclic garbage: "
        f"{program.gc_seconds:.1f} s of the program's {program.seconds:.1f} s, {floor.gc_seconds:.1f} s of the "
        f"floor's {floor.seconds:.1f} s. That garbage is almost all the SDK's: `pulumi/runtime/rpc.py` "
        "`contains_unknowns` defines a recursive inner function, so every call leaves a function/cell cycle "
        "only the collector frees, and the SDK calls it each time an Output resolves (counts above).",
        "Provider aliases: every azure-native class declares ~25 `Alias(type_=...)` and the SDK's "
        "`Resource.__init__` expands each into a URN Output (`collapse_alias_to_urn`; pulumi/pulumi#10010, "
        f"#11064): {alias_program:.1f} s of the program and {alias_floor:.1f} s of the floor, which declares "
        "the same aliases. A parented resource pays more per alias: its alias URN waits on the parent's URN.",
        f"Component tree: {tree.seconds - floor.seconds:.1f} s for the program's "
        f"{program.resources - program.custom} component resources and the parent of every resource; they "
        "make the URNs of the deployed stacks, so they stay.",
        f"The project's own code (components/, tools/): {project_share:.0%} of the program's profiled own "
        f"time, and {mine[PROJECT_CALLS]:.1f} Output calls per custom resource against the SDK's "
        f"{mine['apply calls']:.0f} applies and {mine['asyncio tasks']:.0f} tasks; {sdk_share:.0%} of own time "
        f"is the pulumi SDK's Output and task machinery and the asyncio loop running it (top: "
        f"{', '.join(f'`{m}`' for m in machinery)}; `_track`/`cleanup` keep every Output alive to the end, "
        "pulumi/pulumi#16055).",
        "What is left is the typed provider classes: each declares every output property of its type, and "
        "the SDK makes an Output of each, serializes it with the inputs and resolves it with their type "
        "metadata (Outputs and values serialized per resource, table above), where a bare `CustomResource` "
        "has only its inputs. The program cannot register these resources without those classes, nor drop "
        "the component tree without changing every URN, nor the aliases: what remains over the floor is "
        "the SDK's cost of the classes and the tree, not work of the components.",
    ]
    return [steps, work, areas, functions], notes


# --- the benchmark ------------------------------------------------------------------------------


def run(
    sizes: Sequence[tuple[int, int]] = SIZES, *, repeats: int = 2, workdir: Path | None = None
) -> Section:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as scratch:
        directory = workdir or Path(scratch)
        results = measure_sizes(sizes, repeats, directory)
        smallest, largest = results[0], results[-1]
        table = Table(
            (
                "products/clients",
                "resources (custom)",
                "program s",
                "floor s",
                "program ms/custom resource",
                "floor ms/custom resource",
                "program/floor",
                "peak RSS MB (growth)",
                "GC s program / floor",
            ),
            tuple(
                (
                    f"{r.products}/{r.clients}",
                    f"{r.program.resources} ({r.program.custom})",
                    f"{r.program.seconds:.2f}",
                    f"{r.floor.seconds:.2f}",
                    f"{r.program.per_custom * 1e3:.2f}",
                    f"{r.floor.per_custom * 1e3:.2f}",
                    f"{r.ratio:.2f}",
                    f"{r.program.peak_rss_mb:.0f} (+{r.program.rss_growth_mb:.0f})",
                    f"{r.program.gc_seconds:.2f} / {r.floor.gc_seconds:.2f}",
                )
                for r in results
            ),
            caption=f"Best of {repeats} fresh-interpreter runs per size and kind (program: settings, components, "
            "rendering; floor: the program's custom resources registered bare, with the same types, names, "
            "inputs and provider aliases):",
        )
        growth = largest.program.per_custom / smallest.program.per_custom
        section = Section(
            "1. Plan scaling",
            tables=[table],
            targets=[
                Target(
                    f"program/floor at {largest.products}/{largest.clients}",
                    f"<= {RATIO_TARGET}",
                    f"{largest.ratio:.2f}",
                    largest.ratio <= RATIO_TARGET,
                ),
                Target(
                    "s/resource, largest vs smallest",
                    f"<= {LINEARITY_TARGET}x",
                    f"{growth:.2f}x",
                    growth <= LINEARITY_TARGET,
                ),
            ],
            notes=[
                "Each client is on two products of one mode; products alternate entra-app (own app, or backend "
                "audience every fourth) and apim-managed (Developer SKU, one owner user).",
                "The floor is the SDK floor for these resources: `pulumi.CustomResource` with what the program "
                "sent for each (type, name, inputs, the ~25 aliases each azure-native class declares, secret "
                "outputs), under the same engine; no component resources, parents, settings or rendering. "
                "GC: seconds in the cyclic collector within the timed run (paused while the program runs; "
                "what remains is the collection of the run's garbage after it).",
                f"Run-to-run spread of the program (slowest vs fastest): "
                f"{', '.join(f'{r.program_spread:.0%}' for r in results)}.",
            ],
        )
        if section.missed:
            tables, notes = diagnose(largest, directory)
            section.tables += tables
            section.notes += notes
    section.seconds = time.perf_counter() - started
    return section


def _size(text: str) -> tuple[int, int]:
    products, _, clients = text.partition("x")
    return int(products), int(clients)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {MODULE}", description="Plan scaling: the real program against an SDK floor."
    )
    parser.add_argument("--repeats", type=int, default=2, help="runs per size and kind; the best counts")
    parser.add_argument(
        "--sizes",
        type=lambda s: [_size(x) for x in s.split(",")],
        default=list(SIZES),
        help="PRODUCTSxCLIENTS,... (default 10x30,50x150,100x300)",
    )
    parser.add_argument("--worker", choices=("program", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--products", type=int, default=10, help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=30, help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    parser.add_argument("--specs", help=argparse.SUPPRESS)
    parser.add_argument("--tree", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gc-paused", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-alias-urns", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-stack-trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return 0
    section = run(args.sizes, repeats=args.repeats)
    print(render_section(section))
    print(f"({section.seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["SIZES", "Measurement", "SizeResult", "floor_program", "main", "measure", "run"]
