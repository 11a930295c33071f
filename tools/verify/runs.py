"""`verify --gateway` and `verify --drift`: the checks against a deployment, and what they need
from the command line (the deployed outputs, credentials, the recorded ARM responses)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from tools.check_token.cli import InputError
from tools.check_token.fetching import named_url_problem as url_problem
from tools.verify.arm import ARM_TOKEN, SUBSCRIPTION, Reader, live_reader, recorded_reader, service_id
from tools.verify.callers import Tokens
from tools.verify.deployed import SECRET, decoded_outputs, with_outputs
from tools.verify.drift import check_drift
from tools.verify.live import run_live
from tools.verify.live_tokens import LiveTokens
from tools.verify.matrix import Row
from tools.verify.report import render_drift, render_results, results_json
from tools.verify.routes import StackRoutes


def check_arguments(args: argparse.Namespace) -> None:
    """The combinations that make sense: --matrix alone, or --gateway and/or --drift."""
    if args.matrix and (args.gateway or args.drift):
        raise InputError("--matrix is offline: not with --gateway or --drift")
    if not (args.matrix or args.gateway or args.drift):
        raise InputError("say --matrix (offline), --gateway URL, or --drift")
    if args.gateway is not None and url_problem(args.gateway) is not None:
        raise InputError(f"--gateway {args.gateway}: {url_problem(args.gateway)}")
    if args.arm_responses is not None and not args.drift:
        raise InputError("--arm-responses goes with --drift")
    if args.drift and args.arm_responses is None and args.outputs is None:
        raise InputError(
            "--drift needs --outputs (pulumi stack output --json): the offline plan's IDs are stand-ins"
        )


def apply_outputs(
    routes: StackRoutes, outputs: str | None
) -> tuple[StackRoutes, dict[str, str], dict[str, str]]:
    """`routes` with the deployed IDs and policies of `--outputs` (a file, or - for stdin); the ID
    mapping; the client secrets the outputs carry (only when shown: `--show-secrets`, or a
    workflow step's outputs)."""
    if outputs is None:
        return routes, {}, {}
    text = sys.stdin.read() if outputs == "-" else Path(outputs).read_text(encoding="utf-8")
    try:
        document: object = json.loads(text)
    except ValueError as error:
        raise InputError(f"--outputs: not JSON ({error})") from None
    if not isinstance(document, dict):
        raise InputError("--outputs: expected the JSON object of `pulumi stack output --json`")
    deployed = decoded_outputs(cast("dict[str, Any]", document))
    changed, ids = with_outputs(routes, deployed)
    clients = cast("dict[str, dict[str, Any]]", deployed.get("clients") or {})
    secrets = {
        name: str(info["clientSecret"])
        for name, info in clients.items()
        if isinstance(info.get("clientSecret"), str) and info["clientSecret"] != SECRET
    }
    return changed, ids, secrets


def run_checks(
    args: argparse.Namespace,
    routes: StackRoutes,
    rows: Sequence[Row],
    tokens: Tokens,
    ids: Mapping[str, str],
    secrets: Mapping[str, str],
) -> tuple[dict[str, Any], str, bool]:
    """Run --gateway and/or --drift: the JSON document, the report, whether anything differs."""
    document: dict[str, Any] = {}
    texts: list[str] = []
    failed = False
    if args.gateway is not None:
        view = routes.view
        gateway = str(args.gateway)
        endpoint = (
            f"{gateway.rstrip('/')}/{view.outputs['tenantId']}/oauth2/v2.0/token"
            if args.issuer == "local"
            else str(view.outputs.get("tokenEndpoint"))
        )
        live = LiveTokens(view, endpoint, tokens, known_secrets=secrets, users_sign_in=args.issuer == "entra")
        results = run_live(routes, rows, gateway, live, include_unsafe=args.include_unsafe)
        document.update(results_json(results, gateway))
        texts.append(render_results(results, gateway, markdown=args.markdown))
        failed = any(result.verdict == "differs" for result in results)
    if args.drift:
        report = check_drift(routes, ids, _reader(args, routes))
        document["drift"] = report.to_json()
        texts.append(render_drift(report, markdown=args.markdown))
        failed = failed or bool(report.drifts)
    return document, "\n\n".join(texts), failed


def _reader(args: argparse.Namespace, routes: StackRoutes) -> Reader:
    if args.arm_responses is not None:
        reader, _ = recorded_reader(args.arm_responses)
        return reader
    token = os.environ.get(ARM_TOKEN)
    subscription = args.subscription or os.environ.get(SUBSCRIPTION)
    if not token:
        raise InputError(
            f"--drift reads ARM with a bearer token in {ARM_TOKEN} (az account get-access-token)"
        )
    if not subscription:
        raise InputError(f"--drift needs the subscription: --subscription ID or {SUBSCRIPTION}")
    services = [
        r.inputs
        for r in (routes.plan.resources if routes.plan is not None else [])
        if r.type == "azure-native:apimanagement:ApiManagementService"
    ]
    if not services:
        raise InputError("the plan has no API Management service to read")
    service = service_id(subscription, str(services[0]["resourceGroupName"]), str(services[0]["serviceName"]))
    return live_reader(routes.view.outputs["cloud"], service, token)
