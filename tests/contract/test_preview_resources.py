"""What the real program sends with a preview API version, against that version's published schema.

Each stack's offline plan (the real `__main__.py` under the offline engine) is searched for every
resource whose API version is a preview: typed SDK resources (the SDK documents its version on each
class) and ARM template deployments (each template resource names its own `apiVersion`). Every one
must have an excerpt in `schemas/` and conform to it; a generic `resources.Resource` must not appear
at all. Nothing is fetched: the excerpts are files, with their sources named in them.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest

from tests.contract.schema_check import SCHEMAS, SchemaExcerpt, load
from tests.fixture_stacks import DEV
from tools.plan.model import Plan
from tools.plan.testing import PlanOf
from tools.stacks import stack_names

EXCERPTS = {
    (e.resource_type.lower(), e.api_version): e
    for e in map(load, sorted(f.name for f in SCHEMAS.glob("*.json")))
}
DEPLOYMENT = "azure-native:resources:Deployment"
GENERIC = "azure-native:resources:Resource"
LIST_SECRETS = "azure-native:apimanagement:listClientApplicationSecrets"
# Typed SDK resources flatten `properties` into their inputs; the ARM types of those the program may
# register at a preview version.
TYPED = {
    "apimanagement:ClientApplication": "Microsoft.ApiManagement/service/clientApplications",
    "apimanagement:ClientApplicationProductLink": "Microsoft.ApiManagement/service/clientApplications/productLinks",
}


@functools.cache
def sdk_api_version(type_token: str) -> tuple[str, str] | None:
    """(SDK module:class, API version) of a typed azure-native resource, as its SDK class documents it."""
    _, module, name = type_token.split(":")
    cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    # The docstrings sit on the `__init__` overloads, which only the source keeps.
    version = re.search(r"Uses Azure REST API version (\S+?)\.?\s", inspect.getsource(cls))
    return (f"{module}:{name}", version.group(1)) if version else None


@dataclass(frozen=True)
class Sent:
    """One request body the program sends with a preview API version."""

    where: str
    resource_type: str
    api_version: str
    body: dict[str, Any]


def preview_requests(plan: Plan) -> Iterator[Sent]:
    for r in plan.resources:
        if r.type == DEPLOYMENT:
            template = cast("dict[str, Any]", r.inputs["properties"]["template"])
            for resource in cast("list[dict[str, Any]]", template.get("resources", [])):
                if "preview" in str(resource["apiVersion"]):
                    body = {k: v for k, v in resource.items() if k not in ("type", "apiVersion", "name")}
                    yield Sent(r.name, str(resource["type"]), str(resource["apiVersion"]), body)
        elif r.type.startswith("azure-native:"):
            found = sdk_api_version(r.type)
            if found is None or "preview" not in found[1]:
                continue
            key, version = found
            if key not in TYPED:
                yield Sent(r.name, key, version, {"(no mapping for this SDK type)": True})
                continue
            excerpt = EXCERPTS.get((TYPED[key].lower(), version))
            path = set(excerpt.path_parameters) if excerpt else set[str]()
            properties = {k: v for k, v in r.inputs.items() if k not in path}
            yield Sent(r.name, TYPED[key], version, {"properties": properties})


@pytest.mark.parametrize("stack", stack_names())
def test_each_preview_request_follows_its_published_schema(plan_of: PlanOf, stack: str) -> None:
    for sent in preview_requests(plan_of(stack=stack)):
        excerpt: SchemaExcerpt | None = EXCERPTS.get((sent.resource_type.lower(), sent.api_version))
        assert excerpt is not None, f"{stack}: no schema excerpt for {sent.resource_type}@{sent.api_version}"
        assert excerpt.problems(sent.body) == [], f"{stack}: {sent.where}"


def test_the_stacks_send_every_preview_type_the_excerpts_cover(plan_of: PlanOf) -> None:
    # Each excerpt is used (a test that checks nothing cannot fail).
    seen = {
        (s.resource_type.lower(), s.api_version)
        for stack in stack_names()
        for s in preview_requests(plan_of(stack=stack))
    }
    assert seen == set(EXCERPTS)


def _products(plan: Plan) -> list[dict[str, Any]]:
    return [s.body for s in preview_requests(plan) if s.resource_type.endswith("/products")]


@pytest.mark.parametrize("stack", stack_names())
def test_an_application_token_product_sends_its_application_block(plan_of: PlanOf, stack: str) -> None:
    # "The application configuration is required for application-token authentication type."
    for body in _products(plan_of(stack=stack)):
        properties = body["properties"]
        assert "application-token" in properties["authenticationType"]
        entra = properties["application"]["entra"]
        assert entra["applicationId"]
        assert entra["audience"]


def test_the_dev_products_application_block_names_the_app_the_program_registers(plan_of: PlanOf) -> None:
    plan = plan_of(stack=DEV)
    (body,) = _products(plan)
    entra = body["properties"]["application"]["entra"]
    apps = {r.outputs["clientId"]: r for r in plan.of_type("azuread:index/application:Application")}
    app = apps[entra["applicationId"]]
    assert app.inputs["displayName"] == "APIMProductApplicationinternal"
    assert [r["value"] for r in app.inputs["appRoles"]] == ["Product.Internal.All"]
    # dev issues v2 tokens, whose `aud` is the client ID (docs/sources.md#entra-access-tokens).
    assert entra["audience"] == app.outputs["clientId"]
    assert plan.outputs["products"]["internal"]["audience"] == entra["audience"]


@pytest.mark.parametrize("stack", stack_names())
def test_nothing_location_less_is_sent_with_a_location(plan_of: PlanOf, stack: str) -> None:
    plan = plan_of(stack=stack)
    for sent in preview_requests(plan):
        assert "location" not in sent.body, sent.where
    for r in plan.of_type(DEPLOYMENT):
        assert "location" not in r.inputs, r.name  # a resource-group deployment has none either
    # The provider gives a generic resource the stack's location whatever its type
    # (docs/azure-contract.md, section 1): the program registers none.
    assert plan.of_type(GENERIC) == []


@pytest.mark.parametrize("stack", stack_names())
def test_no_run_lists_an_apim_client_secret(plan_of: PlanOf, stack: str) -> None:
    # listSecrets is not documented as read-only (docs/azure-contract.md, section 3).
    assert LIST_SECRETS not in plan_of(stack=stack).invokes
