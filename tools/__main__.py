"""`python -m tools COMMAND`: apim-oauth's offline tools; no cloud, no Pulumi CLI, no sign-in."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import cast

# command -> (module, help). Only the chosen command's module is imported: the plan needs the Pulumi
# SDKs, the token check needs pyjwt and cryptography, and neither should pay for the other.
COMMANDS = {
    "plan": ("tools.plan.cli", "compute a stack's deployment offline"),
    "check-token": ("tools.check_token.cli", "would the gateway accept this token, and if not, why"),
    "mint-token": ("tools.mint_token.cli", "mint a test-only token for a stack's client and product"),
    "diff": ("tools.diff.cli", "what a change does to a stack, in words"),
    "check-cors": ("tools.check_cors.cli", "would the gateway's cors let a browser page call this API"),
    "verify": ("tools.verify.cli", "the access matrix: which caller may call which operation"),
    "gateway": ("tools.gateway.cli", "a local test double of the gateway's token and CORS rules"),
}


class _OneLinePerCommand(argparse.HelpFormatter):
    """Each command and its purpose on one line: argparse sizes its help column without the indent it
    gives the commands, so a long command name would push its purpose to the next line."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)
        self._action_max_length = max(len(command) for command in COMMANDS) + 4


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = arguments[0] if arguments else None
    parser = argparse.ArgumentParser(
        prog="python -m tools",
        description="apim-oauth's offline tools: no cloud, no Pulumi CLI, no sign-in.",
        epilog="`python -m tools COMMAND --help` explains a command's options, with examples and exit codes.",
        formatter_class=_OneLinePerCommand,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command, (module_name, help_text) in COMMANDS.items():
        subparser = commands.add_parser(command, help=help_text)
        # Only the command being run (or asked for --help) is imported: the list of commands needs none.
        if command == chosen:
            importlib.import_module(module_name).add_arguments(subparser)
    args = parser.parse_args(arguments)
    try:
        return int(args.run(args))
    except BrokenPipeError:
        # The reader stopped reading (`... | head`): not an error of the command. Python's own advice
        # (signal module docs, "Note on SIGPIPE"): point stdout at devnull so the exit flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        # Every expected failure is reported by the command itself; this is the backstop. The
        # exception's text is left out: it could quote a token or a secret of the input.
        print(f"{args.command}: error: {unexpected(error, args)}", file=sys.stderr)
        return 2


INPUT_OPTIONS = ("config", "base_plan", "policy", "token_file", "stack", "base")
"""The options that name an input, most specific first: the first one given is blamed."""


def unexpected(error: BaseException, args: argparse.Namespace) -> str:
    """One line for an error no command expected, naming the input at fault."""
    for option in INPUT_OPTIONS:
        value = getattr(args, option, None)
        if value:
            shown = (
                ", ".join(map(str, cast("list[object]", value))) if isinstance(value, list) else str(value)
            )
            flag = "--" + option.replace("_", "-")
            return f"{flag} {shown} could not be processed ({type(error).__name__})"
    return f"the input could not be processed ({type(error).__name__})"


if __name__ == "__main__":
    sys.exit(main())
