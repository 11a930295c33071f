"""Signature algorithms and keys: which key may verify which algorithm, and the verification itself,
done by pyjwt's algorithm objects (never by hand).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Literal, cast

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import PyJWK
from jwt.algorithms import Algorithm, get_default_algorithms

from tools.check_token.claims import listing
from tools.check_token.jws import Token
from tools.check_token.metadata import SigningKey
from tools.check_token.policy import Policy, ValidateJwt
from tools.check_token.verdict import Evaluation, EvaluationError

RSA_ALGORITHMS = frozenset({"RS256", "RS512", "PS256"})
EC_ALGORITHMS = frozenset({"ES256"})
SYMMETRIC_ALGORITHMS = frozenset({"HS256"})
ACCEPTED_ALGORITHMS = RSA_ALGORITHMS | EC_ALGORITHMS | SYMMETRIC_ALGORITHMS
"""What the gateway verifies (reference, section 3); RS384, ES384 and the rest are refused."""

ENFORCE_MINIMUM_KEY_LENGTH = True
"""pyjwt's minimums (RSA 2048 bits, HS256 32 bytes): stricter than the gateway may be for RSA."""

_ALGORITHMS: dict[str, Algorithm] = {
    name: algorithm for name, algorithm in get_default_algorithms().items() if name in ACCEPTED_ALGORITHMS
}
"""pyjwt's algorithm objects, the only code that verifies a signature; none but the accepted ones."""
if _ALGORITHMS.keys() != ACCEPTED_ALGORITHMS:  # pragma: no cover - pyjwt without `cryptography`
    raise ImportError(f"pyjwt lacks {', '.join(sorted(ACCEPTED_ALGORITHMS - _ALGORITHMS.keys()))}")


def key_algorithms(key: SigningKey) -> frozenset[str]:
    """The algorithms this key may verify: by key type, and narrowed to the JWK's own `alg`."""
    material: object = key.jwk.key
    if isinstance(material, rsa.RSAPublicKey):
        algorithms = RSA_ALGORITHMS
    elif isinstance(material, ec.EllipticCurvePublicKey) and isinstance(material.curve, ec.SECP256R1):
        algorithms = EC_ALGORITHMS
    elif isinstance(material, bytes) and key.inline:
        # A symmetric key counts only when written in the policy: never one from a JWKS.
        algorithms = SYMMETRIC_ALGORITHMS
    else:
        algorithms = frozenset[str]()
    if key.declared_algorithm is not None:
        algorithms = algorithms & {key.declared_algorithm}
    return algorithms


def key_kind(key: SigningKey) -> str:
    material: object = key.jwk.key
    if isinstance(material, rsa.RSAPublicKey):
        return "an RSA key"
    if isinstance(material, ec.EllipticCurvePublicKey):
        return f"an EC {material.curve.name} key"
    if isinstance(material, bytes):
        return "a symmetric key"
    return "a key of another type"


Check = Literal["verified", "bad-signature", "weak-key"]

_REFUSED = object()
"""A key pyjwt will not verify with (too short, or not a key for the algorithm)."""
_PREPARED_KEYS: weakref.WeakKeyDictionary[PyJWK, dict[str, object]] = weakref.WeakKeyDictionary()
"""pyjwt's `prepare_key` outcome per key and algorithm, kept as long as the key is: an inline key
lives with its parsed policy, a fetched one in the metadata provider's cache, so each is prepared
once (an HMAC secret's preparation parses it as DER and JSON to refuse asymmetric keys)."""


def _prepared_key(key: SigningKey, algorithm: str) -> object:
    """`key` made ready for `algorithm` by pyjwt, as `PyJWS._verify_signature` does, or _REFUSED."""
    per_algorithm = _PREPARED_KEYS.get(key.jwk)
    if per_algorithm is None:
        per_algorithm = _PREPARED_KEYS[key.jwk] = {}
    prepared = per_algorithm.get(algorithm)
    if prepared is None:  # not prepared yet: no prepared key is None
        verifier = _ALGORITHMS[algorithm]
        try:
            prepared = verifier.prepare_key(key.jwk.key)
            if ENFORCE_MINIMUM_KEY_LENGTH and verifier.check_key_length(prepared) is not None:
                prepared = _REFUSED
        except jwt.InvalidKeyError:
            prepared = _REFUSED
        per_algorithm[algorithm] = prepared
    return prepared


