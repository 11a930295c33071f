"""Deploy critical path: what a real `pulumi up` serializes, read from the plan's dependency graph.

The engine creates a resource once everything it depends on exists; a dependency on a component
means all of the component's custom descendants (as the engine reads it). From the dev stack's plan
and the largest generated plan this prints the longest chain of custom resources, the longest chain
through the API Management service (tens of minutes to create, so in wall time it is the chain that
counts), and every resource that waits on the service, directly or transitively.

Target: no Entra (`azuread:`) resource waits on the service except the assignments made to the
service's identity (they need its principal ID): the directory role, and the backend's app role for
the gateway when an API's onward authentication uses the managed identity (the `prod` stack's
`ledger`). `apim-managed` mode needs nothing more on the Entra side: APIM registers those products'
and clients' Entra apps itself, with the identity that role gives it; what waits for the role there
are APIM resources (products, client applications).

Run alone: `python -m bench.critical_path [--plan-json FILE]` (FILE: a plan_scaling dump).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from bench.report import Section, Table, Target, render_section

APIM_SERVICE = "azure-native:apimanagement:ApiManagementService"
ENTRA_PREFIX = "azuread:"
ALLOWED_ENTRA_WAITERS: Mapping[str, str] = {
    "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment": "needs the service identity's principal ID",
    "azuread:index/appRoleAssignment:AppRoleAssignment": "the gateway's app role: needs the identity's principal ID",
}
"""Types that may wait on the service, and only when made to the service's identity (their principal)."""
LARGEST = (100, 300)


@dataclass(frozen=True)
class Node:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    dependencies: tuple[str, ...]
    principal: str | None = None
    """An assignment's principal (`principalObjectId`), when the plan records inputs."""
    identity: str | None = None
    """The APIM service's identity principal ID, when the plan records outputs."""

    @property
    def label(self) -> str:
        return f"{self.type.rsplit(':', 1)[-1]} {self.name}"


class Graph:
    """Custom resources and what each waits on (components expanded to their custom descendants)."""

    def __init__(self, nodes: Iterable[Node]) -> None:
        self.nodes = {n.urn: n for n in nodes}
        children: dict[str, list[str]] = {}
        for n in self.nodes.values():
            if n.parent is not None:
                children.setdefault(n.parent, []).append(n.urn)

        @functools.cache
        def customs_under(urn: str) -> frozenset[str]:
            found: set[str] = set()
            for child in children.get(urn, []):
                if self.nodes[child].custom:
                    found.add(child)
                found |= customs_under(child)
            return frozenset(found)

        self.waits_on: dict[str, frozenset[str]] = {}
        for n in self.nodes.values():
            if not n.custom:
                continue
            direct: set[str] = set()
            for dep in n.dependencies:
                target = self.nodes.get(dep)
                if target is None:
                    continue  # the stack, or a resource outside the plan
                if target.custom:
                    direct.add(dep)
                else:
                    direct |= customs_under(dep)
            direct.discard(n.urn)
            self.waits_on[n.urn] = frozenset(direct)
        self.waited_by: dict[str, set[str]] = {urn: set() for urn in self.waits_on}
        for urn, deps in self.waits_on.items():
            for dep in deps:
                self.waited_by[dep].add(urn)

    def customs(self) -> list[Node]:
        return [self.nodes[urn] for urn in sorted(self.waits_on)]

    def chain_to(self) -> dict[str, tuple[str, ...]]:
        """For each resource, the longest chain that ends with it (first created first)."""
        memo: dict[str, tuple[str, ...]] = {}

        def visit(urn: str) -> tuple[str, ...]:
            if urn not in memo:
                best: tuple[str, ...] = ()
                for dep in sorted(self.waits_on[urn]):
                    candidate = visit(dep)
                    if len(candidate) > len(best):
                        best = candidate
                memo[urn] = (*best, urn)
            return memo[urn]

        for urn in sorted(self.waits_on):
            visit(urn)
        return memo

    def chain_from(self, start: str) -> tuple[str, ...]:
        """The longest chain of resources that wait on `start`, beginning with it."""
        memo: dict[str, tuple[str, ...]] = {}

        def visit(urn: str) -> tuple[str, ...]:
            if urn not in memo:
                best: tuple[str, ...] = ()
                for waiter in sorted(self.waited_by[urn]):
                    candidate = visit(waiter)
                    if len(candidate) > len(best):
                        best = candidate
                memo[urn] = (urn, *best)
            return memo[urn]

        return visit(start)

    def waiting_on(self, urn: str) -> set[str]:
        """Every resource that waits, directly or transitively, on `urn`."""
        found: set[str] = set()
        todo = list(self.waited_by[urn])
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo.extend(self.waited_by[current])
        return found


