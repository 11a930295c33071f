"""Start-up: from process start to the first resource registered, for `python -m tools plan --stack dev`.

Fresh interpreters, timed from just before the spawn: the dev plan (`bench.startup_child`, which
runs the real `tools` command line and stamps the first resource the engine's monitor receives)
against `python -c "import pulumi, pulumi_azure_native, pulumi_azuread"` and an empty interpreter.
The median of the repeats counts. Then what the plan loads: every provider module in `sys.modules`,
sorted into those the plan uses (the modules of the resource types and invokes it registered or
called), the packages' support modules, and the rest; and the import cost of each provider package
and of modules the `plan` command does not need.

Run alone: `python -m bench.startup [--repeats N]`.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.report import PROJECT_DIR, Section, Table, render_section

BASELINE = "import pulumi, pulumi_azure_native, pulumi_azuread"
SUPPORT = frozenset({"_inputs", "outputs", "_enums", "_utilities", "config", "vars", "provider"})
IMPORT_COSTS: tuple[tuple[str, str, bool], ...] = (
    # (what, code, whether to count it beyond `import pulumi` rather than beyond an empty interpreter)
    ("pulumi SDK", "import pulumi", False),
    ("`pulumi_azuread` (its `__init__` imports every module)", "import pulumi_azuread", True),
    (
        "`pulumi_azure_native.apimanagement` (lazy until first use, then every module)",
        "import pulumi_azure_native.apimanagement as m; m.Api",
        True,
    ),
    (
        "`pulumi_azure_native.resources` (same)",
        "import pulumi_azure_native.resources as m; m.ResourceGroup",
        True,
    ),
    (
        "`tools.check_token.cli` (pyjwt, cryptography), not used by `plan`",
        "import tools.check_token.cli",
        False,
    ),
)


def _spawn(args: list[str]) -> tuple[float, float, str]:
    """(spawn stamp, seconds to exit, stdout) of `python args...` in the project directory."""
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120, check=False
    )
    elapsed = time.monotonic() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{args} exited {completed.returncode}: {completed.stderr[-2000:]}")
    return started, elapsed, completed.stdout


@dataclass
class DevRun:
    phases: dict[str, float]
    """Seconds from the spawn to each stamp."""
    child: dict[str, Any]


def dev_run() -> DevRun:
    started, elapsed, stdout = _spawn(["-m", "bench.startup_child"])
    child: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    if child["exit"] != 0:
        raise RuntimeError(f"the dev plan exited {child['exit']}")
    phases = {name: stamp - started for name, stamp in child["stamps"].items()}
    phases["exit"] = elapsed
    return DevRun(phases, child)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def module_of(token: str) -> str | None:
    """The provider module that defines a resource type or invoke token."""
    package, middle, member = [*token.split(":"), "", ""][:3]
    if package == "azure-native":
        return f"pulumi_azure_native.{middle}.{_snake(member)}"
    if package == "azuread":
        return f"pulumi_azuread.{_snake(middle.rsplit('/', 1)[-1])}"
    return None


def _package(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "pulumi_azure_native" and len(parts) > 1 and parts[1] not in SUPPORT:
        return ".".join(parts[:2])
    return parts[0]


def classify(child: dict[str, Any]) -> Table:
    used = {m for token in (*child["types"], *child["invokes"]) if (m := module_of(token))}
    rows: dict[str, list[int]] = {}
    unused_examples: dict[str, list[str]] = {}
    for module in child["provider_modules"]:
        package = _package(module)
        counts = rows.setdefault(package, [0, 0, 0, 0])
        counts[0] += 1
        last = module.rsplit(".", 1)[-1]
        if module in used:
            counts[1] += 1
        elif module == package or last in SUPPORT or ".config" in module:
            counts[2] += 1
        else:
            counts[3] += 1
            unused_examples.setdefault(package, []).append(last)
    return Table(
        ("provider package", "modules loaded", "used by the plan", "support (init, types)", "unused", "e.g."),
        tuple(
            (
                f"`{package}`",
                str(c[0]),
                str(c[1]),
                str(c[2]),
                str(c[3]),
                ", ".join(unused_examples.get(package, [])[:3]) or "-",
            )
            for package, c in sorted(rows.items())
        ),
        caption="Provider modules in `sys.modules` after the dev plan:",
    )


def import_costs(repeats: int, empty: float) -> Table:
    rows: list[tuple[str, str, str]] = []
    sdk = empty
    for label, code, beyond_sdk in IMPORT_COSTS:
        seconds = statistics.median(_spawn(["-c", code])[1] for _ in range(repeats))
        rows.append(
            (
                label,
                f"{(seconds - (sdk if beyond_sdk else empty)) * 1e3:.0f}",
                "pulumi SDK" if beyond_sdk else "empty interpreter",
            )
        )
        if code == "import pulumi":
            sdk = seconds
    return Table(
        ("import", "ms (median)", "beyond"),
        tuple(rows),
        caption="Import costs, each in fresh interpreters:",
    )


def run(repeats: int = 5) -> Section:
    started = time.perf_counter()
    empties: list[float] = []
    baselines: list[float] = []
    devs: list[DevRun] = []
    for _ in range(repeats):
        empties.append(_spawn(["-c", "pass"])[1])
        baselines.append(_spawn(["-c", BASELINE])[1])
        devs.append(dev_run())
    empty = statistics.median(empties)
    baseline = statistics.median(baselines)

    def phase(name: str) -> float:
        return statistics.median(d.phases[name] for d in devs)

    first = phase("first_resource")
    table = Table(
        ("from process start to", "seconds (median)"),
        (
            ("empty interpreter exits (`python -c pass`)", f"{empty:.3f}"),
            (f'baseline exits (`python -c "{BASELINE}"`)', f"{baseline:.3f}"),
            ("dev plan: child code starts", f"{phase('child_started'):.3f}"),
            ("dev plan: pulumi SDK and the offline engine imported", f"{phase('engine_imported'):.3f}"),
            ("dev plan: settings parsed, program starts", f"{phase('program_started'):.3f}"),
            ("**dev plan: first resource registered**", f"**{first:.3f}**"),
            ("dev plan: first custom resource registered", f"{phase('first_custom'):.3f}"),
            ("dev plan: plan computed and printed", f"{phase('plan_done'):.3f}"),
            ("dev plan: process exits", f"{phase('exit'):.3f}"),
        ),
        caption=f"{repeats} fresh interpreters each; first resource at {first / baseline:.1f}x the baseline:",
    )
    child = devs[-1].child
    modules = classify(child)
    costs = import_costs(3, empty)
    notes = [
        "The program imports only provider packages it uses (`pulumi_azuread`, `pulumi_azure_native.apimanagement`, "
        "`pulumi_azure_native.resources`), but each package's generated `__init__` imports every module of the "
        "package (`from .x import *`), so most loaded provider modules are unused; importing fewer is not possible "
        "from the program's side. The baseline is cheaper than the plan's imports because `pulumi_azure_native` "
        "loads its subpackages lazily and the baseline never touches `apimanagement` or `resources`.",
    ]
    if child["other_modules"]:
        notes.append(
            f"Not a provider module, but unused by `plan`: {', '.join(f'`{m}`' for m in child['other_modules'])} "
            "are loaded because `tools/__main__.py` imports both commands' modules (`from tools import check_token, "
            "plan`) before parsing the arguments; importing the chosen command's module only would save the "
            "`tools.check_token.cli` import cost above."
        )
    section = Section("4. Start-up", tables=[table, modules, costs], notes=notes)
    section.seconds = time.perf_counter() - started
    return section


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.startup", description="Start-up: process start to first resource, dev stack."
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    section = run(args.repeats)
    print(render_section(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
