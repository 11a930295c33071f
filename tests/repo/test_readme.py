"""The shell commands of the README and of docs/*.md run as shown, so the docs cannot drift from the code.

Every command line in the ```sh, ```bash, ```shell and ```console blocks of README.md and docs/*.md
(README first, then the docs by name) is classified:

- offline (`make plan`, `python -m tools ...`, `venv/bin/python -m tools ...`, `mkdir -p out/...`):
  run here, in README order, from the project directory with this interpreter; paths under `out/`
  go to a temporary directory. The exit code must be the one the README states in a trailing
  comment (`# exit 1: ...`), else 0. In a ```console block the lines after `$ command` are output
  the command must print (`...` stands for lines left out).
- not offline (`pulumi`, `curl`, `az`, `make test`, `make bench`): listed in NOT_OFFLINE with the
  reason; never run. A single command is also skipped when its trailing comment says
  `# not offline: <reason>` (a check-token example on the reader's own token).
- anything else fails `test_every_command_is_classified` until it is added to one of the lists.

The docs' commands are examples on the stacks `dev`, `prod` and `china` as the project ships them, not
on whatever a team has made of its stacks/ (removing `billing-daemon` must not fail these tests): they
run in a copy of the repository whose stacks/ are those examples (tests/fixture_stacks.py,
`example_checkout`). A page that changes the checkout (SANDBOXED: docs/add-a-stack.md adds a stack
file) runs in a copy of its own, where `cp` and `python3 tools/stacks.py` are offline too.

`make plan` is run as its recipe's last line (read with `make -n plan`): the recipe's first lines
create the virtualenv and install, which needs a network; this checks the command it ends with.

The sample tokens in `docs/examples/` that the README's check-token examples use are derived here
from the example dev stack's plan and a fixed seed (so they are reproducible, and no private key is checked in);
`test_examples_are_reproducible` fails when the plan's IDs change. Regenerate them with
`venv/bin/python -m tests.repo.test_readme`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from apim_oauth.policies.cors import CorsPolicy, cors_element
from apim_oauth.policies.rendering import render_policy_document
from tests.fixture_stacks import example_checkout

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
EXAMPLES = ROOT / "docs" / "examples"
DOCS = (README, *sorted((ROOT / "docs").glob("*.md")))
SANDBOXED = {"docs/add-a-stack.md"}

SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
MERMAID_KEYWORDS = (
    "flowchart",
    "graph",
    "sequenceDiagram",
    "classDiagram",
    "stateDiagram",
    "stateDiagram-v2",
    "erDiagram",
    "journey",
    "gantt",
    "pie",
)

OFFLINE_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("make", "plan"),
    ("python", "-m", "tools"),
    ("venv/bin/python", "-m", "tools"),
    ("mkdir", "-p"),
    ("venv/bin/python", "-m", "pytest"),
)
SANDBOX_PREFIXES: tuple[tuple[str, ...], ...] = (("cp",), ("python3", "tools/stacks.py"))
NOT_OFFLINE: Mapping[tuple[str, ...], str] = {
    ("pulumi",): "needs the Pulumi CLI, Azure credentials and a deployed stack",
    ("curl",): "calls Entra and the deployed gateway over the network",
    ("az",): "needs the Azure CLI signed in to a tenant",
    ("make", "test"): "is the test suite itself: running it from a test would recurse",
    ("make", "bench"): "runs the benchmarks, which take long and print figures, not verdicts",
    ("export",): "sets the shell's environment for the commands after it",
}
SHELL_OPERATORS = {"|", "||", "&", "&&", ";", ">", ">>", "<", "2>", "2>&1"}
PLAN_RECIPE = ("venv/bin/python", "-m", "tools", "plan")
TIMEOUT_SECONDS = 120


# --- reading the README -------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    language: str
    line: int
    """README line number of the block's first content line."""
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Command:
    doc: str
    """The page, relative to the project directory (README.md, docs/....md)."""
    line: int
    """Line number in the page where the command starts."""
    text: str
    """The command as shown, continuation lines joined, without its trailing comment."""
    argv: tuple[str, ...]
    comment: str
    """The trailing comment: `exit N` states the exit code, `not offline: <reason>` skips the command."""
    expected_exit: int
    shown_output: tuple[str, ...]
    """Console blocks: the lines shown after the command."""

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}:{self.text[:60]}"


