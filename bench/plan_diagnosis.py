"""Plan scaling's diagnosis of a missed target: what-if runs and a profile summarised by area."""

from __future__ import annotations

import pstats
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bench.report import PROJECT_DIR, Table

if TYPE_CHECKING:  # imported lazily at run time: the import is part of what is measured
    pass


from bench.plan_measure import SizeResult, measure, plan_file

# --- diagnosis ----------------------------------------------------------------------------------

_AREAS: tuple[tuple[str, str], ...] = (
    ("/asyncio/", "asyncio event loop"),
    ("site-packages/pulumi/", "pulumi SDK"),
    ("pulumi_azure_native", "azure-native SDK"),
    ("pulumi_azuread", "azuread SDK"),
    (str(PROJECT_DIR / "apim_oauth"), "project: apim_oauth/"),
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
