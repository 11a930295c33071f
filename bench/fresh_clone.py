"""Fresh-clone set-up: wall time of `make plan` and `make test` in a new copy of the repository.

A copy holds what a clone would (the files git tracks, plus new files not ignored, so uncommitted
work is measured too), and no venv/ or .tools/: the virtualenv is created and filled from cold. uv's
package cache (~/.cache/uv) is left as it is, warm after the first install on a machine; the results
say so.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.report import PROJECT_DIR, Section, Table, Target

PLAN_TARGET_SECONDS = 30.0
TEST_TARGET_SECONDS = 30.0
"""`make test` after install (the default run, slow tests left out); the fresh figure includes the install."""


def copy_repository(destination: Path, source: Path = PROJECT_DIR) -> Path:
    """The repository's files as a clone of the working tree would have them, in `destination`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        origin = source / name
        if origin.is_file():  # tracked files deleted in the working tree are left out
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
    return destination


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without what an enclosing make, venv or test run would pass down."""
    dropped = {"MAKEFLAGS", "MAKELEVEL", "MFLAGS", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH"}
    dropped |= {"CI", "SLOW", "PIP"}
    return {**{k: v for k, v in os.environ.items() if k not in dropped}, **extra}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_make(project: Path, *targets: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (all processes, user and system) `make TARGETS` took in `project`;
    raises if it failed."""
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        ["make", "--no-print-directory", *targets],
        cwd=project,
        env=env or clean_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode:
        raise RuntimeError(f"make {' '.join(targets)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, cpu


def run() -> Section:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-clone-") as scratch:
        project = copy_repository(Path(scratch) / "apim-oauth")
        plan_fresh = timed_make(project, "plan")
        test_fresh = timed_make(project, "test")  # installs the dev group on top
        test_again = timed_make(project, "test")
        plan_again = timed_make(project, "plan")
    load_after = os.getloadavg()[0]
    rows = tuple(
        (what, f"{wall:.1f}", f"{cpu:.1f}")
        for what, (wall, cpu) in (
            ("`make plan`, fresh clone (creates venv/, installs the runtime set)", plan_fresh),
            ("`make test` right after it (installs the dev group, then lint, types, tests)", test_fresh),
            ("`make test` again (after install)", test_again),
            ("`make plan` again (after install)", plan_again),
        )
    )
    return Section(
        "5. Fresh clone",
        tables=[Table(("What", "wall s", "CPU s (user + system, all processes)"), rows)],
        targets=[
            Target(
                "fresh `make plan`",
                f"< {PLAN_TARGET_SECONDS:.0f} s",
                f"{plan_fresh[0]:.1f} s",
                plan_fresh[0] < PLAN_TARGET_SECONDS,
            ),
            Target(
                "`make test` after install",
                f"<= {TEST_TARGET_SECONDS:.0f} s",
                f"{test_again[0]:.1f} s",
                test_again[0] <= TEST_TARGET_SECONDS,
            ),
        ],
        notes=[
            "A copy of the working tree without venv/ and .tools/: uv is bootstrapped with pip into "
            ".tools/uv (unless uv of the pinned version is on PATH) and the virtualenv is created from "
            "cold. uv's package cache (~/.cache/uv) is warm (packages downloaded once before on this "
            "machine); on a machine that never downloaded them, add the download time.",
            f"Machine load (1-minute average) {load_before:.1f} before, {load_after:.1f} after, on "
            f"{os.cpu_count()} CPUs: wall times grow with what else runs; the CPU column does not. "
            "`make test` runs lint, types and tests side by side, so on an idle machine its wall time "
            "is about its CPU time over the number of CPUs, and no less than the tests' own CPU time.",
        ],
        seconds=time.perf_counter() - started,
    )
