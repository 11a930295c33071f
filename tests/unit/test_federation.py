"""Federated credentials: the subjects GitHub and Kubernetes send, and what Entra refuses."""

from __future__ import annotations

import pytest

from apim_oauth.azure.federation import (
    FederationError,
    GitHubEntity,
    check_audience,
    check_credential_name,
    check_issuer,
    check_subject,
    github_subject,
    kubernetes_subject,
)


@pytest.mark.parametrize(
    ("entity", "value", "expected"),
    [
        ("environment", "prod", "repo:contoso/billing:environment:prod"),
        ("branch", "main", "repo:contoso/billing:ref:refs/heads/main"),
        ("branch", "release/2026", "repo:contoso/billing:ref:refs/heads/release/2026"),
        ("tag", "v2", "repo:contoso/billing:ref:refs/tags/v2"),
        ("pullRequest", "", "repo:contoso/billing:pull_request"),
        # GitHub sends ':' inside a value as '%3A' (github/docs oidc.md).
        ("environment", "Production:V1", "repo:contoso/billing:environment:Production%3AV1"),
    ],
)
def test_github_subjects_are_the_documented_formats(entity: GitHubEntity, value: str, expected: str) -> None:
    assert github_subject("contoso/billing", entity, value) == expected


def test_github_immutable_subject_carries_both_ids() -> None:
    subject = github_subject("octo-org/octo-repo", "branch", "main", owner_id=123456, repository_id=456789)
    assert subject == "repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main"


@pytest.mark.parametrize(
    ("repository", "entity", "value", "kwargs", "words"),
    [
        ("contoso", "environment", "prod", {}, "OWNER/REPO"),
        ("contoso/billing/extra", "environment", "prod", {}, "OWNER/REPO"),
        ("-contoso/billing", "environment", "prod", {}, "OWNER/REPO"),
        ("contoso/bill:ing", "environment", "prod", {}, "OWNER/REPO"),
        ("contoso/billing", "branch", "refs/heads/main", {}, "without its ref prefix"),
        ("contoso/billing", "tag", "v1.*", {}, "pattern"),
        ("contoso/billing", "environment", "", {}, "must not be empty"),
        ("contoso/billing", "pullRequest", "42", {}, "names no value"),
        ("contoso/billing", "branch", "main", {"owner_id": 1}, "both"),
    ],
)
def test_malformed_github_shortcuts_are_refused(
    repository: str, entity: GitHubEntity, value: str, kwargs: dict[str, int], words: str
) -> None:
    with pytest.raises(FederationError, match=words):
        github_subject(repository, entity, value, **kwargs)


def test_kubernetes_subject() -> None:
    assert kubernetes_subject("billing", "worker.v2") == "system:serviceaccount:billing:worker.v2"


@pytest.mark.parametrize(
    ("namespace", "account"), [("Billing", "worker"), ("billing", "worker_1"), ("a" * 64, "w")]
)
def test_kubernetes_names_follow_kubernetes_rules(namespace: str, account: str) -> None:
    with pytest.raises(FederationError):
        kubernetes_subject(namespace, account)


@pytest.mark.parametrize(
    "issuer",
    [
        "http://token.actions.githubusercontent.com",
        "token.actions.githubusercontent.com",
        "https://issuer.example/?tenant=1",
        "https://issuer.example/#x",
        " https://issuer.example/",
        "https://*.example/",
    ],
)
def test_issuer_must_be_an_oidc_discovery_issuer(issuer: str) -> None:
    with pytest.raises(FederationError):
        check_issuer(issuer)


def test_issuer_kept_exactly() -> None:
    issuer = "https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/"
    assert check_issuer(issuer) == issuer


@pytest.mark.parametrize("subject", ["repo:contoso/*", "", " repo:contoso/billing:pull_request", "x" * 601])
def test_subjects_are_exact(subject: str) -> None:
    with pytest.raises(FederationError):
        check_subject(subject)


def test_audience_and_name_rules() -> None:
    assert check_audience("api://AzureADTokenExchange") == "api://AzureADTokenExchange"
    with pytest.raises(FederationError):
        check_audience("api://*")
    assert check_credential_name("github-prod_1") == "github-prod_1"
    for bad in ("ab", "-github", "github prod", "x" * 121):
        with pytest.raises(FederationError):
            check_credential_name(bad)
