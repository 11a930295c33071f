"""The clients resolved: each one as the model of its products' mode, granted what its products'
policies require; clients that sign users in; validators that admit only listed clients.

A client's mode is not written in the stack file (`ClientConfig`): it is the mode of its products.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from apim_oauth.config.apis import ApiSettings
from apim_oauth.config.clients import ClientConfig, ClientSignIn, SecretSettings
from apim_oauth.config.credentials import CertificateFile, CredentialKind, FederatedCredential
from apim_oauth.config.errors import ConfigError, key
from apim_oauth.config.products import ApimManagedProductSettings, EntraAppProductSettings, ProductSettings
from apim_oauth.config.rules.backend import backend_role, backend_scope
from apim_oauth.config.stack import StackConfig
from apim_oauth.config.types import Match, Model


class EntraAppClientSettings(Model):
    """A client this program registers in Entra, with its permissions and secrets."""

    name: str
    display_name: str
    products: tuple[str, ...]
    roles: tuple[str, ...] = ()
    """Backend app roles granted as application permissions (admin consent given)."""
    scopes: tuple[str, ...] = ()
    """Backend scopes granted as delegated permissions (admin consent given)."""
    secret: SecretSettings | None = None
    sign_in: ClientSignIn | None = None
    """How the client signs users in; None for a daemon (client credentials only)."""
    federated: tuple[FederatedCredential, ...] = ()
    """Federated identity credentials: external tokens it exchanges for its own."""
    certificate: CertificateFile | None = None
    """Its public certificate, when it proves itself with the private key."""
    credential_kind: CredentialKind = "none"
    """How it proves itself (`ClientConfig.credential_kind`)."""

    @property
    def mode(self) -> Literal["entra-app"]:
        return "entra-app"


class ManagedIdentityClientSettings(Model):
    """An existing Azure managed identity that calls entra-app products: granted app roles, no app."""

    name: str
    display_name: str
    products: tuple[str, ...]
    roles: tuple[str, ...] = ()
    """Backend app roles assigned to the identity."""
    principal_id: str
    """Its principal (object) ID, lowercase."""
    client_id: str | None = None
    """Its client ID (lowercase): the `azp`/`appid` of its tokens, listed by validate-azure-ad-token."""

    @property
    def mode(self) -> Literal["entra-app"]:
        return "entra-app"

    @property
    def credential_kind(self) -> Literal["managedIdentity"]:
        return "managedIdentity"


class ApimManagedClientSettings(Model):
    """A client application APIM registers (and makes the Entra app of) for apim-managed products."""

    name: str
    display_name: str
    products: tuple[str, ...]
    owner: str
    """The APIM user (`apim.users[].id`) that owns the client application."""

    @property
    def mode(self) -> Literal["apim-managed"]:
        return "apim-managed"

    @property
    def credential_kind(self) -> Literal["secret"]:
        """APIM issues its secrets to the owner (docs/rotate-a-client-secret.md)."""
        return "secret"


ClientSettings = EntraAppClientSettings | ManagedIdentityClientSettings | ApimManagedClientSettings
"""A client, one model per mode (the mode of its products); a managed identity is its own model."""
EntraAppCaller = EntraAppClientSettings | ManagedIdentityClientSettings
"""A caller of entra-app products: a registered client app or a managed identity."""


def resolve_clients(stack: StackConfig) -> tuple[ClientSettings, ...]:
    """Each client as the model of its products' mode, checked against the products and the backend."""
    return tuple(_client(key(f"clients[{i}]"), c, stack) for i, c in enumerate(stack.clients))


_ENTRA_APP_ONLY = (
    ("roles", "roles"),
    ("scopes", "scopes"),
    ("secret", "secret"),
    ("federated", "federated"),
    ("certificate", "certificate"),
    ("managed_identity", "managedIdentity"),
)
"""Client keys (field, as written) that only clients of entra-app products take."""


def _client(where: str, c: ClientConfig, stack: StackConfig) -> ClientSettings:
    by_name = {p.name: p for p in stack.products}
    for index, product in enumerate(c.products):
        if product not in by_name:
            raise ConfigError(
                f"{where}.products[{index}]",
                f"no product named {product!r} (products: {', '.join(sorted(by_name))})",
            )
    products = [by_name[p] for p in c.products]
    managed = [p for p in products if isinstance(p, ApimManagedProductSettings)]
    if managed and len(managed) != len(products):
        raise ConfigError(
            f"{where}.products",
            "mixes entra-app and apim-managed products: APIM registers its own Entra app for apim-managed "
            "clients, so declare two clients",
        )
    if managed:
        return _apim_managed_client(where, c, stack, managed)
    return _entra_app_client(where, c, stack, products)


def _apim_managed_client(
    where: str, c: ClientConfig, stack: StackConfig, managed: list[ApimManagedProductSettings]
) -> ApimManagedClientSettings:
    for name, written in _ENTRA_APP_ONLY:
        if name in c.model_fields_set:
            raise ConfigError(
                f"{where}.{written}",
                "applies to clients of entra-app products only: APIM manages apim-managed clients",
            )
    if c.sign_in is not None:
        raise ConfigError(
            f"{where}.signIn",
            "applies to clients of entra-app products only: APIM registers apim-managed clients",
        )
    owners = {p.owner for p in managed}
    if c.owner is not None:
        all_owners = {p.owner for p in stack.products if isinstance(p, ApimManagedProductSettings)}
        if c.owner not in all_owners:
            raise ConfigError(
                f"{where}.owner", f"no owner {c.owner!r} among the apim-managed products' owners"
            )
        owner = c.owner
    elif len(owners) == 1:
        owner = owners.pop()
    else:
        raise ConfigError(f"{where}.owner", "is required: the client's products have different owners")
    return ApimManagedClientSettings(
        name=c.name, display_name=c.display_name, products=c.products, owner=owner
    )


