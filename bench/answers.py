"""How fast the tools answer: each command's `--help`, a stack asked about again (the plan cache), and
`make plan` with `PYTHONDONTWRITEBYTECODE` set, with and without the bytecode the install compiles.

Every figure is the median of fresh processes, wall and CPU (user + system of the process and its
children): the machine may be shared, and CPU time does not grow with what else runs.

    python -m bench.answers [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.report import PROJECT_DIR, Section, Table, Target, render_section

HELP_TARGET_SECONDS = 0.3
ANSWER_TARGET_SECONDS = 1.0
COMMANDS = ("", "plan", "check-token", "mint-token", "diff", "check-cors")
TOKEN_DIR = "bench-minted"


def timed(command: Sequence[str], repeats: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median wall and CPU seconds of `command` run `repeats` times (after one run not counted)."""
    walls: list[float] = []
    cpus: list[float] = []
    for index in range(repeats + 1):
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            command, cwd=PROJECT_DIR, env=env, capture_output=True, check=False, timeout=600
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in (0, 1):
            raise RuntimeError(
                f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-2000:]}"
            )
        if index:
            walls.append(wall)
            cpus.append(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _uncached(command: list[str], directory: Path) -> list[str]:
    """`command` with an empty plan cache in `directory` each time it runs."""
    script = f'rm -rf "{directory}"; APIM_OAUTH_PLAN_CACHE="{directory}" exec "$@"'
    return ["sh", "-c", script, "sh", *command]


def _tools(*args: str) -> list[str]:
    return [sys.executable, "-m", "tools", *args]


def run(repeats: int = 5) -> Section:
    started = time.perf_counter()
    load = os.getloadavg()[0]
    helps = {c: timed(_tools(*filter(None, [c]), "--help"), repeats) for c in COMMANDS if _exists(c)}
    with tempfile.TemporaryDirectory(prefix="bench-answers-") as scratch:
        cache_env = {**os.environ, "APIM_OAUTH_PLAN_CACHE": str(Path(scratch) / "plans")}
        token = Path(scratch) / "minted"
        subprocess.run(
            [
                *_tools(
                    "mint-token", "--stack", "dev", "--client", "billing-daemon", "--product", "partners"
                ),
                "--out",
                str(token),
                "--now",
                "2026-10-01T00:00:00Z",
            ],
            cwd=PROJECT_DIR,
            env=cache_env,
            capture_output=True,
            check=True,
            timeout=600,
        )
        check = _tools(
            "check-token", "--stack", "dev", "--api", "status", "--token-file", str(token / "token.jwt")
        )
        check += [
            "--openid-config",
            str(token / "openid-configuration.json"),
            "--jwks",
            str(token / "jwks.json"),
        ]
        check += ["--now", "2026-10-01T00:10:00Z"]
        no_cache = {**os.environ}
        answers = {
            "`check-token --stack dev`, stack not planned before": timed(
                _uncached(check, Path(scratch) / "never"), repeats, no_cache
            ),
            "`check-token --stack dev`, stack planned before": timed(check, repeats, cache_env),
            "`plan --stack dev`, planned before": timed(_tools("plan", "--stack", "dev"), repeats, cache_env),
        }
        no_write = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        no_bytecode = {**no_write, "PYTHONPYCACHEPREFIX": str(Path(scratch) / "no-bytecode")}
        make_plan = _uncached(["make", "--no-print-directory", "plan"], Path(scratch) / "empty")
        make_rows = {
            "with the bytecode the install compiled": timed(make_plan, repeats, no_write),
            "without bytecode (as installed before)": timed(make_plan, repeats, no_bytecode),
        }
    help_table = Table(
        ("command", "wall s (median)", "CPU s (median)"),
        tuple(
            (f"`python -m tools {c} --help`".replace("  ", " "), f"{w:.3f}", f"{u:.3f}")
            for c, (w, u) in helps.items()
        ),
    )
    answer_table = Table(
        ("question", "wall s (median)", "CPU s (median)"),
        tuple((q, f"{w:.3f}", f"{u:.3f}") for q, (w, u) in answers.items()),
    )
    bytecode_table = Table(
        (
            "`make plan` after install, PYTHONDONTWRITEBYTECODE=1, plan cache empty",
            "wall s (median)",
            "CPU s (median)",
        ),
        tuple((q, f"{w:.3f}", f"{u:.3f}") for q, (w, u) in make_rows.items()),
    )
    slowest_help = max(u for _, u in helps.values())
    hit = answers["`check-token --stack dev`, stack planned before"][1]
    section = Section(
        "6. Answers",
        tables=[help_table, answer_table, bytecode_table],
        targets=[
            Target(
                "slowest `--help` (CPU)",
                f"<= {HELP_TARGET_SECONDS} s",
                f"{slowest_help:.3f} s",
                slowest_help <= HELP_TARGET_SECONDS,
            ),
            Target(
                "a stack planned before (CPU)",
                f"< {ANSWER_TARGET_SECONDS} s",
                f"{hit:.3f} s",
                hit < ANSWER_TARGET_SECONDS,
            ),
        ],
        notes=[
            f"{repeats} fresh processes each, after one not counted; machine load (1-minute average) {load:.1f} "
            f"before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs: targets are judged on CPU time, "
            "which does not grow with what else runs; wall time does.",
            "Without bytecode: the same venv with Python pointed at an empty bytecode directory "
            "(PYTHONPYCACHEPREFIX), as a venv installed without compiling is under PYTHONDONTWRITEBYTECODE.",
        ],
    )
    section.seconds = time.perf_counter() - started
    return section


def _exists(command: str) -> bool:
    from tools.__main__ import COMMANDS as KNOWN

    return not command or command in KNOWN


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answers", description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(render_section(run(args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
