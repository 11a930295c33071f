"""Federated identity credentials: Entra's rules for issuer, subject and audience, and the exact
subjects GitHub Actions and Kubernetes put in the tokens they issue.

Sources (docs/design/callers-without-secrets.md, section 1): Microsoft Graph `federatedIdentityCredential`
(at most 20 per application; `audiences` one value, `api://AzureADTokenExchange` for Entra; issuer and
subject at most 600 characters, unique together); entra-docs `federated-credential-configuration-
considerations.md` (no wildcards; name 3-120 alphanumerics, '-', '_', first alphanumeric); the issuer
is an OIDC Discovery issuer (`https`, no query or fragment: OpenID Connect Discovery 1.0, section 3);
github/docs `actions/reference/security/oidc.md` (subject formats, ':' sent as '%3A', immutable
`OWNER@ID/REPO@ID` subjects); entra-docs `workload-identity-federation-create-trust.md` (Kubernetes
`system:serviceaccount:NAMESPACE:NAME`).

Every function here is pure: it returns the value or raises `FederationError` with a sentence a
configuration error can carry as it is.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
"""The `iss` of GitHub Actions' OIDC tokens (github.com, not GitHub Enterprise Server)."""
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
"""The audience Entra expects in an external token (Graph: "should be set to" this value)."""
MAX_PER_APPLICATION = 20
"""Graph: "Maximum of 20 objects can be added to an application"."""
MAX_FIELD_LENGTH = 600
"""Graph: issuer, subject and the audience each have "a limit of 600 characters"."""

GitHubEntity = Literal["environment", "branch", "tag", "pullRequest"]

# GitHub names: no ':' '/' '@' or whitespace can be in an owner or repository name ('@' per the
# immutable-subject section; ':' and '/' are the subject's own separators).
_GITHUB_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_GITHUB_REPO = r"[A-Za-z0-9._-]{1,100}"
_REPOSITORY = re.compile(rf"(?P<owner>{_GITHUB_OWNER})/(?P<repo>{_GITHUB_REPO})")
# Kubernetes: a namespace is an RFC 1123 label, a service account name a DNS subdomain.
_NAMESPACE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")
_CREDENTIAL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,119}")


class FederationError(ValueError):
    """A federated credential Entra would refuse, or one that could never match a token."""


def check_issuer(issuer: str) -> str:
    """`issuer` as Entra keeps it, if it is an OIDC Discovery issuer: an https URL with a host and no
    query, fragment, whitespace or wildcard."""
    if issuer != issuer.strip():
        raise FederationError("the issuer has leading or trailing whitespace: Entra blocks the exchange")
    if "*" in issuer:
        raise FederationError("wildcards are not supported in federated credentials: give the exact issuer")
    parts = urlsplit(issuer)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise FederationError(
            f"the issuer must be an https URL without query or fragment (an OIDC Discovery issuer), not {issuer!r}"
        )
    _length("issuer", issuer)
    return issuer


def check_subject(subject: str) -> str:
    """`subject` as Entra compares it with the token's `sub`: exact, no wildcard."""
    if not subject or subject != subject.strip():
        raise FederationError(
            "the subject must be the exact `sub` of the external token, without surrounding spaces"
        )
    if "*" in subject:
        raise FederationError(
            f"wildcards are not supported in federated credentials (subject {subject!r}): give the exact subject"
        )
    _length("subject", subject)
    return subject


def check_audience(audience: str) -> str:
    """One audience (Entra accepts exactly one per credential)."""
    if not audience or "*" in audience or audience != audience.strip():
        raise FederationError(f"the audience must be one exact value, not {audience!r}")
    _length("audience", audience)
    return audience


def check_credential_name(name: str) -> str:
    """A federated credential's `name`: 3-120 alphanumerics, '-' or '_', starting alphanumeric."""
    if not _CREDENTIAL_NAME.fullmatch(name):
        raise FederationError(
            f"the credential name {name!r} must be 3-120 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return name


def _length(what: str, value: str) -> None:
    if len(value) > MAX_FIELD_LENGTH:
        raise FederationError(
            f"the {what} has {len(value)} characters; Entra keeps at most {MAX_FIELD_LENGTH}"
        )


def _github_value(what: str, value: str) -> str:
    """An environment, branch or tag name as GitHub writes it into `sub` (':' becomes '%3A')."""
    if not value or value != value.strip():
        raise FederationError(f"the GitHub {what} name must not be empty or have surrounding spaces")
    if "*" in value or "?" in value:
        raise FederationError(
            f"the GitHub {what} {value!r} is a pattern: Entra matches subjects exactly, name one {what}"
        )
    if what in ("branch", "tag") and value.startswith("refs/"):
        raise FederationError(f"give the {what} name without its ref prefix, not {value!r}")
    return value.replace(":", "%3A")


def github_subject(
    repository: str,
    entity: GitHubEntity,
    value: str = "",
    *,
    owner_id: int | None = None,
    repository_id: int | None = None,
) -> str:
    """The `sub` GitHub Actions puts in a job's token: `repo:OWNER/REPO:environment:NAME`,
    `...:ref:refs/heads/BRANCH`, `...:ref:refs/tags/TAG` or `...:pull_request`. With both IDs, the
    immutable form `repo:OWNER@OWNER-ID/REPO@REPO-ID:...` of repositories created after 2026-07-15."""
    match = _REPOSITORY.fullmatch(repository)
    if match is None:
        raise FederationError(f"the GitHub repository must be OWNER/REPO, not {repository!r}")
    if (owner_id is None) != (repository_id is None):
        raise FederationError("give both the owner ID and the repository ID (immutable subjects), or neither")
    where = repository
    if owner_id is not None and repository_id is not None:
        if owner_id <= 0 or repository_id <= 0:
            raise FederationError("GitHub owner and repository IDs are positive numbers")
        where = f"{match['owner']}@{owner_id}/{match['repo']}@{repository_id}"
    if entity == "pullRequest":
        if value:
            raise FederationError(
                "a pull request subject names no value: GitHub sends `repo:OWNER/REPO:pull_request`"
            )
        tail = "pull_request"
    elif entity == "environment":
        tail = f"environment:{_github_value('environment', value)}"
    elif entity == "branch":
        tail = f"ref:refs/heads/{_github_value('branch', value)}"
    else:
        tail = f"ref:refs/tags/{_github_value('tag', value)}"
    return check_subject(f"repo:{where}:{tail}")


def kubernetes_subject(namespace: str, service_account: str) -> str:
    """The `sub` of a Kubernetes service account token: `system:serviceaccount:NAMESPACE:NAME`."""
    if not _NAMESPACE.fullmatch(namespace):
        raise FederationError(
            f"the Kubernetes namespace {namespace!r} must be at most 63 lowercase letters, digits or '-' (an RFC 1123 label)"
        )
    if not _SUBDOMAIN.fullmatch(service_account):
        raise FederationError(
            f"the Kubernetes service account {service_account!r} must be a DNS subdomain name "
            "(lowercase letters, digits, '-' and '.')"
        )
    return f"system:serviceaccount:{namespace}:{service_account}"