def verify(token: Token, key: SigningKey, algorithm: str) -> Check:
    """pyjwt verifies `token`'s signature with `key`; `algorithm` is one `key` may verify."""
    prepared = _prepared_key(key, algorithm)
    if prepared is _REFUSED:
        return "weak-key"
    if _ALGORITHMS[algorithm].verify(token.signing_input, prepared, token.signature):
        return "verified"
    return "bad-signature"


def check_signature(run: Evaluation, token: Token, keys: Sequence[SigningKey]) -> None:
    algorithm = cast("str", token.header["alg"])
    kid = cast("str | None", token.header.get("kid"))
    require_signed = not isinstance(run.policy, ValidateJwt) or run.policy.require_signed_tokens
    if algorithm.lower() == "none":
        if require_signed:
            run.reject(
                "TokenSignatureInvalid",
                "The token is unsigned (alg 'none'); the policy requires signed tokens.",
            )
            run.hint("An unsigned token can be written by anyone; no gateway policy should accept one.")
        else:
            run.hint(
                'The policy sets require-signed-tokens="false": the gateway accepts this unsigned token, '
                "which anyone can forge. Remove the attribute."
            )
        return
    if algorithm not in ACCEPTED_ALGORITHMS:
        run.reject(
            "TokenSignatureInvalid",
            f"The token is signed with {algorithm}; the gateway verifies only "
            f"{listing(sorted(ACCEPTED_ALGORITHMS - SYMMETRIC_ALGORITHMS))}, and HS256 with a key "
            "written in the policy.",
        )
        return
    if algorithm in SYMMETRIC_ALGORITHMS and not any(key.inline and key_algorithms(key) for key in keys):
        run.reject(
            "TokenSignatureInvalid",
            "The token is signed with HS256, but the policy has no symmetric key: HS256 is verified only "
            "with a key in <issuer-signing-keys>.",
        )
        run.hint(
            "An HS256 token against a policy whose keys are public keys is the signature of a forgery "
            "(key confusion: the public key used as an HMAC secret), or a token from another issuer."
        )
        return
    matched = [key for key in keys if kid is not None and key.key_id == kid]
    if matched:
        usable = [key for key in matched if algorithm in key_algorithms(key)]
        if not usable:
            run.reject(
                "TokenSignatureInvalid",
                f"Key {kid!r} is {key_kind(matched[0])}, which cannot verify an {algorithm} signature.",
            )
            return
        checks = [verify(token, key, algorithm) for key in usable]
        if "verified" in checks:
            return
        if "weak-key" in checks:
            run.reject("TokenSignatureInvalid", f"Key {kid!r} is too short to be trusted for {algorithm}.")
            return
        run.reject(
            "TokenSignatureInvalid",
            f"The signature does not verify with key {kid!r}: the token was altered, or signed by "
            "another key.",
        )
        return
    # No kid, or an unknown one: every key is tried (reference, section 3).
    candidates = [key for key in keys if algorithm in key_algorithms(key)]
    checks = [verify(token, key, algorithm) for key in candidates]
    if "verified" in checks:
        return
    _refuse_if_certificates(run.policy)
    if kid is not None:
        run.reject(
            "TokenSignatureKeyNotFound",
            f"No signing key has kid {kid!r} ({len(keys)} key(s) known), and none of the "
            f"{len(candidates)} key(s) that could verify {algorithm} does.",
        )
        run.hint(
            "An unknown kid: the token comes from another tenant, cloud or issuer, or the keys are stale "
            "(Entra rotates them: refresh a --metadata file from the jwks_uri)."
        )
    elif not candidates:
        run.reject("TokenSignatureKeyNotFound", f"The policy has no key that can verify {algorithm}.")
    else:
        weak = checks.count("weak-key")
        run.reject(
            "TokenSignatureInvalid",
            f"The token has no kid and none of the {len(candidates)} key(s) verifies its signature"
            + (f" ({weak} too short to be trusted)." if weak else "."),
        )


def _refuse_if_certificates(policy: Policy) -> None:
    # A certificate stored in APIM might verify the token: "rejected" would be a guess.
    if isinstance(policy, ValidateJwt) and policy.certificate_ids:
        raise EvaluationError(
            "no key available offline verifies the token, and the policy also trusts certificate(s) "
            f"{listing(policy.certificate_ids)} stored in API Management, which this check cannot read"
        )
