"""Who a minted token says called: the caller claims Entra puts in an app's access token, per the kind
of credential the caller proves itself with.

entra-docs `identity-platform/access-token-claims-reference.md`: the caller's client ID is `appid`
(v1) or `azp` (v2); `appidacr`/`azpacr` say how it authenticated (`1` client secret, `2` client
certificate); `oid` is the object ID of the principal, for an app-only token the caller's service
principal; `idtyp` `app` marks an app-only token. A managed identity is a service principal: its
client ID is the `azp`/`appid`, its principal (object) ID the `oid` (entra-docs
`managed-identities-azure-resources/how-to-use-vm-token.md`: "app-only access token ... based on the
managed identities for Azure resources service principal").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

CredentialKind = Literal["secret", "federated", "certificate", "managedIdentity", "none"]
"""How a client proves itself to Entra: the key of its credential in the stack file, `none` for a
client that has none (a single-page or public app, which signs users in)."""

CREDENTIAL_KINDS: tuple[CredentialKind, ...] = (
    "secret",
    "federated",
    "certificate",
    "managedIdentity",
    "none",
)

# `1`: a client secret; `2`: a client certificate. A federated credential and a managed identity
# prove themselves with a signed assertion, not a shared secret: our reading is `2` for both, as
# for a certificate (the claims reference names only the three values 0, 1 and 2).
_AUTHENTICATION: dict[CredentialKind, str] = {
    "secret": "1",
    "certificate": "2",
    "federated": "2",
    "managedIdentity": "2",
    "none": "1",
}


@dataclass(frozen=True)
class Caller:
    """One client as its token names it."""

    kind: CredentialKind
    client_id: str
    """The client (application) ID: `azp`/`appid`."""
    principal_id: str
    """The object ID of its service principal: `oid` and `sub` of an app-only token. For a managed
    identity, the principal ID the stack gives; for the others, a test-only stand-in."""


def caller_claims(caller: Caller, version: Literal[1, 2]) -> dict[str, Any]:
    """The claims that name the caller, in a token of `version`."""
    how = _AUTHENTICATION[caller.kind]
    if version == 2:
        return {"azp": caller.client_id, "azpacr": how}
    return {"appid": caller.client_id, "appidacr": how}


def app_only_claims(caller: Caller) -> dict[str, Any]:
    """The subject of an app-only token (client credentials, a managed identity): the caller itself."""
    return {"oid": caller.principal_id, "sub": caller.principal_id, "idtyp": "app"}


def caller_kind_of(claims: dict[str, Any], callers: dict[str, Caller]) -> tuple[str, Caller] | None:
    """The stack's client a token's `azp`/`appid` names, if any: (its name, the caller)."""
    named = str(claims.get("azp") or claims.get("appid") or "").lower()
    for name, caller in sorted(callers.items()):
        if named and caller.client_id.lower() == named:
            return name, caller
    return None
