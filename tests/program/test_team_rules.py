"""Two rules a team would hold its stacks to, written with the `plan_of` fixture.

docs/test-your-own-stack.md shows this file's tests; tests/repo/test_docs.py checks it shows them
as they are here.
"""

from __future__ import annotations

import pytest

from tools.plan.testing import PlanOf, StackPlan
from tools.stacks import stack_names

# Products that may also take a subscription key instead of a token (decided, not by accident).
KEY_OR_TOKEN = {"internal"}


@pytest.mark.parametrize("stack", stack_names())
def test_every_product_requires_a_token(plan_of: PlanOf, stack: str) -> None:
    plan = plan_of(stack=stack)
    for name, product in plan.outputs["products"].items():
        if product["mode"] == "entra-app":
            # An open product (no subscription): the token check in its policy is the only gate.
            policy = plan.product_policy(name)
            assert policy is not None, f"{stack}: product {name} has no policy"
            validators = policy.findall("./inbound/validate-jwt") + policy.findall(
                "./inbound/validate-azure-ad-token"
            )
            assert validators, f"{stack}: product {name} lets calls through without a token"
        else:
            # APIM's application-based access: the product's own authentication types.
            arm_product = plan.template_resource("Microsoft.ApiManagement/service/products", name)
            accepted = set(arm_product["properties"]["authenticationType"])
            assert "application-token" in accepted, f"{stack}: product {name} takes no token"
            if name not in KEY_OR_TOKEN:
                assert accepted == {"application-token"}, f"{stack}: product {name} also takes {accepted}"


def roles_demanded(plan: StackPlan, product: str) -> set[str]:
    """The app roles a product's policy requires of a token (none for an apim-managed product)."""
    policy = plan.product_policy(product)
    claims = [] if policy is None else [c for c in policy.iter("claim") if c.get("name") == "roles"]
    return {value.text or "" for claim in claims for value in claim.iter("value")}


@pytest.mark.parametrize("stack", stack_names())
def test_no_client_holds_a_role_it_does_not_need(plan_of: PlanOf, stack: str) -> None:
    plan = plan_of(stack=stack)
    role_values: dict[str, str] = {}  # every app role the program defines, by ID
    for app in plan.of_type("azuread:index/application:Application"):
        roles: list[dict[str, str]] = app.inputs.get("appRoles") or []
        role_values |= {role["id"]: role["value"] for role in roles}
    for name, client in plan.outputs["clients"].items():
        if any(plan.outputs["products"][p]["mode"] != "entra-app" for p in client["products"]):
            continue  # APIM registers apim-managed clients; the program grants them nothing
        # A managed identity is its own principal; any other client, its app's service principal.
        principal_id = (
            client.get("principalId")
            or plan.one(
                "azuread:index/servicePrincipal:ServicePrincipal", clientId=client["clientId"]
            ).outputs["objectId"]
        )
        granted: set[str] = {
            role_values[assignment.inputs["appRoleId"]]
            for assignment in plan.of_type("azuread:index/appRoleAssignment:AppRoleAssignment")
            if assignment.inputs["principalObjectId"] == principal_id
        }
        needed = set[str]().union(*(roles_demanded(plan, product) for product in client["products"]))
        assert granted <= needed, f"{stack}: client {name} holds {sorted(granted - needed)} it does not need"
