"""Every example a tool's `--help` shows runs as shown, in a checkout with the example stacks
(tests/fixture_stacks.py, `example_checkout`), in the order the tools are listed (so the plan's
`--json` and `--policies-dir` files are there for the examples after it).

An example names only files of the repository, or files an earlier example writes under `out/`; `$TOKEN`
is set to the sample token of docs/examples/ (a reader sets it to theirs). A token check, a CORS check
or a run of the matrix may answer either way (exit 0 or 1); a diff may find changes (1); anything else
must exit 0. The local gateway serves until stopped: its examples must listen on their port (a free
one, for the 8080 shown), and the first one serves `verify --gateway`'s example.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.fresh_clone import clean_environment
from tests.fixture_stacks import example_checkout
from tools.__main__ import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TOKEN = ROOT / "docs" / "examples" / "billing-daemon-partners.jwt"
VERDICTS = {"check-token": {0, 1}, "check-cors": {0, 1}, "diff": {0, 1}, "verify": {0, 1}}
"""Commands whose exit code is their answer; every other example must exit 0."""
INTERPRETERS = ("venv/bin/python", "python")
SERVERS = {"gateway"}
"""Commands that serve until stopped: an example runs as shown when it listens on its port."""
NOT_OFFLINE = {
    "venv/bin/python -m tools verify --stack dev --gateway https://apim-oauth-dev.azure-api.net "
    "--outputs out/dev.json --drift": "calls a deployed gateway and reads ARM with a bearer token",
}
"""Examples that need a deployment, each with why; every one must still be an example (tested)."""
SHOWN_PORT = 8080
"""The port the examples show; the test gives them a free one."""


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


SHOWN = [(command, example) for command in COMMANDS for example in help_examples(command)]
EXAMPLES = [(command, example) for command, example in SHOWN if example not in NOT_OFFLINE]


def test_every_example_left_out_is_still_shown_and_says_why() -> None:
    shown = {example for _, example in SHOWN}
    for example, why in NOT_OFFLINE.items():
        assert example in shown, f"no --help shows {example!r} any more: drop it from NOT_OFFLINE"
        assert why


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _line(example: str, port: int) -> str:
    """The example as this test runs it: this interpreter, and a free port for the one it shows."""
    words = shlex.split(example)
    assert words[0] in INTERPRETERS, example
    line = shlex.join([sys.executable]) + example.removeprefix(words[0])
    return line.replace(f":{SHOWN_PORT}", f":{port}").replace(f"--port {SHOWN_PORT}", f"--port {port}")


def _listening(port: int, server: subprocess.Popen[str], seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _serve(line: str, port: int, cwd: Path) -> tuple[subprocess.Popen[str], bool]:
    """A serving example started (on `port`, or its own); whether it listened on `port`."""
    server = subprocess.Popen(
        ["/bin/sh", "-c", f"exec {line}" if "--port" in line else f"exec {line} --port {port}"],
        cwd=cwd,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return server, _listening(port, server)


def _stopped(server: subprocess.Popen[str], listened: bool) -> subprocess.CompletedProcess[str]:
    server.terminate()
    out, err = server.communicate(timeout=30)
    # A server that listened and stopped when asked ran as shown: exit 0, as Ctrl-C gives.
    return subprocess.CompletedProcess(server.args, 0 if listened else 2, out or "listening", err)


@pytest.fixture(scope="module")
def runs(checkout: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """Each example, run once in order in the example checkout, with this interpreter. A serving
    command's first example listens while the others run (`verify --gateway` calls it); each one is
    checked to listen, then stopped."""
    token = SAMPLE_TOKEN.read_text(encoding="utf-8").strip()
    done: dict[str, subprocess.CompletedProcess[str]] = {}
    serving = [e for c, e in EXAMPLES if c in SERVERS]
    port = _free_port()
    started: tuple[subprocess.Popen[str], bool] | None = None
    for _, example in EXAMPLES:
        if example in serving:
            continue
        if serving and f":{SHOWN_PORT}" in example and started is None:
            started = _serve(_line(serving[0], port), port, checkout)
        done[example] = subprocess.run(
            ["/bin/sh", "-c", _line(example, port)],
            cwd=checkout,
            env=clean_environment(TOKEN=token),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    if started is not None:
        done[serving[0]] = _stopped(*started)
    for example in serving:
        if example not in done:
            own = _free_port()
            done[example] = _stopped(*_serve(_line(example, own), own, checkout))
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
