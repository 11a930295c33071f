"""Child process of `bench.startup`: `python -m tools plan --stack dev`, with timestamps.

The first statement takes the time, before anything else is imported; the engine's monitor is
wrapped to stamp the first resource (and first custom resource) it is asked to register. Prints one
JSON line: monotonic stamps (comparable with the parent's on Linux), the provider modules loaded,
and the resource types and invokes the plan used.
"""

import time

STARTED = time.monotonic()

import contextlib  # noqa: E402 - after the first stamp on purpose
import io  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402


def main() -> int:
    from tools.plan import engine

    stamps: dict[str, float] = {"child_started": STARTED, "engine_imported": time.monotonic()}
    types: set[str] = set()
    invokes: set[str] = set()
    register = engine.RecordingMonitor.RegisterResource
    call = engine.OfflineMocks.call
    run_program = engine.run_program

    def stamped_run_program(*args: Any, **kwargs: Any) -> Any:
        stamps.setdefault("program_started", time.monotonic())
        return run_program(*args, **kwargs)

    def stamped_register(self: engine.RecordingMonitor, request: Any) -> Any:
        response = register(self, request)
        if request.type != "pulumi:pulumi:Stack":
            now = time.monotonic()
            stamps.setdefault("first_resource", now)
            if request.custom:
                stamps.setdefault("first_custom", now)
            types.add(request.type)
        return response

    def recorded_call(self: engine.OfflineMocks, args: Any) -> Any:
        invokes.add(args.token)
        return call(self, args)

    engine.RecordingMonitor.RegisterResource = stamped_register  # pyright: ignore[reportAttributeAccessIssue]
    engine.OfflineMocks.call = recorded_call  # pyright: ignore[reportAttributeAccessIssue]
    engine.run_program = stamped_run_program  # tools.plan.program imports it by name, after this

    from tools.__main__ import main as tools_main

    with contextlib.redirect_stdout(io.StringIO()):
        code = tools_main(["plan", "--stack", "dev"])
    stamps["plan_done"] = time.monotonic()
    # pulumi_azure_native registers every subpackage as a lazy module; only the loaded ones count.
    modules = sorted(
        name
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in ("pulumi_azure_native", "pulumi_azuread")
        and type(module).__name__ != "_LazyModule"
    )
    others = sorted(
        m
        for m in ("jwt", "cryptography", "tools.check_token.cli", "tools.check_token.evaluation")
        if m in sys.modules
    )
    print(
        json.dumps(
            {
                "exit": code,
                "stamps": stamps,
                "provider_modules": modules,
                "other_modules": others,
                "types": sorted(types),
                "invokes": sorted(invokes),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
