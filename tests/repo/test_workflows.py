"""The GitOps workflows: valid for GitHub, clean under zizmor, and doing what a reviewer relies on.

`preview.yml` previews every stack on a pull request to main; `deploy.yml` runs `pulumi up` for dev,
then prod behind its environment, on push to main. Both authenticate to Azure by OIDC only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from tools import install

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.y*ml"))
PREVIEW = WORKFLOWS_DIR / "preview.yml"
DEPLOY = WORKFLOWS_DIR / "deploy.yml"
STATE_DOC = ROOT / "docs" / "state-backend.md"

STACKS = {"dev", "prod", "china"}
ALLOWED_SECRETS = {"GITHUB_TOKEN", "PULUMI_ACCESS_TOKEN"}
OIDC_VARS = ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID")
PINNED_USES = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
SEVERITIES = ("Informational", "Low", "Medium", "High")

# Parsed YAML: keys are strings, except that YAML 1.1 turns the key `on` into True.
Workflow = dict[Any, Any]
Job = dict[str, Any]
Step = dict[str, Any]


def _tool(name: str) -> str:
    """A console script installed next to this interpreter (the venv's bin directory)."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} is not installed next to {sys.executable}; run `make test`"
    return str(path)


def _load(path: Path) -> Workflow:
    data: object = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    return cast(Workflow, data)


def _triggers(workflow: Workflow) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    on: object = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(str(event) for event in cast(list[object], on))
    assert isinstance(on, dict), "workflow has no `on:` triggers"
    return cast(dict[str, Any], on)


def _jobs(workflow: Workflow) -> dict[str, Job]:
    jobs: object = workflow["jobs"]
    assert isinstance(jobs, dict)
    return cast(dict[str, Job], jobs)


def _steps(job: Job) -> list[Step]:
    return list(job.get("steps", []))


def _pulumi_steps(job: Job) -> list[Step]:
    return [s for s in _steps(job) if str(s.get("uses", "")).startswith("pulumi/actions@")]


def _pulumi_jobs(workflow: Workflow) -> dict[str, Job]:
    """The jobs that touch a stack: those that run the pulumi/actions action with a command."""
    return {
        name: job
        for name, job in _jobs(workflow).items()
        if any(s.get("with", {}).get("command") for s in _pulumi_steps(job))
    }


def _walk(node: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(node, dict):
        for key, value in cast(dict[object, object], node).items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(cast(list[object], node)):
            yield from _walk(value, f"{path}[{index}]")
    else:
        yield path, node


def _needs(job: Job) -> set[str]:
    needs: object = job.get("needs", [])
    return {needs} if isinstance(needs, str) else {str(n) for n in cast(list[object], needs)}


def _ancestors(jobs: dict[str, Job], name: str) -> set[str]:
    seen: set[str] = set()
    todo = list(_needs(jobs[name]))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(_needs(jobs[current]))
    return seen


def _environment_name(job: Job) -> str | None:
    env: object = job.get("environment")
    if isinstance(env, dict):
        return str(cast(dict[str, object], env).get("name"))
    return None if env is None else str(env)


# --- Tools: GitHub's schema and zizmor ------------------------------------------------------------


def test_both_workflows_exist() -> None:
    assert PREVIEW in WORKFLOWS
    assert DEPLOY in WORKFLOWS


@pytest.mark.slow  # runs an external checker
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_githubs_schema(workflow: Path) -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _zizmor(path: Path) -> list[dict[str, Any]]:
    """zizmor's findings of medium severity or above, as the most suspicious persona sees them."""
    result = subprocess.run(
        [
            _tool("zizmor"),
            "--offline",
            "--no-config",
            "--no-ignores",
            "--persona",
            "auditor",
            "--min-severity",
            "medium",
            "--format",
            "json",
            "--no-progress",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    # Exit 0: no findings; 11-14: findings (by highest severity); anything else: zizmor failed.
    assert result.returncode in (0, 11, 12, 13, 14), result.stderr
    findings: object = json.loads(result.stdout)
    assert isinstance(findings, list)
    return cast(list[dict[str, Any]], findings)


@pytest.mark.slow  # runs an external checker
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_zizmor_finds_nothing_of_medium_severity_or_above(workflow: Path) -> None:
    findings = _zizmor(workflow)
    summary = [
        f"{f['ident']} ({f['determinations']['severity']}): {f['desc']} at "
        + ", ".join(loc["concrete"]["feature"] for loc in f["locations"])
        for f in findings
    ]
    assert findings == [], "\n".join(summary)


@pytest.mark.slow  # runs an external checker
def test_zizmor_audit_would_catch_a_dangerous_workflow(tmp_path: Path) -> None:
    # Guards the harness itself: an empty finding list must mean "clean", not "not audited".
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    idents = {f["ident"] for f in _zizmor(bad)}
    assert {"unpinned-uses", "template-injection", "artipacked"} <= idents


# --- Triggers -------------------------------------------------------------------------------------


def test_preview_runs_on_pull_requests_to_main_only() -> None:
    triggers = _triggers(_load(PREVIEW))
    assert set(triggers) == {"pull_request"}
    assert triggers["pull_request"]["branches"] == ["main"]


def test_deploy_runs_on_push_to_main_and_by_hand() -> None:
    triggers = _triggers(_load(DEPLOY))
    assert set(triggers) == {"push", "workflow_dispatch"}
    assert triggers["push"]["branches"] == ["main"]


def test_no_workflow_uses_a_privileged_pull_request_trigger() -> None:
    for path in WORKFLOWS:
        assert not {"pull_request_target", "workflow_run"} & set(_triggers(_load(path))), path.name


# --- What runs ------------------------------------------------------------------------------------


def _commands(workflow: Workflow) -> dict[str, list[tuple[str, str]]]:
    """job name -> [(pulumi command, stack-name)] for every pulumi/actions step."""
    return {
        name: [(s["with"]["command"], str(s["with"]["stack-name"])) for s in _pulumi_steps(job)]
        for name, job in _pulumi_jobs(workflow).items()
    }


def _stack_list_step() -> tuple[str, Step]:
    """The preview workflow's job that lists the stacks, and its step that writes the list."""
    jobs = _jobs(_load(PREVIEW))
    (job,) = _pulumi_jobs(_load(PREVIEW)).values()
    matrix = str(job["strategy"]["matrix"]["stack"])
    found = re.fullmatch(r"\$\{\{ fromJSON\(needs\.([\w-]+)\.outputs\.(\w+)\) \}\}", matrix)
    assert found, f"the preview matrix is not read from a job's output: {matrix}"
    lister, output = found.groups()
    assert lister in _needs(job)
    step_id = re.fullmatch(
        rf"\$\{{\{{ steps\.([\w-]+)\.outputs\.{output} \}}\}}", str(jobs[lister]["outputs"][output])
    )
    assert step_id, jobs[lister]["outputs"]
    (step,) = [s for s in _steps(jobs[lister]) if s.get("id") == step_id.group(1)]
    return output, step


def discovered_stacks(project: Path) -> list[str]:
    """The stack matrix the preview workflow would compute for a checkout at `project`: the listing
    step's script, run as GitHub runs it (`bash -e`), with its GITHUB_OUTPUT read back."""
    output, step = _stack_list_step()
    github_output = project / "github-output.txt"
    github_output.write_text("", encoding="utf-8")
    done = subprocess.run(
        ["bash", "-e", "-c", str(step["run"])],
        cwd=project,
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(github_output)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    values = dict(line.split("=", 1) for line in github_output.read_text(encoding="utf-8").splitlines())
    stacks: object = json.loads(values[output])
    assert isinstance(stacks, list)
    return [str(s) for s in cast(list[object], stacks)]


def _copy_for_discovery(destination: Path) -> Path:
    """What the listing job has after checkout: here only the stack files and the listing script."""
    shutil.copytree(ROOT / "stacks", destination / "stacks")
    (destination / "tools").mkdir()
    shutil.copy2(ROOT / "tools" / "stacks.py", destination / "tools" / "stacks.py")
    return destination


def test_preview_previews_every_stack_file(tmp_path: Path) -> None:
    stack_files = {
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml")
    }
    assert stack_files >= STACKS
    assert sorted(discovered_stacks(_copy_for_discovery(tmp_path))) == sorted(stack_files)


def test_a_new_stack_file_is_previewed_with_no_other_edit(tmp_path: Path) -> None:
    project = _copy_for_discovery(tmp_path)
    shutil.copy2(project / "stacks" / "Pulumi.prod.yaml", project / "stacks" / "Pulumi.shop.yaml")
    assert "shop" in discovered_stacks(project)


def test_a_stack_file_name_pulumi_would_refuse_stops_the_listing(tmp_path: Path) -> None:
    project = _copy_for_discovery(tmp_path)
    (project / "stacks" / "Pulumi.a b.yaml").write_text("config: {}\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="not a valid stack name"):
        discovered_stacks(project)


def test_preview_posts_each_stacks_diff_on_the_pull_request() -> None:
    workflow = _load(PREVIEW)
    jobs = _pulumi_jobs(workflow)
    assert len(jobs) == 1
    (job,) = jobs.values()
    assert job["strategy"].get("fail-fast") is False, "one failing stack must not hide the others"
    (step,) = _pulumi_steps(job)
    assert step["with"]["command"] == "preview"
    assert step["with"]["stack-name"] == "${{ matrix.stack }}"
    assert step["with"]["comment-on-pr"] is True
    assert step["with"]["github-token"] == "${{ secrets.GITHUB_TOKEN }}"


def test_deploy_runs_up_for_dev_then_prod() -> None:
    workflow = _load(DEPLOY)
    commands = _commands(workflow)
    by_stack = {stack: job for job, steps in commands.items() for _, stack in steps}
    assert sorted(c for steps in commands.values() for c in steps) == [("up", "dev"), ("up", "prod")]
    assert by_stack["dev"] in _ancestors(_jobs(workflow), by_stack["prod"]), "prod must wait for dev"


def test_each_deploy_verifies_its_gateway_after_up_and_attaches_the_report() -> None:
    for job in _pulumi_jobs(_load(DEPLOY)).values():
        steps = _steps(job)
        (up,) = _pulumi_steps(job)
        stack = up["with"]["stack-name"]
        after = steps[steps.index(up) + 1 :]
        (verify,) = [s for s in after if "-m tools verify" in str(s.get("run", ""))]
        run = str(verify["run"])
        assert f'--stack {stack} --gateway "$GATEWAY_URL"' in run
        assert "--include-unsafe" not in run, "the deployed backends get only safe calls"
        assert "GITHUB_STEP_SUMMARY" in run
        assert 'exit "$status"' in run, "a cell that differs fails the job"
        assert verify["env"]["GATEWAY_URL"] == f"${{{{ steps.{up['id']}.outputs.gatewayUrl }}}}"
        # The deployed IDs and policies, not the offline plan's stand-ins.
        assert verify["env"]["STACK_OUTPUTS"] == f"${{{{ toJSON(steps.{up['id']}.outputs) }}}}"
        assert '"$STACK_OUTPUTS" | venv/bin/python -m tools verify' in run
        assert "--outputs -" in run
        (attach,) = [s for s in after if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
        assert attach["with"]["path"] == f"out/verify-{stack}.*"
        assert attach["if"] == "${{ !cancelled() }}", "the report is attached when verify fails too"


def test_prod_deploys_in_the_prod_environment_and_dev_in_dev() -> None:
    workflow = _load(DEPLOY)
    for job_name, steps in _commands(workflow).items():
        ((_, stack),) = steps
        assert _environment_name(_jobs(workflow)[job_name]) == stack


def test_previews_use_their_own_environment_per_stack() -> None:
    # Per stack: each stack has its own tenant/subscription (china is another cloud). Not the deploy
    # environments: a preview runs pull-request code and must neither wait for prod's reviewers
    # nor get the deploy identity.
    deploy_environments = {_environment_name(j) for j in _pulumi_jobs(_load(DEPLOY)).values()}
    for job in _pulumi_jobs(_load(PREVIEW)).values():
        name = _environment_name(job)
        assert name is not None
        assert "${{ matrix.stack }}" in name
        for stack in STACKS:
            assert name.replace("${{ matrix.stack }}", stack) not in deploy_environments


def test_the_prod_environment_says_where_its_reviewers_are() -> None:
    # Required reviewers live in the repository settings; the workflow must point there.
    assert re.search(r"required reviewers", DEPLOY.read_text(encoding="utf-8"), re.IGNORECASE)


def test_deploys_only_from_main() -> None:
    for job in _pulumi_jobs(_load(DEPLOY)).values():
        assert job.get("if") == "github.ref == 'refs/heads/main'"


def test_make_test_gates_every_pulumi_job() -> None:
    for path in (PREVIEW, DEPLOY):
        jobs = _jobs(_load(path))
        testers = {
            name for name, job in jobs.items() if any(s.get("run") == "make test" for s in _steps(job))
        }
        assert testers, f"{path.name}: no job runs `make test`"
        for name in _pulumi_jobs(_load(path)):
            assert testers & _ancestors(jobs, name), f"{path.name}: {name} does not wait for make test"


def test_pulumi_cli_matches_the_sdk_pinned_in_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in project["project"]["dependencies"] if re.fullmatch(r"pulumi==\S+", d)]
    assert pins, "pyproject.toml does not pin pulumi"
    for path in (PREVIEW, DEPLOY):
        for job in _pulumi_jobs(_load(path)).values():
            for step in _pulumi_steps(job):
                assert f"pulumi=={step['with']['pulumi-version']}" == pins[0], path.name


def test_every_install_is_the_lock_with_the_pinned_uv() -> None:
    # The same locked set as `make test` on a developer's machine: uv of the version tools/install.py
    # bootstraps, `uv sync --locked` (fails instead of re-resolving), or `make test` itself.
    for path in (PREVIEW, DEPLOY):
        for name, job in _jobs(_load(path)).items():
            runs = [str(s.get("run", "")) for s in _steps(job)]
            if not any("make test" in r or "uv " in r or "pip" in r for r in runs):
                continue
            setups = [s for s in _steps(job) if str(s.get("uses", "")).startswith("astral-sh/setup-uv@")]
            assert [s["with"]["version"] for s in setups] == [install.UV_VERSION], f"{path.name}: {name}"
            assert not any("pip" in r for r in runs), f"{path.name}: {name} installs with pip"
            for command in (r for r in runs if r.startswith("uv sync")):
                assert "--locked" in command.split(), f"{path.name}: {name}: {command}"
        for job in _pulumi_jobs(_load(path)).values():
            # The language host's `uv run` syncs too: locked, and without the test tools.
            for step in _pulumi_steps(job):
                assert step["env"]["UV_LOCKED"] == "1"
                assert step["env"]["UV_NO_DEV"] == "1"


def test_python_is_311_everywhere() -> None:
    for path in WORKFLOWS:
        for job in _jobs(_load(path)).values():
            for step in _steps(job):
                if str(step.get("uses", "")).startswith("actions/setup-python@"):
                    assert step["with"]["python-version"] == "3.11", path.name


# --- Concurrency ----------------------------------------------------------------------------------


def test_two_deploys_of_one_stack_never_overlap() -> None:
    groups: dict[str, str] = {}
    for name, job in _pulumi_jobs(_load(DEPLOY)).items():
        concurrency: object = job.get("concurrency")
        assert isinstance(concurrency, dict), f"{name}: no job-level concurrency"
        concurrency = cast(dict[str, object], concurrency)
        # Cancelling a running `pulumi up` leaves pending operations in the state.
        assert concurrency.get("cancel-in-progress") is False, name
        group = str(concurrency["group"])
        # A group that varies per run (ref, sha, run id) would not serialise anything.
        assert not re.search(r"github\.(ref|sha|run_id|run_number|head_ref)", group), group
        ((_, stack),) = _commands(_load(DEPLOY))[name]
        assert stack in group, f"{name}: group {group!r} is not per stack"
        groups[name] = group
    assert len(set(groups.values())) == len(groups), "each stack needs its own group"


def test_previews_are_grouped_per_stack_and_ref() -> None:
    for job in _pulumi_jobs(_load(PREVIEW)).values():
        group = str(job["concurrency"]["group"])
        assert "matrix.stack" in group
        assert "github.ref" in group


# --- Permissions and OIDC -------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_nothing_is_granted_at_the_top_level(workflow: Path) -> None:
    assert _load(workflow)["permissions"] == {}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_each_job_gets_least_privilege(workflow: Path) -> None:
    data = _load(workflow)
    pulumi_jobs = _pulumi_jobs(data)
    for name, job in _jobs(data).items():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"{name}: permissions must be explicit"
        expected = {"contents": "read"}
        if workflow == PREVIEW and name == "diff":
            expected["pull-requests"] = "write"  # the offline plan diff's comment
        if name in pulumi_jobs:
            expected["id-token"] = "write"
            if workflow == PREVIEW:
                expected["pull-requests"] = "write"
        assert permissions == expected, name


def test_the_jobs_that_touch_a_stack_ask_for_an_oidc_token() -> None:
    for path in (PREVIEW, DEPLOY):
        jobs = _pulumi_jobs(_load(path))
        assert jobs
        for name, job in jobs.items():
            assert job["permissions"].get("id-token") == "write", f"{path.name}: {name}"


def test_azure_credentials_are_oidc_from_variables_for_both_providers() -> None:
    for path in (PREVIEW, DEPLOY):
        for name, job in _pulumi_jobs(_load(path)).items():
            assert _environment_name(job), f"{name}: the federated credential needs an environment"
            for step in _pulumi_steps(job):
                env = step["env"]
                # The variables pulumi-azure-native and pulumi-azuread both read.
                assert env["ARM_USE_OIDC"] == "true"
                for var in OIDC_VARS:
                    assert env[var] == f"${{{{ vars.{var} }}}}", f"{path.name}: {name}: {var}"


def test_no_client_secret_or_certificate_anywhere() -> None:
    for path in WORKFLOWS:
        text = path.read_text(encoding="utf-8")
        for forbidden in ("ARM_CLIENT_SECRET", "ARM_CLIENT_CERTIFICATE", "AZURE_CLIENT_SECRET", "creds:"):
            assert forbidden not in text, f"{path.name}: {forbidden}"


def test_the_state_backend_comes_from_a_variable() -> None:
    for path in (PREVIEW, DEPLOY):
        for job in _pulumi_jobs(_load(path)).values():
            for step in _pulumi_steps(job):
                assert step["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"


# --- Supply chain and injection -------------------------------------------------------------------


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version_noted(workflow: Path) -> None:
    uses = [(p, v) for p, v in _walk(_load(workflow)) if p.endswith(".uses")]
    assert uses
    for where, value in uses:
        assert PINNED_USES.match(str(value)), f"{where}: {value}"
    for line in workflow.read_text(encoding="utf-8").splitlines():
        if re.match(r"\s*(-\s+)?uses:", line):
            assert re.search(r"@[0-9a-f]{40} # v\d+(\.\d+)*$", line), line.strip()


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_checkout_does_not_persist_credentials(workflow: Path) -> None:
    for job in _jobs(_load(workflow)).values():
        for step in _steps(job):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_inside_a_run_script(workflow: Path) -> None:
    for where, value in _walk(_load(workflow)):
        if where.endswith(".run"):
            assert "${{" not in str(value), f"{where}: pass values through env:"


# --- Secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_only_the_two_expected_secrets_are_referenced(workflow: Path) -> None:
    text = workflow.read_text(encoding="utf-8")
    expressions = EXPRESSION.findall(text)
    referenced = {m for e in expressions for m in re.findall(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)", e)}
    assert referenced <= ALLOWED_SECRETS
    assert not any(re.search(r"\bsecrets\s*\[", e) for e in expressions), "no dynamic secret lookup"
    assert "secrets: inherit" not in text


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_no_secret_value_is_written_in_a_workflow(workflow: Path) -> None:
    text = workflow.read_text(encoding="utf-8")
    patterns = {
        "Pulumi access token": r"\bpul-[0-9a-f]{40}\b",
        "GitHub token": r"\b(ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}",
        "storage account key": r"AccountKey=|[A-Za-z0-9+/]{86}==",
        "SAS token": r"\bsig=[A-Za-z0-9%]{20,}",
        "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
        # IDs are not secrets, but they belong in variables so one file serves every environment.
        "literal GUID": r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
    }
    for what, pattern in patterns.items():
        assert not re.search(pattern, text), f"{workflow.name}: {what}"
    for where, value in _walk(_load(workflow)):
        key = where.rsplit(".", 1)[-1].upper()
        if ".env." in where and re.search(r"TOKEN|SECRET|PASSWORD|KEY$", key):
            assert re.fullmatch(r"\$\{\{ secrets\.[A-Z_]+ \}\}", str(value)), (
                f"{where} must come from secrets, not be written here"
            )


def test_every_variable_and_secret_the_workflows_read_is_documented() -> None:
    doc = STATE_DOC.read_text(encoding="utf-8")
    names: set[str] = set()
    for path in WORKFLOWS:
        for expression in EXPRESSION.findall(path.read_text(encoding="utf-8")):
            names.update(re.findall(r"\b(?:vars|secrets)\.([A-Za-z_][A-Za-z0-9_]*)", expression))
    assert names >= {"PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", *OIDC_VARS}
    for name in sorted(names):
        assert f"`{name}`" in doc, f"{name} is read by a workflow but not described in {STATE_DOC.name}"


def test_the_offline_diff_of_every_stack_runs_for_every_pull_request_before_any_preview() -> None:
    jobs = _jobs(_load(PREVIEW))
    diff = jobs["diff"]
    assert "if" not in diff, "forks get the diff too"
    assert diff["needs"] == "stacks"
    assert not _pulumi_steps(diff)
    runs = "\n".join(str(s.get("run", "")) for s in _steps(diff))
    assert '-m tools diff --stack "$stack" --base "$BASE_SHA" --markdown' in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    (post,) = [s for s in _steps(diff) if "gh api" in str(s.get("run", ""))]
    assert "PATCH" in post["run"], "the comment is edited in place, not duplicated"
    for job in _pulumi_jobs(_load(PREVIEW)).values():
        assert "diff" not in job.get("needs", [])
