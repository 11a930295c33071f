"""`python -m bench` (`make bench`): run the six benchmarks and regenerate bench/RESULTS.md.

Figures only: a missed target is reported, never an error. The whole run is meant to stay under five
minutes on a 2-core machine; its duration is printed and written into the results.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import answers, critical_path, fresh_clone, plan_measure, plan_scaling, startup, token_throughput
from bench.report import RESULTS_FILE, Section, render_results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Run the six benchmarks and regenerate bench/RESULTS.md."
    )
    parser.add_argument("--repeats", type=int, default=2, help="plan scaling: runs per size and kind")
    parser.add_argument(
        "--no-write", action="store_true", help="print the results without writing RESULTS.md"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sections: list[Section] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        workdir = Path(scratch)
        largest = plan_measure.plan_file(workdir, *plan_scaling.SIZES[-1])
        benchmarks: list[tuple[str, Callable[[], Section]]] = [
            ("1. Plan scaling", lambda: plan_scaling.run(repeats=args.repeats, workdir=workdir)),
            ("2. Deploy critical path", lambda: critical_path.run(largest if largest.is_file() else None)),
            ("3. Token check throughput", token_throughput.run),
            ("4. Start-up", startup.run),
            ("5. Fresh clone", fresh_clone.run),
            ("6. Answers", answers.run),
        ]
        for index, (title, benchmark) in enumerate(benchmarks, start=1):
            print(f"{index}/{len(benchmarks)} {title.split(' ', 1)[1].lower()}", file=sys.stderr)
            try:
                sections.append(benchmark())
            except Exception as error:  # one broken benchmark must not hide the others' figures
                traceback.print_exc()
                failed = True
                first_line = (str(error).splitlines() or [""])[0][:300]
                sections.append(
                    Section(title, notes=[f"**Did not run**: {type(error).__name__}: {first_line}"])
                )
    total = time.perf_counter() - started
    text = render_results(sections, total)
    print(text)
    if not args.no_write:
        RESULTS_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS_FILE.relative_to(RESULTS_FILE.parent.parent)}", file=sys.stderr)
    print(f"total {total:.0f} s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
