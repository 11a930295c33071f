"""The policy model: a `validate-jwt` or `validate-azure-ad-token` element as typed values.

`policy_xml.parse_policy` builds these from a policy document; the evaluation reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, TypeAlias

from tools.check_token.metadata import SigningKey

MAX_POLICY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class RequiredClaim:
    """A `<required-claims><claim>`: `values` of claim `name` must be present (`all`) or one (`any`)."""

    name: str
    match: Literal["all", "any"]
    separator: str | None
    values: tuple[str, ...]
    """Empty: the claim only has to be present."""


@dataclass(frozen=True)
class TokenLocation:
    header_name: str | None
    query_parameter_name: str | None
    token_value: str | None
    require_scheme: str | None

    @property
    def is_authorization_header(self) -> bool:
        return self.header_name is not None and self.header_name.lower() == "authorization"

    def describe(self) -> str:
        if self.header_name is not None:
            return f"header {self.header_name}"
        if self.query_parameter_name is not None:
            return f"query parameter {self.query_parameter_name}"
        return "token-value expression"


@dataclass(frozen=True)
class ValidateJwt:
    """A `<validate-jwt>` element."""

    location: TokenLocation
    failed_status: str
    require_expiration_time: bool
    require_signed_tokens: bool
    clock_skew: int
    openid_config_urls: tuple[str, ...]
    signing_keys: tuple[SigningKey, ...]
    """Keys written in `<issuer-signing-keys>` (symmetric or RSA n/e)."""
    certificate_ids: tuple[str, ...]
    """`<key certificate-id>`: certificates stored in APIM, which the check cannot see."""
    decryption: bool
    audiences: tuple[str, ...] | None
    issuers: tuple[str, ...] | None
    required_claims: tuple[RequiredClaim, ...]
    notes: tuple[str, ...] = ()
    condition: str | None = None
    """The `<when condition>` the element sits in, if any: it runs only then."""

    name: ClassVar[str] = "validate-jwt"


@dataclass(frozen=True)
class ValidateAzureAdToken:
    """A `<validate-azure-ad-token>` element."""

    location: TokenLocation
    failed_status: str
    tenant_id: str
    authority: str
    """Scheme and host of the Entra endpoint, e.g. `https://login.microsoftonline.com`."""
    client_application_ids: tuple[str, ...]
    backend_application_ids: tuple[str, ...]
    audiences: tuple[str, ...] | None
    required_claims: tuple[RequiredClaim, ...]
    decryption: bool
    notes: tuple[str, ...] = ()
    condition: str | None = None

    name: ClassVar[str] = "validate-azure-ad-token"

    @property
    def openid_config_url(self) -> str:
        return f"{self.authority}/{self.tenant_id}/v2.0/.well-known/openid-configuration"


Policy: TypeAlias = ValidateJwt | ValidateAzureAdToken
