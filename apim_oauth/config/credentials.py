"""How a client proves itself to Entra without a client secret: federated identity credentials, a
certificate from the repository, or an existing managed identity; and the Key Vault that receives
the secrets that remain.

A client names at most one credential, by its key (`secret`, `federated`, `certificate`,
`managedIdentity`): the key is the choice, one model per kind. The facts and their sources:
docs/design/callers-without-secrets.md, section 1.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, Self, cast

from pydantic import AfterValidator, Field, PlainValidator, ValidationInfo, WithJsonSchema, model_validator

from apim_oauth.azure.certificates import CertificateError, PublicCertificate, read_certificate
from apim_oauth.azure.federation import (
    GITHUB_ISSUER,
    MAX_PER_APPLICATION,
    TOKEN_EXCHANGE_AUDIENCE,
    FederationError,
    GitHubEntity,
    check_audience,
    check_credential_name,
    check_issuer,
    check_subject,
    github_subject,
    kubernetes_subject,
)
from apim_oauth.azure.naming import name_key
from apim_oauth.config.errors import fail
from apim_oauth.config.types import BASE_DIR, GUID, Flag, Model, ObjectId, Text

CredentialKind = Literal["secret", "federated", "certificate", "managedIdentity", "none"]
"""The kind of a client's credential: its key in the stack file; `none` for a client with none."""

CREDENTIAL_KEYS = ("secret", "federated", "certificate", "managedIdentity")
"""The keys of a client that name its credential, in the order messages list them."""


class GitHubSubject(Model):
    """A GitHub Actions job: its repository and exactly one of environment, branch, tag or pull request."""

    repository: Annotated[str, Text(140)]
    """`OWNER/REPO`."""
    environment: Annotated[str, Text(255)] | None = None
    """The job's `environment:` (the subject GitHub sends whenever a job names one)."""
    branch: Annotated[str, Text(255)] | None = None
    """A branch name without `refs/heads/` (jobs without an environment, not pull requests)."""
    tag: Annotated[str, Text(255)] | None = None
    """A tag name without `refs/tags/`."""
    pull_request: Flag = False
    """Workflows run for a pull request (jobs without an environment)."""
    owner_id: Annotated[int, Field(gt=0)] | None = None
    """With `repositoryId`: the immutable subject (`OWNER@ID/REPO@ID`) of repositories created after 2026-07-15."""
    repository_id: Annotated[int, Field(gt=0)] | None = None

    @property
    def entity(self) -> tuple[GitHubEntity, str]:
        """What the job is tied to (the model allows exactly one)."""
        if self.environment is not None:
            return "environment", self.environment
        if self.branch is not None:
            return "branch", self.branch
        if self.tag is not None:
            return "tag", self.tag
        return "pullRequest", ""

    @property
    def subject(self) -> str:
        entity, value = self.entity
        return github_subject(
            self.repository, entity, value, owner_id=self.owner_id, repository_id=self.repository_id
        )

    @model_validator(mode="after")
    def _shape(self) -> Self:
        chosen = [k for k in ("environment", "branch", "tag") if getattr(self, k) is not None]
        chosen += ["pullRequest"] if self.pull_request else []
        if len(chosen) != 1:
            raise fail(
                "",
                "name exactly one of environment, branch, tag or pullRequest: GitHub sends one subject per job"
                + (f" (given: {', '.join(chosen)})" if chosen else ""),
            )
        try:
            self.subject  # noqa: B018 - built to check it
        except FederationError as error:
            raise fail("", f"malformed GitHub subject: {error}") from None
        return self


class KubernetesSubject(Model):
    """A Kubernetes service account, federated through its cluster's OIDC issuer."""

    issuer: Annotated[str, Text(600)]
    """The cluster's OIDC issuer URL, exactly as its tokens carry it."""
    namespace: Annotated[str, Text(63)]
    service_account: Annotated[str, Text(253)]

    @property
    def subject(self) -> str:
        return kubernetes_subject(self.namespace, self.service_account)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        try:
            check_issuer(self.issuer)
            self.subject  # noqa: B018 - built to check it
        except FederationError as error:
            raise fail("", str(error)) from None
        return self


