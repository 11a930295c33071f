"""Fuzzing the tools with hostile input: plan JSON (`diff --base-plan`), policy XML (`check-token
--policy`, the diff's reading of policies) and tokens. Each input ends in an answer or in one error
line with exit 2, never in a traceback or in the catch-all for errors nobody expected, and within
a few seconds."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixture_stacks import DEV, DEV_FILE, stack_args
from tests.token_fixtures import NOW, app_claims, entra_metadata, jwt_policy_xml, segment, sign, sign_payload
from tools.__main__ import main
from tools.diff.plans import PlanDocument, from_json
from tools.diff.policy_meaning import compare
from tools.plan.plan_json import plan_json
from tools.plan.testing import stack_plan

pytestmark = pytest.mark.slow

SECONDS_PER_INPUT = 5.0
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)


@contextmanager
def bounded() -> Generator[None]:
    started = time.monotonic()
    yield
    assert time.monotonic() - started < SECONDS_PER_INPUT


def outcome(capsys: pytest.CaptureFixture[str], argv: list[str], allowed: set[int]) -> tuple[int, str]:
    with bounded():
        code = main(argv)
    captured = capsys.readouterr()
    assert code in allowed, (code, captured.err)
    if code == 2:
        assert captured.err.count("\n") == 1, captured.err
        assert "could not be processed" not in captured.err, captured.err  # the catch-all: a defect
    return code, captured.err


# --- plan JSON ----------------------------------------------------------------------------------


def saved_plan() -> dict[str, Any]:
    return json.loads(plan_json(stack_plan(DEV, stack_file=DEV_FILE)))


def mutated(plan: dict[str, Any], data: st.DataObject) -> object:
    """A real plan with one place replaced by an arbitrary JSON value."""
    document = copy.deepcopy(plan)
    resources: list[dict[str, Any]] = document["resources"]
    index = data.draw(st.integers(0, len(resources) - 1))
    key = data.draw(
        st.sampled_from(["urn", "type", "name", "parent", "inputs", "outputs", "dependencies", "options"])
    )
    choice = data.draw(st.sampled_from(["value", "drop", "parent-cycle", "whole"]))
    if choice == "value":
        resources[index][key] = data.draw(JSON_VALUES)
    elif choice == "drop":
        resources[index].pop(key, None)
    elif choice == "parent-cycle":
        other = data.draw(st.integers(0, len(resources) - 1))
        resources[other]["parent"] = resources[index]["urn"]
        resources[index]["parent"] = resources[other]["urn"]
    else:
        return data.draw(JSON_VALUES)
    return document


@FUZZ
@given(data=st.data())
def test_diff_with_a_hostile_base_plan(
    data: st.DataObject, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = saved_plan()
    head = from_json(plan, "this checkout")

    def current_plan(*_args: object) -> PlanDocument:
        return PlanDocument(head.resources, head.outputs, "head")

    monkeypatch.setattr("tools.diff.plans.current_plan", current_plan)
    base = tmp_path / "base.json"
    base.write_text(json.dumps(mutated(plan, data)), encoding="utf-8")
    outcome(capsys, ["diff", *stack_args(DEV), "--base-plan", str(base)], {0, 1, 2})


# --- policy XML ---------------------------------------------------------------------------------

XML_PIECES = st.sampled_from(
    [
        "<policies>",
        "</policies>",
        "<inbound>",
        "</inbound>",
        "<base />",
        "<validate-jwt",
        "</validate-jwt>",
        "<validate-azure-ad-token",
        "</validate-azure-ad-token>",
        ' header-name="Authorization"',
        ' tenant-id="t"',
        ">",
        "/>",
        "<audiences>",
        "</audiences>",
        "<audience>",
        "</audience>",
        '<openid-config url="',
        'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/.well-known/openid-configuration"',
        "<required-claims>",
        "</required-claims>",
        '<claim name="roles" match="any">',
        "</claim>",
        "<value>",
        "</value>",
        "<choose>",
        '<when condition="@(true)">',
        "</when>",
        "</choose>",
        "<!DOCTYPE x>",
        "<!ENTITY a 'b'>",
        "&a;",
        "{{named}}",
        "@(expr)",
        '<key certificate-id="c" />',
        "<issuer-signing-keys>",
        "</issuer-signing-keys>",
        "<key>AAAA</key>",
        ' clock-skew="-1"',
        ' clock-skew="99999999999999999999"',
        "<a>" * 100,
        "</a>" * 100,
        "\x00",
        "\ud800",
        "é",
    ]
)
XML_DOCUMENTS = st.lists(XML_PIECES | st.text(max_size=10), max_size=40).map("".join)


@FUZZ
@given(document=XML_DOCUMENTS)
def test_check_token_and_diff_with_a_hostile_policy(
    document: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.xml"
    policy.write_bytes(document.encode("utf-8", errors="surrogatepass"))
    metadata = tmp_path / "metadata"
    metadata.mkdir(exist_ok=True)
    argv = ["check-token", "--policy", str(policy), "--token", sign(app_claims()), "--now", str(NOW)]
    for index, (url, body) in enumerate(entra_metadata().items()):
        (metadata / f"{index}.json").write_bytes(body)
        argv.append(f"--metadata={url}={metadata / f'{index}.json'}")
    outcome(capsys, argv, {0, 1, 2})
    with bounded():
        compare(document, jwt_policy_xml(2))


# --- tokens -------------------------------------------------------------------------------------

TOKEN_PARTS = st.sampled_from(["eyJ", ".", "Bearer ", "==", "\x00", "é", "%", " ", segment({"alg": "none"})])
TOKENS = (
    st.lists(TOKEN_PARTS | st.text(max_size=12), max_size=30).map("".join)
    | st.tuples(JSON_VALUES, JSON_VALUES, st.text(max_size=20)).map(
        lambda parts: f"{segment(parts[0])}.{segment(parts[1])}.{parts[2]}"
    )
    | st.dictionaries(
        st.sampled_from(["aud", "iss", "exp", "nbf", "iat", "azp", "roles", "tid", "ver"]),
        JSON_VALUES,
        max_size=9,
    ).map(lambda claims: sign_payload(json.dumps({**app_claims(), **claims}).encode()))
)


@FUZZ
@given(token=TOKENS)
def test_check_token_with_a_hostile_token(
    token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.xml"
    policy.write_text(jwt_policy_xml(2), encoding="utf-8")
    token_file = tmp_path / "token.jwt"
    token_file.write_bytes(token.encode("utf-8", errors="surrogatepass"))
    argv = [
        "check-token",
        "--policy",
        str(policy),
        "--token-file",
        str(token_file),
        "--now",
        str(NOW),
        "--json",
    ]
    for index, (url, body) in enumerate(entra_metadata().items()):
        (tmp_path / f"{index}.json").write_bytes(body)
        argv.append(f"--metadata={url}={tmp_path / f'{index}.json'}")
    code, _ = outcome(capsys, argv, {0, 1})
    # A token nobody signed with the tenant's key is never accepted (the fuzzed claims are signed
    # with it, and may well be accepted).
    assert code == 1 or token.count(".") == 2


# --- stack files --------------------------------------------------------------------------------

STACK_LINES = DEV_FILE.read_text(encoding="utf-8").splitlines()
YAML_PIECES = st.sampled_from(
    [
        "&a ",
        "*a",
        "&b [*a, *a, *a]",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "- ",
        "  ",
        "\t",
        "'",
        '"',
        "\\",
        "#",
        "9999-12-31",
        "2026-13-01",
        "1e999",
        "-1",
        "null",
        "~",
        "yes",
        "<<: *a",
        "!!python/object:os.system",
        "!!binary",
        "%YAML 1.1",
        "---",
        "...",
        "inventory/../echo",
        "https://a.example\\@evil.example/",
        "apim-oauth:apis: echo",
        "\x00",
        "é",
    ]
)


@st.composite
def stack_texts(draw: st.DrawFn) -> str:
    """The fixture stack file with a few lines replaced or changed by YAML pieces."""
    lines = list(STACK_LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        piece = "".join(draw(st.lists(YAML_PIECES | st.text(max_size=6), min_size=1, max_size=4)))
        where = draw(st.sampled_from(["replace", "append", "insert"]))
        if where == "replace":
            lines[index] = lines[index][: len(lines[index]) - len(lines[index].lstrip())] + piece
        elif where == "append":
            lines[index] += piece
        else:
            lines.insert(index, piece)
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=stack_texts())
def test_plan_with_a_hostile_stack_file(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.plan.model import Plan

    # Reading and validating the stack file is what is fuzzed: the program's run is a stub (a valid
    # configuration then plans nothing), and the plan cache is a scratch directory.
    def no_program(*_args: object, **_kwargs: object) -> Plan:
        return Plan()

    monkeypatch.setattr("tools.plan.engine.run_program", no_program)
    monkeypatch.setenv("APIM_OAUTH_PLAN_CACHE", str(tmp_path / "cache"))
    stack_file = tmp_path / "Pulumi.fuzz.yaml"
    stack_file.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    code, err = outcome(capsys, ["plan", "--stack", "fuzz", "--config", str(stack_file)], {0, 2})
    assert code == 0 or err.startswith("config error: ")
