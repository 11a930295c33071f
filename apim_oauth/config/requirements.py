"""What a token must carry to pass the gateway at some scope (product, API, operation)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from apim_oauth.config.errors import fail
from apim_oauth.config.types import Between, Callers, Match, Model, PermissionValue, Validator, distinct

Roles = Annotated[tuple[PermissionValue, ...], Field(min_length=1), distinct("role")]
Scopes = Annotated[tuple[PermissionValue, ...], Field(min_length=1), distinct("scope")]


class TokenRequirements(Model):
    """The token policy at one scope: which validator, which callers, which roles or scopes."""

    validator: Validator = "validate-jwt"
    """`validate-azure-ad-token` also admits only the listed client applications."""
    callers: Callers = "application"
    """`application`: client-credentials callers (tokens carry `roles`, never `scp`); `delegated`: users."""
    roles: Roles = ()
    """App roles the token's `roles` claim must hold."""
    roles_match: Match = "any"
    scopes: Scopes = ()
    """Delegated scopes the token's `scp` claim must hold (delegated callers only)."""
    scopes_match: Match = "any"
    clock_skew_seconds: Annotated[int, Between(0, 300)] = 60
    """Tolerance on `exp` and `nbf`."""

    @model_validator(mode="after")
    def _rules(self) -> Self:
        self.check()
        return self

    def check(self) -> None:
        """Raise the first rule this model breaks (subclasses check their own first)."""
        if self.scopes and self.callers == "application":
            raise fail(
                "scopes",
                "client-credentials callers carry 'roles', never 'scp': requiring scopes would reject every one "
                "of them; require roles, or set callers: delegated",
            )

    @property
    def requirements(self) -> TokenRequirements:
        """The token requirements alone (a subclass's own keys dropped)."""
        return TokenRequirements.model_construct(
            validator=self.validator,
            callers=self.callers,
            roles=self.roles,
            roles_match=self.roles_match,
            scopes=self.scopes,
            scopes_match=self.scopes_match,
            clock_skew_seconds=self.clock_skew_seconds,
        )


REQUIREMENT_KEYS = tuple(field.alias or name for name, field in TokenRequirements.model_fields.items())
"""The keys of token requirements as the stack file spells them."""