class FederatedCredential(Model):
    """One trust: tokens of `issuer` whose `sub` is `subject` may be exchanged for the client's tokens.
    Give `issuer` and `subject`, or a `github` or `kubernetes` shortcut."""

    github: GitHubSubject | None = None
    kubernetes: KubernetesSubject | None = None
    issuer_url: Annotated[str, Text(600)] | None = Field(default=None, alias="issuer")
    subject_text: Annotated[str, Text(600)] | None = Field(default=None, alias="subject")
    audiences: Annotated[tuple[Annotated[str, Text(600)], ...], Field(min_length=1, max_length=1)] = (
        TOKEN_EXCHANGE_AUDIENCE,
    )
    """The one audience of the external token (Entra accepts exactly one)."""
    name: Annotated[str, Text(120)] | None = None
    """The credential's name in Entra (immutable: a new name replaces it); derived when absent."""
    description: Annotated[str, Text(600)] | None = None

    @property
    def issuer(self) -> str:
        if self.github is not None:
            return GITHUB_ISSUER
        if self.kubernetes is not None:
            return self.kubernetes.issuer
        return cast("str", self.issuer_url)

    @property
    def subject(self) -> str:
        if self.github is not None:
            return self.github.subject
        if self.kubernetes is not None:
            return self.kubernetes.subject
        return cast("str", self.subject_text)

    @property
    def credential_name(self) -> str:
        """The name Entra keeps: as given, or derived from what the credential trusts."""
        if self.name is not None:
            return self.name
        if self.github is not None:
            entity, value = self.github.entity
            words = ("github", self.github.repository, entity, value)
        elif self.kubernetes is not None:
            words = ("kubernetes", self.kubernetes.namespace, self.kubernetes.service_account)
        else:
            digest = hashlib.sha256(f"{self.issuer}\n{self.subject}".encode()).hexdigest()[:12]
            words = ("federated", digest)
        return "-".join(k for k in map(name_key, words) if k)[:120].rstrip("-")

    @model_validator(mode="after")
    def _shape(self) -> Self:
        given = [k for k in ("github", "kubernetes") if getattr(self, k) is not None]
        raw = self.issuer_url is not None or self.subject_text is not None
        if len(given) + raw != 1:
            raise fail("", "give issuer and subject, or one github or kubernetes shortcut")
        if raw and (self.issuer_url is None or self.subject_text is None):
            raise fail(
                "subject" if self.subject_text is None else "issuer", "is required with issuer/subject"
            )
        try:
            if raw:
                check_issuer(self.issuer)
                check_subject(self.subject)
            check_audience(self.audiences[0])
            check_credential_name(self.credential_name)
        except FederationError as error:
            raise fail("", str(error)) from None
        return self


def _at_most_20(value: tuple[FederatedCredential, ...]) -> tuple[FederatedCredential, ...]:
    if len(value) > MAX_PER_APPLICATION:
        raise fail(
            "",
            f"has {len(value)} federated credentials; Entra allows at most {MAX_PER_APPLICATION} per application "
            "(use a GitHub environment shared by several workflows, or a second client)",
        )
    pairs: dict[tuple[str, str], int] = {}
    names: dict[str, int] = {}
    for index, credential in enumerate(value):
        pair = (credential.issuer, credential.subject)
        if pair in pairs:
            raise fail(f"[{index}]", f"trusts the same issuer and subject as [{pairs[pair]}] ({pair[1]})")
        pairs[pair] = index
        name = credential.credential_name.lower()
        if name in names:
            raise fail(f"[{index}]", f"has the same name as [{names[name]}] ({name}): give one a `name`")
        names[name] = index
    return value


FederatedCredentials = Annotated[
    tuple[FederatedCredential, ...], Field(min_length=1), AfterValidator(_at_most_20)
]


class CertificateFile(Model):
    """A client's public certificate, read from the repository when the configuration is."""

    file: Path
    """Absolute path of the file."""
    path: str
    """The path as written (relative to the project directory)."""
    certificate: PublicCertificate


def _certificate(value: object, info: ValidationInfo) -> CertificateFile:
    if isinstance(value, CertificateFile):
        return value
    if not isinstance(value, str) or not value.strip():
        raise fail(
            "", "must be the path of a certificate file (PEM or DER), relative to the project directory"
        )
    base = cast("Mapping[str, object]", info.context or {}).get(BASE_DIR)
    if not isinstance(base, Path):
        raise fail("", "cannot be read here: no project directory given")
    file = (base / value).resolve()
    if not file.is_relative_to(base.resolve()):
        # Every machine that deploys reads it: the certificate travels with the project.
        raise fail(
            "", f"{value!r} is outside the project directory; put the public certificate in the project"
        )
    try:
        certificate = read_certificate(file)
    except CertificateError as error:
        raise fail("", f"{value!r} {error}") from None
    return CertificateFile(file=file, path=value, certificate=certificate)


Certificate = Annotated[
    CertificateFile,
    PlainValidator(_certificate),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "description": "Path of the client's public certificate (PEM or DER), from the project directory.",
        }
    ),
]


ClientId = Annotated[str, Text(36, GUID, "a client ID (GUID)"), AfterValidator(str.lower)]


class ManagedIdentity(Model):
    """An existing Azure managed identity that calls the gateway: no app registration is made for it."""

    principal_id: ObjectId
    """Its principal (object) ID: the principal of its app role assignments, the `oid` of its tokens."""
    client_id: ClientId | None = None
    """Its client ID (the `azp`/`appid` of its tokens); required where a `validate-azure-ad-token`
    policy must list the caller in `client-application-ids`."""


VAULT_NAME = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]")
"""Key Vault names (resource-name-rules.md): 3-24 alphanumerics and hyphens, a letter first, a letter
or digit last, no consecutive hyphens."""


def _vault_name(value: str) -> str:
    if not VAULT_NAME.fullmatch(value):
        raise fail(
            "",
            "use 3-24 letters, digits and '-', starting with a letter, ending with a letter or digit, "
            "without '--' (Key Vault names are global)",
        )
    return value


class KeyVaultConfig(Model):
    """`apim-oauth:keyVault`: where client secrets go instead of the stack outputs."""

    name: Annotated[str, Text(24), AfterValidator(_vault_name)]
    """The vault's name (global in Azure)."""
    resource_group: Annotated[str, Text(90)] | None = None
    """Its resource group; defaults to the APIM service's."""
    existing: Flag = False
    """True: the vault exists (with RBAC authorization); the program only writes secrets to it."""
    readers: tuple[ObjectId, ...] = ()
    """Principals (object IDs) granted Key Vault Secrets User on every client secret written there."""
