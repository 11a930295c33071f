"""The root component: one stack's deployment (`root.py`), built in phases (`phases.py`), its stack
outputs (`outputs.py`). What each component is given comes from `apim_oauth.component_args`."""

from apim_oauth.components.deployment.root import Deployment, DeploymentArgs

__all__ = ["Deployment", "DeploymentArgs"]
