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
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench.report import Section, Table, Target, render_section

if TYPE_CHECKING:  # imported lazily at run time: the import is part of what is measured
    pass

from bench.plan_diagnosis import diagnose
from bench.plan_measure import measure_sizes
from bench.plan_worker import MODULE, worker

SIZES: tuple[tuple[int, int], ...] = ((10, 30), (50, 150), (100, 300))
RATIO_TARGET = 1.3
LINEARITY_TARGET = 1.5


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


__all__ = ["SIZES", "main", "run"]