def _entra_app_client(
    where: str, c: ClientConfig, stack: StackConfig, products: list[ProductSettings]
) -> ClientSettings:
    if c.owner is not None:
        raise ConfigError(f"{where}.owner", "applies to clients of apim-managed products only")
    for index, value in enumerate(c.roles):
        backend_role(
            f"{where}.roles[{index}]",
            stack.backend,
            value,
            "Application",
            "granted to an application (allowedMemberTypes)",
        )
    for index, value in enumerate(c.scopes):
        backend_scope(f"{where}.scopes[{index}]", stack.backend, value)
    entra = [p for p in products if isinstance(p, EntraAppProductSettings) and p.audience == "backend"]
    for product in entra:
        if product.requirements.roles:
            _check_holds(f"{where}.roles", "roles", product, c.roles, product.requirements.roles_match)
    for product in entra:
        if product.requirements.scopes:
            _check_holds(f"{where}.scopes", "scopes", product, c.scopes, product.requirements.scopes_match)
    if c.managed_identity is not None:
        return ManagedIdentityClientSettings(
            name=c.name,
            display_name=c.display_name,
            products=c.products,
            roles=c.roles,
            principal_id=c.managed_identity.principal_id,
            client_id=c.managed_identity.client_id,
        )
    return EntraAppClientSettings(
        name=c.name,
        display_name=c.display_name,
        products=c.products,
        roles=c.roles,
        scopes=c.scopes,
        secret=c.secret,
        sign_in=c.sign_in,
        federated=c.federated or (),
        certificate=c.certificate,
        credential_kind=c.credential_kind,
    )


def _check_holds(
    where: str, kind: str, product: EntraAppProductSettings, held: tuple[str, ...], match: Match
) -> None:
    """A client linked to a product must be granted what the product's policy requires."""
    required = product.requirements.roles if kind == "roles" else product.requirements.scopes
    common = set(held) & set(required)
    enough = common == set(required) if match == "all" else bool(common)
    if not enough:
        raise ConfigError(
            where,
            f"product {product.name!r} requires {match} of the {kind} {', '.join(required)}; "
            "grant them here or the gateway will reject this client",
        )


def api_clients(
    api: str, products: Sequence[ProductSettings], clients: Sequence[ClientSettings]
) -> tuple[EntraAppCaller, ...]:
    """The callers of entra-app products (client apps, managed identities) linked to a product that
    contains `api`."""
    names = {p.name for p in products if api in p.apis}
    return tuple(
        c
        for c in clients
        if isinstance(c, EntraAppClientSettings | ManagedIdentityClientSettings) and names & set(c.products)
    )


def check_azure_ad_token_clients(
    products: Sequence[ProductSettings], apis: Sequence[ApiSettings], clients: Sequence[ClientSettings]
) -> None:
    # validate-azure-ad-token admits only the listed client applications (docs/sources.md#token-policies): with none it
    # would reject every caller.
    for index, product in enumerate(products):
        if (
            isinstance(product, EntraAppProductSettings)
            and product.requirements.validator == "validate-azure-ad-token"
            and not any(product.name in c.products for c in clients)
        ):
            raise ConfigError(
                key(f"products[{index}].oauth.validator"),
                "validate-azure-ad-token admits only listed client applications, and no client is linked to this product",
            )
    for index, api in enumerate(apis):
        reqs = [("", api.requirements)] + [
            (f".operations[{i}]", o.requirements) for i, o in enumerate(api.operations)
        ]
        for suffix, req in reqs:
            if (
                req
                and req.validator == "validate-azure-ad-token"
                and not api_clients(api.name, products, clients)
            ):
                raise ConfigError(
                    key(f"apis[{index}].oauth{suffix}.validator"),
                    "validate-azure-ad-token admits only listed client applications, and no client reaches this API",
                )


def check_client_sign_in(stack: StackConfig) -> None:
    for index, c in enumerate(stack.clients):
        if c.sign_in is None:
            continue
        where = key(f"clients[{index}]")
        platform = c.sign_in.platform
        if platform == "web" and c.secret is None and c.certificate is None:
            raise ConfigError(
                f"{where}.secret",
                "is required for a web app (or a certificate): it redeems codes with its secret",
            )
        if platform != "web" and c.secret is not None:
            raise ConfigError(
                f"{where}.secret",
                f"does not apply to a {platform} client: it cannot keep a secret (PKCE instead)",
            )
        if platform != "web" and c.roles:
            raise ConfigError(
                f"{where}.roles",
                f"a {platform} client has no secret, so no client-credentials token to carry app roles",
            )
        if not c.scopes:
            raise ConfigError(
                f"{where}.scopes",
                "a client that signs users in needs the delegated scopes it calls the APIs with",
            )
