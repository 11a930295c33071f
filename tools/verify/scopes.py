"""The policies one call runs through: its path's documents from the plan, and the check API
Management runs itself for a product with application-based access (`apim-managed`,
`tools.check_token.application_access`, the one model of it check-token uses too)."""

from __future__ import annotations

from tools.check_token.application_access import application_access
from tools.check_token.stack import StackView, request_path
from tools.verify.pipeline import Step, inbound_steps
from tools.verify.routes import Operation


def steps_for(view: StackView, operation: Operation, product: str | None) -> list[Step]:
    """The inbound steps of a call to `operation` through `product`."""
    scopes = request_path(view, product, operation.api, operation.name, every_policy=True)
    return inbound_steps(scopes, application_access(view, product))
