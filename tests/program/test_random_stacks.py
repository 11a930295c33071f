"""Random stack configurations of a valid shape through the real program under the offline engine.

Each run ends either in one `ConfigError` (what `python -m tools plan` prints as one line, exit 2) or
in a plan with unique URNs and the configured number of each resource; never in another exception.
Names come from a small alphabet with `-`, so joined names collide often; permission values differ
in case and punctuation, so folded names collide too.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apim_oauth.config.errors import ConfigError
from tests.fixture_stacks import DEV_FILE
from tools.plan.model import Plan
from tools.plan.program import compute_plan, load_config

DEV = load_config(DEV_FILE)
SLUGS = st.from_regex(r"[ab][ab-]{0,3}", fullmatch=True).filter(lambda s: not s.endswith("-"))
PERMISSIONS = st.from_regex(r"[A-Za-z][A-Za-z._]{0,6}", fullmatch=True)


@st.composite
def stacks(draw: st.DrawFn) -> dict[str, Any]:
    config = copy.deepcopy(DEV)
    api_names = draw(st.lists(SLUGS, min_size=1, max_size=3, unique=True))
    config["apim-oauth:apis"] = [
        {"name": n, "displayName": n, "path": f"p{i}", "serviceUrl": f"https://{n}.example.com"}
        for i, n in enumerate(api_names)
    ]
    roles = draw(st.lists(PERMISSIONS, min_size=1, max_size=3, unique=True))
    scopes = draw(st.lists(PERMISSIONS, max_size=2, unique=True))
    backend = config["apim-oauth:backend"]
    backend["appRoles"] = [{"value": r, "displayName": r, "description": r} for r in roles]
    backend["scopes"] = [
        {"value": s, "adminConsentDisplayName": s, "adminConsentDescription": s} for s in scopes
    ]
    product_names = draw(st.lists(SLUGS, min_size=1, max_size=3, unique=True))
    products: list[dict[str, Any]] = []
    for name in product_names:
        apis = draw(st.lists(st.sampled_from(api_names), min_size=1, max_size=2, unique=True))
        mode = draw(st.sampled_from(["product", "backend", "apim-managed"]))
        if mode == "apim-managed":
            oauth: dict[str, Any] = {"mode": "apim-managed", "owner": "tools-owner"}
        elif mode == "backend":
            oauth = {"mode": "entra-app", "audience": "backend", "roles": [draw(st.sampled_from(roles))]}
        else:
            oauth = {"mode": "entra-app"}
        products.append({"name": name, "displayName": name, "apis": apis, "oauth": oauth})
    config["apim-oauth:products"] = products
    client_names = draw(st.lists(SLUGS, max_size=3, unique=True))
    clients: list[dict[str, Any]] = []
    for name in client_names:
        client: dict[str, Any] = {
            "name": name,
            "displayName": name,
            "products": draw(st.lists(st.sampled_from(product_names), min_size=1, max_size=2, unique=True)),
        }
        if held := draw(st.lists(st.sampled_from(roles), max_size=2, unique=True)):
            client["roles"] = held
        clients.append(client)
    config["apim-oauth:clients"] = clients
    return config


def _check(plan: Plan, config: dict[str, Any]) -> None:
    urns = [r.urn for r in plan.resources]
    assert len(urns) == len(set(urns)), [u for u, n in Counter(urns).items() if n > 1]
    products = config["apim-oauth:products"]
    count = Counter(r.type for r in plan.resources)
    assert count["azure-native:apimanagement:Api"] == len(config["apim-oauth:apis"])
    assert count["azure-native:apimanagement:ProductApiLink"] == sum(len(p["apis"]) for p in products)
    assert count["apim-oauth:entra:ClientApp"] + count["apim-oauth:apim:ClientApplication"] == len(
        config["apim-oauth:clients"]
    )


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks())
def test_a_random_stack_is_one_config_error_or_a_whole_plan(config: dict[str, Any]) -> None:
    try:
        plan = compute_plan("random", config)
    except ConfigError as error:
        line = str(error)
        assert "\n" not in line
        assert line.startswith(("apim-oauth:", "azure-native:", "azuread:")), line
        event(f"config error at {error.path.split('[')[0]}")
        return
    event("planned")
    _check(plan, config)