def fenced_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = re.fullmatch(r"(\s*)(`{3,}|~{3,})\s*([\w+-]*).*", lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, language = opening.group(1), opening.group(2), opening.group(3).lower()
        start = index + 1
        index = start
        while index < len(lines) and not re.fullmatch(rf"\s*{re.escape(fence)}\s*", lines[index]):
            index += 1
        # A block inside a list item is indented like the item's text: its lines, without that indent.
        content = tuple(line.removeprefix(indent) for line in lines[start:index])
        blocks.append(Block(language, start + 1, content))
        index += 1
    return blocks


def split_comment(line: str) -> tuple[str, str]:
    """(code, comment): a `#` that starts a word outside quotes starts the comment, as in sh."""
    quote: str | None = None
    for position, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (position == 0 or line[position - 1].isspace()):
            return line[:position].rstrip(), line[position + 1 :].strip()
    return line.rstrip(), ""


def _quotes_closed(code: str) -> bool:
    try:
        shlex.split(code)
    except ValueError:
        return False
    return True


def _logical_lines(lines: tuple[str, ...], first_line: int) -> Iterator[tuple[int, str]]:
    """(README line, line) with `\\` continuations joined."""
    pending: list[str] = []
    start = first_line
    for offset, raw in enumerate(lines):
        if not pending:
            start = first_line + offset
        if raw.rstrip().endswith("\\"):
            pending.append(raw.rstrip()[:-1])
            continue
        pending.append(raw)
        joined = " ".join(part.strip() for part in pending)
        if not _quotes_closed(split_comment(joined)[0]):
            continue  # a quoted argument that spans lines, such as a JSON document
        yield start, joined
        pending = []
    if pending:
        yield start, " ".join(part.strip() for part in pending)


def _command(doc: str, line: int, logical: str, shown_output: tuple[str, ...] = ()) -> Command | None:
    code, comment = split_comment(logical)
    if not code:
        return None
    expected = re.search(r"\bexit (\d+)\b", comment)
    return Command(
        doc=doc,
        line=line,
        text=code,
        argv=tuple(shlex.split(code)),
        comment=comment,
        expected_exit=int(expected.group(1)) if expected else 0,
        shown_output=shown_output,
    )


def _console_commands(doc: str, block: Block) -> Iterator[Command]:
    """`$ command` (with `\\` continuation lines), then what it prints until the next prompt."""
    lines = block.lines
    index = 0
    while index < len(lines):
        if not lines[index].startswith("$ "):
            index += 1
            continue
        start = index
        parts = [lines[index][2:]]
        while parts[-1].rstrip().endswith("\\") and index + 1 < len(lines):
            parts[-1] = parts[-1].rstrip()[:-1]
            index += 1
            parts.append(lines[index])
        index += 1
        output: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            if lines[index].strip():
                output.append(lines[index])
            index += 1
        logical = " ".join(part.strip() for part in parts)
        if (command := _command(doc, block.line + start, logical, tuple(output))) is not None:
            yield command


def shell_commands(text: str, doc: str = "README.md") -> list[Command]:
    commands: list[Command] = []
    for block in fenced_blocks(text):
        if block.language == "console":
            commands.extend(_console_commands(doc, block))
        elif block.language in SHELL_LANGUAGES:
            for line, logical in _logical_lines(block.lines, block.line):
                if (command := _command(doc, line, logical)) is not None:
                    commands.append(command)
    return commands


def mermaid_blocks(text: str) -> list[Block]:
    return [b for b in fenced_blocks(text) if b.language == "mermaid"]


# --- classifying --------------------------------------------------------------------------------


def _program(argv: tuple[str, ...]) -> tuple[str, ...]:
    """The words that name what runs: leading `NAME=value` dropped, `NAME=$(cmd ...)` looked into."""
    words = list(argv)
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        value = words[0].split("=", 1)[1]
        if value.startswith("$("):
            return (value[2:], *words[1:])
        words.pop(0)
    return tuple(words)


def classify(command: Command) -> tuple[str, str]:
    """("run", "") for an offline command, ("skip", reason), or ("unknown", why)."""
    program = _program(command.argv)
    marked = re.search(r"\bnot offline:\s*(.+)", command.comment)
    if marked:
        return "skip", marked.group(1)
    if not program:
        return "skip", "sets a shell variable for the lines after it"
    for prefix, reason in NOT_OFFLINE.items():
        if program[: len(prefix)] == prefix:
            return "skip", reason
    prefixes = OFFLINE_PREFIXES + (SANDBOX_PREFIXES if command.doc in SANDBOXED else ())
    for prefix in prefixes:
        if program[: len(prefix)] == prefix:
            if program != command.argv:
                return "unknown", "an offline command inside an assignment"
            operators = SHELL_OPERATORS & set(program)
            if operators:
                return "unknown", f"an offline command with shell operators {sorted(operators)}"
            return "run", ""
    return "unknown", "not in OFFLINE_PREFIXES or NOT_OFFLINE"


README_TEXT = README.read_text(encoding="utf-8") if README.is_file() else ""
COMMANDS = [
    command
    for doc in DOCS
    for command in shell_commands(doc.read_text(encoding="utf-8"), str(doc.relative_to(ROOT)))
]
OFFLINE = [c for c in COMMANDS if classify(c)[0] == "run" and c.doc not in SANDBOXED]
IN_SANDBOX = [c for c in COMMANDS if classify(c)[0] == "run" and c.doc in SANDBOXED]


# --- running ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def _local(argument: str, out_dir: Path) -> str:
    return str(out_dir / argument[len("out/") :]) if argument.startswith("out/") else argument


def _plan_recipe(arguments: tuple[str, ...] = (), cwd: Path = ROOT) -> tuple[str, ...]:
    """The command `make plan` ends with (the lines before it create the venv and install)."""
    assert all(re.fullmatch(r"STACK=[\w.-]+", a) for a in arguments), f"make plan {arguments}: only STACK="
    dry = subprocess.run(
        # --no-print-directory: under `make test` this is a nested make, which would add
        # "Entering/Leaving directory" lines.
        ["make", "-n", "--no-print-directory", "plan", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert dry.returncode == 0, dry.stderr
    last = [line for line in dry.stdout.splitlines() if line.strip()][-1]
    recipe = tuple(shlex.split(last))
    assert recipe[: len(PLAN_RECIPE)] == PLAN_RECIPE, f"`make plan` no longer ends with the plan: {last}"
    return recipe


def run_offline(command: Command, out_dir: Path, cwd: Path = ROOT) -> Result:
    argv = command.argv
    if argv[:2] == ("make", "plan"):
        argv = _plan_recipe(argv[2:], cwd)
    if argv[0] == "cp":
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
        return Result(argv, done.returncode, done.stdout, done.stderr)
    if argv[0] == "mkdir":
        for directory in argv[2:]:
            assert directory.startswith("out/") or directory == "out", f"mkdir outside out/: {directory}"
            (out_dir / directory.removeprefix("out").lstrip("/")).mkdir(parents=True, exist_ok=True)
        return Result(argv, 0, "", "")
    local = (sys.executable, *(_local(a, out_dir) for a in argv[1:]))
    done = subprocess.run(
        local, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    return Result(local, done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def examples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout the docs' commands run in: the repository with the example stacks as shipped."""
    return example_checkout(tmp_path_factory.mktemp("examples") / "apim-oauth")


@pytest.fixture(scope="module")
def readme_runs(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> dict[Command, Result]:
    """Every offline command, run once in order (later ones read what earlier ones wrote), in the
    example checkout; the sandboxed pages' in a checkout of their own (the same venv)."""
    out_dir = tmp_path_factory.mktemp("readme") / "out"
    runs = {command: run_offline(command, out_dir, examples_dir) for command in OFFLINE}
    if IN_SANDBOX:
        sandbox = example_checkout(tmp_path_factory.mktemp("sandbox") / "apim-oauth")
        runs |= {command: run_offline(command, out_dir, sandbox) for command in IN_SANDBOX}
    return runs


def _plan_json(stack: str, directory: Path, cwd: Path) -> dict[str, Any]:
    target = directory / f"{stack}-plan.json"
    subprocess.run(
        [sys.executable, "-m", "tools", "plan", "--stack", stack, "--json", str(target)],
        cwd=cwd,
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=True,
    )
    document: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def dev_plan(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> dict[str, Any]:
    return _plan_json("dev", tmp_path_factory.mktemp("plan"), examples_dir)


# --- the sample tokens of docs/examples ---------------------------------------------------------

SAMPLE_SEED = "apim-oauth README sample signing key; public, so never trust it"
SAMPLE_KID = "readme-sample-key"
SAMPLE_NOW = 1_790_812_800
"""2026-10-01T00:00:00Z: the README's `--now`; the samples are valid for an hour from 5 minutes before."""
_SMALL_PRIMES = tuple(p for p in range(3, 2000, 2) if all(p % q for q in range(3, int(p**0.5) + 1, 2)))


def _probable_prime(n: int) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return False
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for base in _SMALL_PRIMES[:16]:
        x = pow(base, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _seeded_prime(label: str, bits: int = 1024) -> int:
    counter = 0
    while True:
        stream = b"".join(
            hashlib.sha256(f"{SAMPLE_SEED}/{label}/{counter}/{i}".encode()).digest()
            for i in range(bits // 256)
        )
        candidate = int.from_bytes(stream, "big") | (0b11 << (bits - 2)) | 1
        if (candidate - 1) % 65537 and _probable_prime(candidate):
            return candidate
        counter += 1


def sample_key() -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key derived from SAMPLE_SEED: the same on every machine, so nothing secret."""
    p, q, e = _seeded_prime("p"), _seeded_prime("q"), 65537
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


def cors_policy() -> bytes:
    """An API policy document with a `cors` for a single-page app at https://app.contoso.com, as the
    program renders one: what `check-cors --help` checks a browser request against."""
    root = ET.fromstring(render_policy_document(None))
    inbound = root.find("inbound")
    assert inbound is not None
    policy = CorsPolicy(
        origins=("https://app.contoso.com",),
        methods=("GET", "POST"),
        headers=("authorization", "content-type"),
    )
    inbound.insert(0, cors_element(policy))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode").encode() + b"\n"


def sample_files(plan: Mapping[str, Any]) -> dict[str, bytes]:
    """docs/examples/*: Entra-like metadata and two app-only tokens for the dev stack's billing-daemon.

    `billing-daemon-partners.jwt` asked for `products.partners.scope` (accepted by the partners
    policy); `billing-daemon-backend.jwt` asked for the backend's scope instead, which Entra grants
    without roles when the backend does not require assignment: a 401 at the partners product.
    """
    outputs = plan["outputs"]
    tenant = outputs["tenantId"]
    login = "https://login.microsoftonline.com"
    issuer = f"{login}/{tenant}/v2.0"
    jwks_uri = f"{login}/{tenant}/discovery/v2.0/keys"
    key = sample_key()
    public_jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    openid = {
        "issuer": issuer,
        "jwks_uri": jwks_uri,
        "token_endpoint": outputs["tokenEndpoint"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    jwks = {
        "keys": [{"kty": "RSA", "use": "sig", "kid": SAMPLE_KID, "n": public_jwk["n"], "e": public_jwk["e"]}]
    }
    caller = outputs["clients"]["billing-daemon"]["clientId"]
    caller_object = next(
        str(r["outputs"]["objectId"])
        for r in plan["resources"]
        if r["type"] == "azuread:index/servicePrincipal:ServicePrincipal"
        and r["inputs"].get("clientId") == caller
    )

    def token(audience: str, roles: list[str]) -> bytes:
        claims: dict[str, object] = {
            "aud": audience,
            "iss": issuer,
            "iat": SAMPLE_NOW - 300,
            "nbf": SAMPLE_NOW - 300,
            "exp": SAMPLE_NOW + 3300,
            "azp": caller,
            "azpacr": "1",
            "idtyp": "app",
            "oid": caller_object,
            "roles": roles,
            "sub": caller_object,
            "tid": tenant,
            "ver": "2.0",
        }
        if not roles:  # Entra leaves the claim out when the app holds no role on the audience
            del claims["roles"]
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": SAMPLE_KID}).encode() + b"\n"

    def document(value: object) -> bytes:
        return (json.dumps(value, indent=2) + "\n").encode()

    return {
        "api-echo-cors.xml": cors_policy(),
        "openid-configuration.json": document(openid),
        "jwks.json": document(jwks),
        "billing-daemon-partners.jwt": token(
            outputs["products"]["partners"]["audience"], ["Product.Partners.All"]
        ),
        "billing-daemon-backend.jwt": token(outputs["backend"]["clientId"], []),
    }


# --- tests --------------------------------------------------------------------------------------


def test_readme_shows_the_two_commands() -> None:
    # Contract: the README's two commands, each in a fenced shell block.
    shown = {c.argv for c in COMMANDS}
    assert ("make", "plan") in shown
    assert ("make", "test") in shown


def test_every_command_is_classified() -> None:
    assert COMMANDS, "the README shows no shell commands"
    verdicts = [(c, *classify(c)) for c in COMMANDS]
    unknown = [f"{c.doc}:{c.line}: {c.text} ({why})" for c, kind, why in verdicts if kind == "unknown"]
    assert not unknown, (
        "classify these in tests/test_readme.py (offline, or NOT_OFFLINE with a reason):\n"
        + ("\n".join(unknown))
    )


@pytest.mark.slow
@pytest.mark.parametrize("command", OFFLINE + IN_SANDBOX, ids=[c.id for c in OFFLINE + IN_SANDBOX])
def test_offline_command_runs_as_shown(command: Command, readme_runs: dict[Command, Result]) -> None:
    result = readme_runs[command]
    detail = f"{shlex.join(result.argv)}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == command.expected_exit, (
        f"{command.doc}:{command.line} implies exit {command.expected_exit}, got {result.returncode}\n{detail}"
    )
    assert "Traceback" not in result.stderr, detail
    printed = result.stdout + result.stderr
    for line in command.shown_output:
        if line.strip() != "...":
            assert line.strip() in printed, f"{command.doc}:{command.line} shows {line.strip()!r}\n{detail}"


def test_the_plan_runs_offline_in_the_readme() -> None:
    # The point of the offline examples: at least the plan and a token check are exercised.
    programs = {c.argv[:4] for c in OFFLINE}
    assert ("venv/bin/python", "-m", "tools", "plan") in programs
    assert ("venv/bin/python", "-m", "tools", "check-token") in programs


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_point_to_files_in_the_repo(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    anchors = {_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*$", text, re.MULTILINE)}
    outside_code = "\n".join(
        line for line in _without_code_blocks(text).splitlines() if not line.startswith("    ")
    )
    links = re.findall(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", outside_code)
    assert links or doc != README, "the README links to nothing"
    broken: list[str] = []
    for target in links:
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        if not path:
            if _slug(fragment) not in anchors:
                broken.append(target)
            continue
        linked = doc.parent / path
        if not linked.exists():
            broken.append(target)
        elif fragment and linked.suffix == ".md":
            linked_text = linked.read_text(encoding="utf-8")
            headings = {
                _slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*$", linked_text, re.MULTILINE)
            }
            if _slug(fragment) not in headings:
                broken.append(target)
    assert not broken, f"{doc.name} links to what does not exist: {broken}"


def test_the_python_in_the_docs_is_code_the_tests_run() -> None:
    # docs/test-your-own-stack.md shows the fixture's loading and two team rules: each ```python
    # block must be, verbatim, part of a test module that runs (so the examples are tested).
    doc = ROOT / "docs" / "test-your-own-stack.md"
    blocks = [b for b in fenced_blocks(doc.read_text(encoding="utf-8")) if b.language == "python"]
    assert len(blocks) >= 3
    sources = {path: path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("*.py")}
    for block in blocks:
        code = "\n".join(block.lines)
        assert any(code in source for source in sources.values()), (
            f"{doc.name}:{block.line}: this code is not in any test module"
        )


def _without_code_blocks(text: str) -> str:
    blocks = fenced_blocks(text)
    lines = text.splitlines()
    inside = {b.line - 1 + i for b in blocks for i in range(-1, len(b.lines) + 1)}
    return "\n".join(line for n, line in enumerate(lines) if n not in inside)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@pytest.mark.slow  # plans the dev stack in a new process
def test_mermaid_diagrams_are_present_and_well_formed(dev_plan: dict[str, Any]) -> None:
    blocks = mermaid_blocks(README_TEXT)
    kinds: list[str] = []
    for block in blocks:
        first = next(
            (line.strip() for line in block.lines if line.strip() and not line.strip().startswith("%%")), ""
        )
        keyword = first.split()[0] if first else ""
        assert keyword in MERMAID_KEYWORDS, f"mermaid block at README line {block.line} starts with {first!r}"
        kinds.append(keyword)
        body = [line.strip() for line in block.lines]
        openers = sum(1 for line in body if re.match(r"(subgraph|alt|opt|loop|par|critical|rect)\b", line))
        assert openers == body.count("end"), f"mermaid block at README line {block.line}: unbalanced end"
    assert {"flowchart", "sequenceDiagram"} <= set(kinds), (
        f"expected a resource graph and a token flow: {kinds}"
    )

    # The resource graph names every kind of resource the dev plan declares, grouped by Entra and APIM.
    graph = "\n".join(next(b for b in blocks if b.lines and b.lines[0].strip().startswith("flowchart")).lines)
    assert re.search(r"subgraph\s+\w+\[\"?[^\]\n]*Entra", graph), "no Entra subgraph"
    assert re.search(r"subgraph\s+\w+\[\"?[^\]\n]*API Management", graph), "no API Management subgraph"
    resource_kinds = {
        r["type"].rsplit(":", 1)[-1] for r in dev_plan["resources"] if not r["type"].startswith("apim-oauth:")
    }
    missing = sorted(k for k in resource_kinds if not re.search(rf"\b{re.escape(k)}\b", graph))
    assert not missing, f"the README's resource graph leaves out resource kinds of the dev plan: {missing}"

    sequence = "\n".join(next(b for b in blocks if b.lines and b.lines[0].strip() == "sequenceDiagram").lines)
    for step in ("oauth2/v2.0/token", "client_credentials", "Bearer", "validate-jwt"):
        assert step in sequence, f"the token flow diagram does not show {step!r}"


@pytest.mark.slow  # plans the dev stack in a new process
def test_examples_are_reproducible(dev_plan: dict[str, Any]) -> None:
    expected = sample_files(dev_plan)
    stale = [
        name
        for name, content in expected.items()
        if not (EXAMPLES / name).is_file() or (EXAMPLES / name).read_bytes() != content
    ]
    assert not stale, (
        f"docs/examples/{', '.join(stale)} no longer match the dev plan: regenerate with "
        "`venv/bin/python -m tests.repo.test_readme` and review the README's check-token output"
    )


def write_examples() -> None:
    """Write docs/examples/* from the current dev plan."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        plan = _plan_json("dev", Path(directory), example_checkout(Path(directory) / "apim-oauth"))
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    for name, content in sample_files(plan).items():
        (EXAMPLES / name).write_bytes(content)
        print(f"wrote {(EXAMPLES / name).relative_to(ROOT)}")


if __name__ == "__main__":
    write_examples()
