"""Metadata for the token check: a real HTTP server on loopback, files, and the fetch rules."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from apim_oauth.azure.clouds import CLOUDS
from tests.token_fixtures import (
    BACKEND_ID,
    NOW,
    RSA_KID,
    TENANT,
    app_claims,
    discovery,
    entra_metadata,
    hand_policy,
    jwt_policy_xml,
    key_material,
    metadata_server,
    no_network,
    sign,
)
from tools.check_token.evaluation import evaluate
from tools.check_token.fetching import MAX_DOCUMENT_BYTES, MetadataError, fetch_url, url_problem
from tools.check_token.metadata import MetadataProvider, parse_override
from tools.check_token.policy_xml import parse_policy

LOOPBACK = frozenset({"127.0.0.1"})
"""The test server's host, named as a user names a host with --allow-host."""
DISCOVERY_PATH = f"/{TENANT}/v2.0/.well-known/openid-configuration"
KEYS_PATH = f"/{TENANT}/discovery/v2.0/keys"


def test_keys_and_issuer_come_from_a_loopback_server_fetched_once_per_run() -> None:
    with metadata_server() as server:
        jwks_url = server.json(KEYS_PATH, key_material().jwks())
        config_url = server.json(DISCOVERY_PATH, {**discovery(2), "jwks_uri": jwks_url})
        # No <issuers>: the issuer in the discovery document is the one required.
        policy = parse_policy(
            hand_policy(
                f'<openid-config url="{config_url}" /><audiences><audience>{BACKEND_ID}</audience></audiences>'
            )
        )
        provider = MetadataProvider(online=True, allowed_hosts=LOOPBACK)
        for claims in (app_claims(), app_claims(roles=[]), app_claims(exp=NOW + 60)):
            assert evaluate(sign(claims), policy, provider, NOW).accepted
        other_issuer = sign(app_claims(iss="https://issuer.example/"))
        assert [r.code for r in evaluate(other_issuer, policy, provider, NOW).reasons] == [
            "TokenIssuerNotAllowed"
        ]
    assert server.hits == {DISCOVERY_PATH: 1, KEYS_PATH: 1}
    assert provider.origins == {config_url: "network", jwks_url: "network"}


def test_rendered_policy_with_discovery_from_a_file_and_keys_from_the_server() -> None:
    policy = parse_policy(jwt_policy_xml(2))
    config_url = CLOUDS["global"].openid_config_url(TENANT, 2)
    with metadata_server() as server:
        jwks_url = server.json(KEYS_PATH, key_material().jwks())
        provider = MetadataProvider(
            {config_url: json.dumps({**discovery(2), "jwks_uri": jwks_url}).encode()},
            online=True,
            allowed_hosts=LOOPBACK,
        )
        assert evaluate(sign(app_claims()), policy, provider, NOW).accepted
    assert provider.origins == {config_url: "file", jwks_url: "network"}


def test_a_key_set_is_parsed_once_per_provider() -> None:
    url = "https://login.microsoftonline.com/t/discovery/v2.0/keys"
    provider = MetadataProvider({url: json.dumps(key_material().jwks()).encode()}, fetch=no_network)
    first = provider.signing_keys(url)
    assert provider.signing_keys(url) is first
    assert [key.key_id for key in first] == [RSA_KID, "ec-signing-1"]


def test_unusable_keys_are_skipped() -> None:
    jwks = key_material().jwks(include_ec=False)
    jwks["keys"] += [
        {**jwks["keys"][0], "kid": "encryption", "use": "enc"},
        {"kty": "unknown", "kid": "odd"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        "not an object",
    ]
    url = "https://login.microsoftonline.com/t/discovery/v2.0/keys"
    provider = MetadataProvider({url: json.dumps(jwks).encode()}, fetch=no_network)
    assert [key.key_id for key in provider.signing_keys(url)] == [RSA_KID]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://login.microsoftonline.com/x/v2.0/.well-known/openid-configuration", True),
        ("https://20.190.151.7/keys", True),
        ("http://127.0.0.1:8080/keys", True),
        ("http://localhost/keys", True),
        ("http://[::1]:9000/keys", True),
        ("https://127.0.0.1/keys", True),
        ("http://127.10.0.1/keys", False),
        ("https://127.10.0.1/keys", False),
        ("https://169.254.169.254/metadata/identity", False),
        ("https://10.0.0.1/keys", False),
        ("https://[fe80::1]/keys", False),
        ("https://[::ffff:169.254.169.254]/keys", False),
        ("https://localhost/keys", True),
        ("http://login.microsoftonline.com/keys", False),
        ("http://10.0.0.1/keys", False),
        ("http://127.0.0.1.example.com/keys", False),
        ("file:///etc/passwd", False),
        ("ftp://127.0.0.1/keys", False),
        ("https:///no-host", False),
        ("https://host:notaport/", False),
    ],
)
def test_only_https_to_public_hosts_or_named_hosts_is_fetched(url: str, allowed: bool) -> None:
    assert (url_problem(url, frozenset({"127.0.0.1", "localhost", "::1"})) is None) is allowed


