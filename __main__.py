"""The Pulumi program: stack configuration -> the deployment -> stack outputs (design contract)."""

import pulumi

from apim_oauth.components.deployment import Deployment, DeploymentArgs
from apim_oauth.config.settings import from_pulumi

settings = from_pulumi()
deployment = Deployment(pulumi.get_stack(), DeploymentArgs(settings=settings))

pulumi.export("tenantId", deployment.tenant_id)
pulumi.export("cloud", deployment.cloud)
pulumi.export("gatewayUrl", deployment.gateway_url)
pulumi.export("tokenEndpoint", deployment.token_endpoint)
pulumi.export("backend", deployment.backend)
pulumi.export("products", deployment.products)
pulumi.export("clients", deployment.clients)
pulumi.export("policies", deployment.policies)
