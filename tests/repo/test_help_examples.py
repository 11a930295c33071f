"""Every example a tool's `--help` shows runs as shown, in a checkout with the example stacks
(tests/fixture_stacks.py, `example_checkout`), in the order the tools are listed (so the plan's
`--json` and `--policies-dir` files are there for the examples after it).

An example names only files of the repository, or files an earlier example writes under `out/`; `$TOKEN`
is set to the sample token of docs/examples/ (a reader sets it to theirs). A token check or a CORS
check may answer either way (exit 0 or 1); a diff may find changes (1); anything else must exit 0.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bench.fresh_clone import clean_environment
from tests.fixture_stacks import example_checkout
from tools.__main__ import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TOKEN = ROOT / "docs" / "examples" / "billing-daemon-partners.jwt"
VERDICTS = {"check-token": {0, 1}, "check-cors": {0, 1}, "diff": {0, 1}}
"""Commands whose exit code is their answer; every other example must exit 0."""
INTERPRETERS = ("venv/bin/python", "python")


def help_text(command: str) -> str:
    """`python -m tools COMMAND --help`, as the command's module builds it."""
    parser = argparse.ArgumentParser(prog=f"python -m tools {command}")
    importlib.import_module(COMMANDS[command][0]).add_arguments(parser)
    return parser.format_help()


def help_examples(command: str) -> list[str]:
    """The command lines under `examples:` in `command --help` (comments left out, `\\` joined)."""
    text = help_text(command)
    section = text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0] if "\nexamples:\n" in text else ""
    joined = re.sub(r"\\\n\s*", "", section)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


EXAMPLES = [(command, example) for command in COMMANDS for example in help_examples(command)]


def test_every_tool_shows_examples_that_run_it() -> None:
    for command in COMMANDS:
        examples = help_examples(command)
        assert examples, f"{command} --help shows no example"
        for example in examples:
            words = shlex.split(example)
            assert words[0] in INTERPRETERS, example
            assert words[1:4] == ["-m", "tools", command], example


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example_checkout(tmp_path_factory.mktemp("help") / "apim-oauth")


@pytest.fixture(scope="module")
def runs(checkout: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """Each example, run once in order in the example checkout, with this interpreter."""
    token = SAMPLE_TOKEN.read_text(encoding="utf-8").strip()
    done: dict[str, subprocess.CompletedProcess[str]] = {}
    for _, example in EXAMPLES:
        words = shlex.split(example)
        assert words[0] in INTERPRETERS, example
        line = shlex.join([sys.executable]) + example.removeprefix(words[0])
        done[example] = subprocess.run(
            ["/bin/sh", "-c", line],
            cwd=checkout,
            env=clean_environment(TOKEN=token),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    return done


@pytest.mark.slow  # each example plans a stack in a fresh interpreter
@pytest.mark.parametrize(("command", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_help_example_runs_as_shown(
    command: str, example: str, runs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    result = runs[example]
    detail = f"{example}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert result.returncode in VERDICTS.get(command, {0}), detail
    assert "Traceback" not in result.stderr, detail
    assert result.stdout.strip(), detail