def nodes_from_plan(resources: Iterable[Any]) -> list[Node]:
    """Nodes from `RecordedResource`s or from the dicts of a plan_scaling dump."""
    nodes: list[Node] = []
    for r in resources:
        fields: dict[str, Any] = (
            cast("dict[str, Any]", r)
            if isinstance(r, dict)
            else {key: getattr(r, key) for key in ("urn", "type", "name", "custom", "parent", "dependencies")}
        )
        parent = fields["parent"]
        inputs = cast("dict[str, Any]", fields.get("inputs") if isinstance(r, dict) else r.inputs) or {}
        outputs = cast("dict[str, Any]", fields.get("outputs") if isinstance(r, dict) else r.outputs) or {}
        identity = outputs.get("identity")
        nodes.append(
            Node(
                urn=str(fields["urn"]),
                type=str(fields["type"]),
                name=str(fields["name"]),
                custom=bool(fields["custom"]),
                parent=None if parent is None else str(parent),
                dependencies=tuple(str(d) for d in cast("list[Any]", fields["dependencies"])),
                principal=inputs.get("principalObjectId"),
                identity=cast("dict[str, Any]", identity).get("principalId")
                if isinstance(identity, dict)
                else None,
            )
        )
    return nodes


@dataclass(frozen=True)
class Analysis:
    plan: str
    customs: int
    longest: tuple[Node, ...]
    through_service: tuple[Node, ...]
    waiters: tuple[Node, ...]
    entra_waiters: tuple[Node, ...]
    violations: tuple[Node, ...]
    entra_total: int
    longest_entra_alongside: tuple[Node, ...]
    """The longest chain of resources that do not wait on the service (made while it is created)."""


def analyse(plan: str, nodes: Sequence[Node]) -> Analysis:
    graph = Graph(nodes)
    chains = graph.chain_to()
    longest = max(chains.values(), key=lambda c: (len(c), c))
    services = [n.urn for n in graph.customs() if n.type == APIM_SERVICE]
    if len(services) != 1:
        raise RuntimeError(f"{plan}: expected one {APIM_SERVICE}, found {len(services)}")
    service = services[0]
    longest_urns = set(longest)
    through = longest if service in longest_urns else chains[service][:-1] + graph.chain_from(service)
    waiting = graph.waiting_on(service)
    waiters = tuple(graph.nodes[u] for u in sorted(waiting))
    entra_waiters = tuple(n for n in waiters if n.type.startswith(ENTRA_PREFIX))
    identity = graph.nodes[service].identity
    violations = tuple(
        n
        for n in entra_waiters
        if n.type not in ALLOWED_ENTRA_WAITERS
        or (n.principal is not None and identity is not None and n.principal != identity)
    )
    alongside = [c for u, c in chains.items() if u not in waiting and u != service]
    longest_alongside = max(alongside, key=lambda c: (len(c), c)) if alongside else ()
    return Analysis(
        plan=plan,
        customs=len(graph.waits_on),
        longest=tuple(graph.nodes[u] for u in longest),
        through_service=tuple(graph.nodes[u] for u in through),
        waiters=waiters,
        entra_waiters=entra_waiters,
        violations=violations,
        entra_total=sum(n.type.startswith(ENTRA_PREFIX) for n in graph.customs()),
        longest_entra_alongside=tuple(graph.nodes[u] for u in longest_alongside),
    )


