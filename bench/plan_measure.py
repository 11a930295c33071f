"""Plan scaling's driver: run a worker per size and kind, keep the best of the repeats."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.report import run_json

if TYPE_CHECKING:  # imported lazily at run time: the import is part of what is measured
    pass


from bench.plan_worker import MODULE

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
