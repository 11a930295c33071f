"""The Pulumi program: stack configuration -> the deployment -> stack outputs (design contract)."""

import pulumi

from apim_oauth.components.deployment import Deployment, DeploymentArgs
from apim_oauth.config.settings import from_pulumi

ROOT_NAME = "apim-oauth"
"""Every logical name starts here, never with the stack's name: a stack renamed or copied keeps its names."""

settings = from_pulumi()
deployment = Deployment(
    ROOT_NAME,
    DeploymentArgs(settings=settings),
    # Stacks deployed before the constant root were rooted at the stack's name. The engine gives each
    # child whose name starts with its parent's name the alias's name in place of that prefix, so this
    # one alias moves the whole tree (pulumi/pulumi tests/integration/aliases/python/rename_component).
    pulumi.ResourceOptions(aliases=[pulumi.Alias(name=pulumi.get_stack())]),
)

pulumi.export("tenantId", deployment.tenant_id)
pulumi.export("cloud", deployment.cloud)
pulumi.export("gatewayUrl", deployment.gateway_url)
pulumi.export("tokenEndpoint", deployment.token_endpoint)
pulumi.export("backend", deployment.backend)
pulumi.export("products", deployment.products)
pulumi.export("clients", deployment.clients)
pulumi.export("policies", deployment.policies)
pulumi.export("developerPortal", deployment.developer_portal)
pulumi.export("onward", deployment.onward)
