"""The Microsoft clouds a deployment can target, and the Entra endpoints each one uses.

Facts and their sources: docs/sources.md#clouds. No Microsoft page found states the v1 issuer of the
US Government or China cloud; the readings taken are there, one line each here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CloudName = Literal["global", "usgovernment", "china"]
TokenVersion = Literal[1, 2]


@dataclass(frozen=True)
class Cloud:
    """Endpoints of one Microsoft cloud."""

    name: CloudName
    login_host: str
    """Host of the Entra token and metadata endpoints."""
    v1_issuer_host: str
    """Host in the `iss` of v1.0 access tokens (differs from the login host)."""
    azuread_environment: str
    """Value of the azuread provider's `environment` setting for this cloud."""
    azure_native_environment: str
    """Value of the azure-native provider's `environment` setting for this cloud."""
    apim_gateway_suffix: str
    """DNS suffix of an APIM gateway (`https://{name}.{suffix}`)."""
    apim_developer_portal_suffix: str
    """DNS suffix of the managed developer portal (`https://{name}.{suffix}`).

    Global: `developer.azure-api.net` (Azure/api-management-developer-portal `src/config.runtime.json`;
    azure-docs `developer-portal-deprecated-migration.md`). US Government and China: found only in
    third-party code (unsure); a configured custom portal host overrides it."""
    key_vault_suffix: str
    """DNS suffix of a Key Vault (`https://{name}.{suffix}`): azure-docs
    `key-vault/general/about-keys-secrets-certificates.md`, "DNS suffixes for base URL"."""

    def issuer(self, tenant_id: str, version: TokenVersion) -> str:
        """The `iss` claim Entra puts in an access token of `version` for `tenant_id`."""
        if version == 1:
            return f"https://{self.v1_issuer_host}/{tenant_id}/"
        return f"https://{self.login_host}/{tenant_id}/v2.0"

    def openid_config_url(self, tenant_id: str, version: TokenVersion) -> str:
        """The OpenID Connect discovery document for `tenant_id` and token `version`."""
        if version == 1:
            return f"https://{self.login_host}/{tenant_id}/.well-known/openid-configuration"
        return f"https://{self.login_host}/{tenant_id}/v2.0/.well-known/openid-configuration"

    def jwks_url(self, tenant_id: str, version: TokenVersion) -> str:
        """The signing keys Entra publishes for `tenant_id` and token `version`."""
        if version == 1:
            return f"https://{self.login_host}/{tenant_id}/discovery/keys"
        return f"https://{self.login_host}/{tenant_id}/discovery/v2.0/keys"

    def token_endpoint(self, tenant_id: str) -> str:
        """Where a client asks for a token (v2 endpoint; client credentials and auth code)."""
        return f"https://{self.login_host}/{tenant_id}/oauth2/v2.0/token"

    def authorize_endpoint(self, tenant_id: str) -> str:
        """Where a user is sent to sign in and consent (v2 endpoint; authorization code, with or without PKCE).

        The APIM how-to recommends the v2 endpoints for the test console (azure-docs
        `api-management-howto-oauth2.md`, 2024-04-01); same path in every cloud (entra-docs
        `authentication-national-cloud.md`)."""
        return f"https://{self.login_host}/{tenant_id}/oauth2/v2.0/authorize"

    def gateway_url(self, service_name: str) -> str:
        """The default gateway URL of an APIM service named `service_name`."""
        return f"https://{service_name}.{self.apim_gateway_suffix}"


CLOUDS: dict[CloudName, Cloud] = {
    "global": Cloud(
        name="global",
        login_host="login.microsoftonline.com",
        v1_issuer_host="sts.windows.net",
        azuread_environment="global",
        azure_native_environment="public",
        apim_gateway_suffix="azure-api.net",
        apim_developer_portal_suffix="developer.azure-api.net",
        key_vault_suffix="vault.azure.net",
    ),
    "usgovernment": Cloud(
        name="usgovernment",
        login_host="login.microsoftonline.us",
        v1_issuer_host="sts.windows.net",
        azuread_environment="usgovernment",
        azure_native_environment="usgovernment",
        apim_gateway_suffix="azure-api.us",
        apim_developer_portal_suffix="developer.azure-api.us",  # unsure: third-party only
        key_vault_suffix="vault.usgovcloudapi.net",
    ),
    "china": Cloud(
        name="china",
        login_host="login.partner.microsoftonline.cn",
        v1_issuer_host="sts.chinacloudapi.cn",
        azuread_environment="china",
        azure_native_environment="china",
        apim_gateway_suffix="azure-api.cn",
        apim_developer_portal_suffix="developer.azure-api.cn",  # unsure: third-party only
        key_vault_suffix="vault.azure.cn",
    ),
}