def test_without_allow_host_loopback_is_refused_even_over_https() -> None:
    assert "loopback address 127.0.0.1" in str(url_problem("https://127.0.0.1/keys"))
    assert "loopback" in str(url_problem("https://localhost/keys"))


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "::ffff:192.168.0.1"])
def test_a_name_resolving_to_a_non_public_address_is_refused_when_connecting(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    resolved: list[str] = []

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        resolved.append(host)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(MetadataError, match=f"address {re.escape(address.removeprefix('::ffff:'))}"):
        fetch_url("https://keys.attacker.example/keys", 2.0)
    assert resolved == ["keys.attacker.example"]


def test_plain_http_to_another_host_is_refused_before_any_connection() -> None:
    with pytest.raises(MetadataError, match="loopback"):
        fetch_url("http://login.microsoftonline.com/common/discovery/keys", 1.0)
    with pytest.raises(MetadataError, match="scheme 'file'"):
        fetch_url("file:///etc/passwd", 1.0)


def test_a_policy_pointing_at_a_local_file_cannot_make_the_check_read_it() -> None:
    policy = parse_policy(
        hand_policy('<openid-config url="file:///etc/passwd" /><audiences><audience>a</audience></audiences>')
    )
    with pytest.raises(MetadataError, match="scheme 'file'"):
        evaluate(sign(app_claims()), policy, MetadataProvider(online=True), NOW)


def test_redirects_are_followed_only_where_a_direct_fetch_could_go() -> None:
    with metadata_server() as server:
        target = server.json(KEYS_PATH, key_material().jwks())
        server.raw("/moved", 302, headers={"Location": target})
        server.raw("/downgrade", 302, headers={"Location": "http://login.microsoftonline.com/keys"})
        assert json.loads(fetch_url(server.base_url + "/moved", 2.0, LOOPBACK))["keys"]
        with pytest.raises(
            MetadataError, match=re.escape("redirected to http://login.microsoftonline.com/keys")
        ):
            fetch_url(server.base_url + "/downgrade", 2.0, LOOPBACK)


def test_http_errors_bad_documents_and_oversized_answers_are_clear_errors() -> None:
    with metadata_server() as server:
        server.raw("/missing-doc", 404)
        server.raw("/html", 200, b"<html>login</html>")
        server.raw("/array", 200, b"[]")
        server.raw("/huge", 200, b" " * (MAX_DOCUMENT_BYTES + 1))
        server.json("/no-jwks-uri", {"issuer": "https://issuer.example/"})
        server.json("/no-keys", {"issuer": "x"})
        provider = MetadataProvider(timeout=2.0, online=True, allowed_hosts=LOOPBACK)
        base = server.base_url
        with pytest.raises(MetadataError, match="HTTP 404"):
            provider.document(base + "/missing-doc")
        with pytest.raises(MetadataError, match="is not JSON"):
            provider.document(base + "/html")
        with pytest.raises(MetadataError, match="not a JSON object"):
            provider.document(base + "/array")
        with pytest.raises(MetadataError, match="larger than"):
            provider.document(base + "/huge")
        with pytest.raises(MetadataError, match="no 'jwks_uri'"):
            provider.openid_configuration(base + "/no-jwks-uri")
        with pytest.raises(MetadataError, match="no 'keys'"):
            provider.signing_keys(base + "/no-keys")


def test_unreachable_host_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(MetadataError, match=r"unreachable .*--metadata URL=FILE"):
        fetch_url(f"http://127.0.0.1:{port}/keys", 2.0, LOOPBACK)


def test_slow_server_times_out() -> None:
    with metadata_server() as server:
        server.json(KEYS_PATH, key_material().jwks())
        server.delay = 5.0
        with pytest.raises(MetadataError, match=r"no answer within 0\.3 s"):
            fetch_url(server.base_url + KEYS_PATH, 0.3, LOOPBACK)


def test_overrides_answer_without_the_network() -> None:
    served = entra_metadata()
    provider = MetadataProvider(served, fetch=no_network)
    assert evaluate(sign(app_claims()), parse_policy(jwt_policy_xml(2)), provider, NOW).accepted
    assert set(provider.origins.values()) == {"file"}


def test_override_spec_splits_at_the_equals_sign_before_an_existing_file(tmp_path: Path) -> None:
    file = tmp_path / "keys.json"
    file.write_text("{}")
    url = "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration?appid=abc"
    assert parse_override(f"{url}={file}") == (url, file)
    assert parse_override("https://h/keys=missing.json") == ("https://h/keys", Path("missing.json"))
    for bad in ("no-equals-sign", "=file.json", "https://h/keys="):
        with pytest.raises(ValueError, match="URL=FILE"):
            parse_override(bad)


def test_shortcut_documents_answer_every_url_of_their_kind_and_urls_given_one_by_one_win() -> None:
    # --openid-config FILE and --jwks FILE: one document for every discovery or key set URL.
    config = json.dumps(discovery()).encode()
    keys = json.dumps(key_material().jwks()).encode()
    other_keys = json.dumps({"keys": []}).encode()
    jwks_url = CLOUDS["global"].jwks_url(TENANT, 2)
    provider = MetadataProvider(
        {jwks_url: other_keys}, fetch=no_network, any_openid_config=config, any_jwks=keys
    )
    configuration = provider.openid_configuration("https://anywhere.example/.well-known/openid-configuration")
    assert configuration.issuer == discovery()["issuer"]
    assert provider.signing_keys(jwks_url) == ()  # the URL named with --metadata wins
    assert [key.key_id for key in provider.signing_keys("https://anywhere.example/keys")] == [
        RSA_KID,
        "ec-signing-1",
    ]
    assert set(provider.origins.values()) == {"file"}
