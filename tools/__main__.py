"""`python -m tools <command>`: the offline plan and the token check (contract: shared/design.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    # Imported here so `--help` and argument errors stay fast: the plan pulls in the Pulumi SDKs.
    from tools import check_token, plan

    parser = argparse.ArgumentParser(prog="python -m tools", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan.add_arguments(commands.add_parser("plan", help="compute a stack's deployment offline"))
    check_token.add_arguments(
        commands.add_parser("check-token", help="would the gateway accept this token, and if not, why")
    )
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
