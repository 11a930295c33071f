"""The whole deployment of one stack: the root component, built in phases (`phases.py`).

Siblings are wired here and only here (docs/conventions.md#components-never-read-the-configuration), so each component can be built in a test
from hand-made args.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from apim_oauth.components.deployment import outputs, phases
from apim_oauth.config.settings import Settings


@dataclass(frozen=True)
class DeploymentArgs:
    settings: Settings
    """The validated stack configuration."""


class Deployment(pulumi.ComponentResource):
    """Everything one stack declares; its attributes are the stack outputs (design contract)."""

    tenant_id: str
    cloud: str
    gateway_url: pulumi.Output[str]
    token_endpoint: str
    backend: pulumi.Output[dict[str, Any]]
    products: dict[str, pulumi.Output[dict[str, Any]]]
    clients: dict[str, dict[str, Any]]
    policies: dict[str, pulumi.Output[str]]
    developer_portal: dict[str, Any] | None
    onward: dict[str, pulumi.Output[dict[str, Any]]]

    def __init__(self, name: str, args: DeploymentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("apim-oauth:index:Deployment", name, None, opts)
        s = args.settings
        at = phases.Phase(self, name)
        self.policies = {}
        apps = phases.entra(at, s)
        gateway = phases.service(at, s, apps)
        delivered = phases.secrets(at, s, apps, gateway.service)
        access = phases.people(at, s, apps, gateway.service)
        apis = phases.apis(at, s, apps, gateway, access, self.policies)
        phases.portal(at, access, apis, gateway.service)
        products = phases.products(at, s, apps, gateway, apis, self.policies)
        apim_clients = phases.apim_clients(at, s, gateway.service, products)

        self.tenant_id = s.tenant_id
        self.cloud = s.cloud.name
        self.gateway_url = gateway.service.gateway_url
        self.token_endpoint = s.cloud.token_endpoint(s.tenant_id)
        self.backend = outputs.backend(s, apps)
        self.products = {p: outputs.product(s, built) for p, built in products.items()}
        self.clients = outputs.clients(s, apps, apim_clients, delivered)
        self.developer_portal = access.summary
        self.onward = gateway.onward_checks
        self.register_outputs(
            {
                "tenantId": self.tenant_id,
                "cloud": self.cloud,
                "gatewayUrl": self.gateway_url,
                "tokenEndpoint": self.token_endpoint,
                "backend": self.backend,
                "products": self.products,
                "clients": self.clients,
                "policies": self.policies,
                "developerPortal": self.developer_portal,
                "onward": self.onward,
            }
        )