def _chain(nodes: Sequence[Node]) -> str:
    return " -> ".join(f"`{n.label}`" for n in nodes)


def _by_type(nodes: Iterable[Node]) -> str:
    counts: dict[str, int] = {}
    for n in nodes:
        kind = n.type.rsplit(":", 1)[-1]
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items())) or "none"


def stack_nodes(stack: str) -> list[Node]:
    from tools.plan.program import STACKS_DIR, compute_plan, load_config

    return nodes_from_plan(compute_plan(stack, load_config(STACKS_DIR / f"Pulumi.{stack}.yaml")).resources)


def generated_nodes(products: int, clients: int) -> list[Node]:
    from bench.stackgen import generate
    from tools.plan.program import compute_plan, project_defaults

    gc.disable()  # nothing is timed here; the collector only slows a big plan down
    try:
        plan = compute_plan("bench", {**project_defaults(), **generate(products, clients, name="bench")})
    finally:
        gc.enable()
    return nodes_from_plan(plan.resources)


def run(plan_json: Path | None = None) -> Section:
    started = time.perf_counter()
    analyses = [analyse(stack, stack_nodes(stack)) for stack in ("dev", "prod")]
    if plan_json is not None:
        document = json.loads(plan_json.read_text(encoding="utf-8"))
        size = f"{document['products']}/{document['clients']}"
        analyses.append(analyse(f"generated {size}", nodes_from_plan(document["resources"])))
    else:
        analyses.append(analyse(f"generated {LARGEST[0]}/{LARGEST[1]}", generated_nodes(*LARGEST)))
    table = Table(
        (
            "plan",
            "custom resources",
            "longest chain",
            "chain through APIM service",
            "wait on the service",
            "Entra resources waiting / all Entra",
            "longest chain alongside it",
        ),
        tuple(
            (
                a.plan,
                str(a.customs),
                str(len(a.longest)),
                str(len(a.through_service)),
                str(len(a.waiters)),
                f"{len(a.entra_waiters)} / {a.entra_total}",
                str(len(a.longest_entra_alongside)),
            )
            for a in analyses
        ),
        caption="Chains count custom resources; a resource starts once everything it waits on exists:",
    )
    targets = [
        Target(
            f"{a.plan}: Entra resources waiting on the APIM service",
            "only " + ", ".join(t.rsplit(":", 1)[-1] for t in ALLOWED_ENTRA_WAITERS) + " to its identity",
            _by_type(a.entra_waiters),
            not a.violations,
        )
        for a in analyses
    ]
    notes: list[str] = []
    for a in analyses:
        notes.append(f"{a.plan}, longest chain ({len(a.longest)}): {_chain(a.longest)}.")
        if a.through_service != a.longest:
            notes.append(
                f"{a.plan}, chain through the service ({len(a.through_service)}): {_chain(a.through_service)}."
            )
        notes.append(f"{a.plan}, waiting on the service: {_by_type(a.waiters)}.")
        notes.append(
            f"{a.plan}, longest chain made while the service is created ({len(a.longest_entra_alongside)}): "
            f"{_chain(a.longest_entra_alongside)}."
        )
        if a.violations:
            notes.append(
                f"{a.plan}, Entra resources that should not wait: {', '.join(n.label for n in a.violations)}."
            )
    notes.append(
        "In wall time the chain through the service is the critical path: the service takes tens of minutes to "
        "create, everything else seconds, and every resource not waiting on it (all Entra apps, principals, grants "
        "and secrets) is created meanwhile."
    )
    section = Section("2. Deploy critical path", tables=[table], targets=targets, notes=notes)
    section.seconds = time.perf_counter() - started
    return section


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.critical_path",
        description="Deploy critical path of the dev plan and the largest generated plan.",
    )
    parser.add_argument(
        "--plan-json", type=Path, help="a plan dump from bench.plan_scaling instead of computing one"
    )
    args = parser.parse_args(argv)
    section = run(args.plan_json)
    print(render_section(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
