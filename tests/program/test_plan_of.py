"""The `plan_of` fixture itself: config changes, mistakes, and one plan per stack and config."""

from __future__ import annotations

import pytest

from apim_oauth.config.errors import ConfigError
from tests.fixture_stacks import DEV, PROD
from tools.plan.testing import PlanOf


def test_a_config_change_is_planned_and_none_removes_the_key(plan_of: PlanOf) -> None:
    dev = plan_of(stack=DEV)
    assert dev.outputs["clients"]
    without_clients = plan_of(stack=DEV, config={"clients": None})
    assert without_clients.outputs["clients"] == {}
    application = "azuread:index/application:Application"  # the entra-app clients' apps are gone
    assert len(without_clients.of_type(application)) < len(dev.of_type(application))


def test_a_mistake_in_the_changed_config_is_a_config_error(plan_of: PlanOf) -> None:
    with pytest.raises(ConfigError, match="tenantId"):
        plan_of(stack=DEV, config={"tenantId": "not-a-guid"})


def test_each_stack_and_config_is_planned_once(plan_of: PlanOf) -> None:
    assert plan_of(stack=PROD) is plan_of(PROD)
    assert plan_of(stack=PROD) is not plan_of(stack=PROD, config={"cloud": "global"})


def test_policies_are_parsed_and_a_products_policy_is_found_by_its_product(plan_of: PlanOf) -> None:
    plan = plan_of(stack=DEV)
    assert {element.tag for element in plan.policies.values()} == {"policies"}
    partners = plan.product_policy("partners")
    assert partners is not None
    assert partners.find("./inbound/validate-jwt") is not None
    assert plan.product_policy("internal") is None  # apim-managed: no policy of ours
