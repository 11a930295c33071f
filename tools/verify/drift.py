"""`verify --drift`: what is deployed, read through ARM, compared by meaning with the plan.

Policies are compared the way `tools diff` compares two plans (tools/diff/policy_meaning.py: the
token validators, cors, limits and onward authentication in words; whitespace, attribute order and
comments never count); products by their settings and linked APIs; the developer portal's
authorization servers and identity provider by the settings the program sends (secrets, which ARM
never returns on a GET, left out). The plan's IDs are the deployment's once `deployed.with_outputs`
has mapped them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from tools.diff.policy_meaning import compare
from tools.plan.model import RecordedResource
from tools.verify.arm import API_VERSION, PREVIEW_API_VERSION, Reader
from tools.verify.deployed import replace_ids
from tools.verify.routes import StackRoutes

_NOT_SETTINGS = frozenset(
    {
        "resourceGroupName",
        "serviceName",
        "authsid",
        "identityProviderName",
        "clientSecret",
        "productId",
        "policyId",
        "format",
    }
)
"""Inputs that name the resource or are secrets: not compared."""


def _policy_place(kind: str, inputs: Mapping[str, Any]) -> tuple[str, str] | None:
    """Where ARM has the policy a policy resource of `kind` sets, and what it is on, in words."""
    if kind == "ProductPolicy":
        return f"products/{inputs['productId']}", f"product {inputs['productId']}"
    if kind == "ApiPolicy":
        return f"apis/{inputs['apiId']}", f"API {inputs['apiId']}"
    if kind == "ApiOperationPolicy":
        where = f"apis/{inputs['apiId']}/operations/{inputs['operationId']}"
        return where, f"operation {inputs['apiId']}/{inputs['operationId']}"
    return None


@dataclass(frozen=True)
class Drift:
    subject: str
    words: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "differences": list(self.words)}


@dataclass(frozen=True)
class DriftReport:
    drifts: tuple[Drift, ...]
    read: tuple[str, ...]
    """Every subject read and compared."""

    def to_json(self) -> dict[str, Any]:
        return {"read": list(self.read), "drift": [d.to_json() for d in self.drifts]}


@dataclass(frozen=True)
class Expected:
    """One thing the plan deploys, where ARM has it, and what it should say."""

    subject: str
    path: str
    api_version: str
    policy: str | None = None
    settings: Mapping[str, Any] | None = None
    links: frozenset[str] | None = None


def check_drift(routes: StackRoutes, ids: Mapping[str, str], read: Reader) -> DriftReport:
    """Read each planned item with `read` and say where the deployment differs."""
    drifts: list[Drift] = []
    subjects: list[str] = []
    for item in expected(routes, ids):
        subjects.append(item.subject)
        status, body = read(item.path, item.api_version)
        words = _differences(item, status, body)
        if words:
            drifts.append(Drift(item.subject, tuple(words)))
    return DriftReport(tuple(drifts), tuple(subjects))


def _differences(item: Expected, status: int, body: Mapping[str, Any]) -> list[str]:
    properties = cast("dict[str, Any]", body.get("properties") or {})
    if item.policy is not None or item.path.endswith("/policies/policy?format=rawxml"):
        deployed = str(properties.get("value", "")) if status == 200 else ""
        on = item.subject.removeprefix("policy of ")
        return [f"deployed: {w}" for w in compare(item.policy or "", deployed, on)]
    if status == 404:
        return ["not deployed (ARM: 404)"]
    if status != 200:
        return [f"could not be read (ARM: HTTP {status})"]
    if item.links is not None:
        values = cast("list[dict[str, Any]]", body.get("value") or [])
        deployed_links = frozenset(str(v.get("name")) for v in values)
        words = [f"API {api} is not linked" for api in sorted(item.links - deployed_links)]
        return words + [
            f"API {api} is linked, which the plan does not link"
            for api in sorted(deployed_links - item.links)
        ]
    return _setting_words(item.settings or {}, properties)


def _setting_words(planned: Mapping[str, Any], deployed: Mapping[str, Any]) -> list[str]:
    words: list[str] = []
    for key, value in sorted(planned.items()):
        if key in _NOT_SETTINGS:
            continue
        if key not in deployed:
            words.append(f"{key}: planned {value!r}, deployed has none")
        elif _normal(value) != _normal(deployed[key]):
            words.append(f"{key}: planned {value!r}, deployed {deployed[key]!r}")
    return words


def _normal(value: Any) -> Any:
    """Values compared by meaning: lists as sets, text without case (ARM answers enums in its own case)."""
    if isinstance(value, list):
        return sorted(str(_normal(v)) for v in cast("list[Any]", value))
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in cast("dict[str, Any]", value).items()}
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def expected(routes: StackRoutes, ids: Mapping[str, str]) -> Iterator[Expected]:
    """What the plan deploys that `--drift` reads: policies, products and their APIs, the portal's
    authorization servers and identity providers."""
    resources = routes.plan.resources if routes.plan is not None else []
    with_policy: set[str] = set()
    for resource in resources:
        if not resource.type.startswith("azure-native:"):
            continue  # the program's components: their children are the resources
        kind = resource.type.rsplit(":", 1)[-1]
        inputs = cast("dict[str, Any]", replace_ids(resource.inputs, ids))
        place = _policy_place(kind, inputs)
        if place is not None:
            where, subject = place
            with_policy.add(where)
            yield Expected(
                f"policy of {subject}",
                f"{where}/policies/policy?format=rawxml",
                API_VERSION,
                str(inputs["value"]),
            )
        elif kind == "AuthorizationServer":
            yield Expected(
                f"authorization server {inputs['authsid']}",
                f"authorizationServers/{inputs['authsid']}",
                API_VERSION,
                settings=inputs,
            )
        elif kind == "IdentityProvider":
            name = inputs["identityProviderName"]
            yield Expected(
                f"identity provider {name}", f"identityProviders/{name}", API_VERSION, settings=inputs
            )
    yield from _products(resources, ids)
    for api in sorted(routes.view.apis):
        if f"apis/{api}" not in with_policy:
            yield Expected(
                f"policy of API {api}", f"apis/{api}/policies/policy?format=rawxml", API_VERSION, None
            )


def _products(resources: list[RecordedResource], ids: Mapping[str, str]) -> Iterator[Expected]:
    links: dict[str, set[str]] = {}
    products: list[tuple[str, str, dict[str, Any]]] = []
    for resource in resources:
        if not resource.type.startswith("azure-native:"):
            continue
        kind = resource.type.rsplit(":", 1)[-1]
        inputs = cast("dict[str, Any]", replace_ids(resource.inputs, ids))
        if kind == "Product":
            products.append((str(inputs["productId"]), API_VERSION, inputs))
        elif kind in ("ProductApiLink", "ProductApi"):
            links.setdefault(str(inputs["productId"]), set()).add(str(inputs["apiId"]).rsplit("/", 1)[-1])
        elif kind == "Deployment":
            template = cast("dict[str, Any]", inputs.get("properties", {}).get("template", {}))
            for entry in cast("list[dict[str, Any]]", template.get("resources", [])):
                if str(entry.get("type", "")).lower() == "microsoft.apimanagement/service/products":
                    name = str(entry["name"]).rsplit("/", 1)[-1]
                    products.append(
                        (
                            name,
                            str(entry.get("apiVersion", PREVIEW_API_VERSION)),
                            dict(entry.get("properties", {})),
                        )
                    )
    for name, version, settings in products:
        kept = {k: v for k, v in settings.items() if k not in ("displayName", "description")}
        yield Expected(f"product {name}", f"products/{name}", version, settings=kept)
        yield Expected(
            f"APIs of product {name}",
            f"products/{name}/apis",
            API_VERSION,
            links=frozenset(links.get(name, set())),
        )
