"""Gateway assertions, identity's access tokens and JWKS, argon2id off the event loop."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frontdesk_contracts import KeyRing, generate_key_pair
from frontdesk_identity.adapters.crypto import (
    AccessTokens,
    GatewayVerifier,
    PasswordHasher,
    Sealer,
)
from frontdesk_identity.domain.errors import NotAuthenticated

GATEWAY = Ed25519PrivateKey.generate()
VERIFIER = GatewayVerifier(GATEWAY.public_key(), "frontdesk-identity")


def assertion(key=GATEWAY, **changes) -> str:  # type: ignore[no-untyped-def]
    now = int(time.time())
    claims = {"sub": "admin-1", "studios": ["s1"], "aud": "frontdesk-identity", "exp": now + 60}
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="EdDSA")


def test_a_valid_assertion_names_the_admin_and_their_studios():
    admin = VERIFIER.verify(assertion(studio_names={"s1": "Studio One"}))
    assert admin.admin_id == "admin-1"
    assert admin.administers("s1") and not admin.administers("s2")
    assert admin.studio_name("s1") == "Studio One"


@pytest.mark.parametrize(
    "token",
    [
        assertion(key=Ed25519PrivateKey.generate()),
        assertion(aud="frontdesk-client-registry"),
        assertion(exp=int(time.time()) - 10),
        assertion(aud=None),
        assertion(studios="s1"),
        jwt.encode(
            {"sub": "a", "aud": "frontdesk-identity", "exp": 9e9}, "k" * 32, algorithm="HS256"
        ),
        "not-a-jwt",
    ],
)
def test_a_bad_assertion_is_refused(token):
    with pytest.raises(NotAuthenticated):
        VERIFIER.verify(token)


def test_access_tokens_verify_with_the_published_jwks():
    tokens = AccessTokens(Ed25519PrivateKey.generate(), "kid-1", 900)
    token = tokens.issue("acc-1", "sess-1")
    claims = tokens.verify(token)
    assert (claims.account_id, claims.session_id) == ("acc-1", "sess-1")
    [jwk] = tokens.jwks()["keys"]
    assert jwk["kid"] == "kid-1" and jwk["alg"] == "EdDSA" and "d" not in jwk
    decoded = jwt.decode(token, jwt.PyJWK(jwk), algorithms=["EdDSA"], audience="frontdesk")
    assert decoded["sub"] == "acc-1"


def test_another_key_s_or_an_expired_access_token_is_refused():
    tokens = AccessTokens(Ed25519PrivateKey.generate(), "kid-1", 900)
    other = AccessTokens(Ed25519PrivateKey.generate(), "kid-1", 900)
    with pytest.raises(NotAuthenticated):
        tokens.verify(other.issue("acc-1", "s"))
    expired = AccessTokens(Ed25519PrivateKey.generate(), "kid-1", -10)
    with pytest.raises(NotAuthenticated):
        expired.verify(expired.issue("acc-1", "s"))


async def test_argon2id_hashes_off_the_event_loop():
    hasher = PasswordHasher(time_cost=2, memory_kib=32768, parallelism=1)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    stored = await hasher.hash("correct horse battery")
    ticker.cancel()
    assert ticks > 3  # the loop kept running while the hash was computed
    assert stored.startswith("$argon2id$")
    assert await hasher.verify(stored, "correct horse battery")
    assert not await hasher.verify(stored, "wrong horse battery")
    assert not await hasher.verify(None, "correct horse battery")


def test_sealed_secrets_open_only_with_notifications_private_key():
    pair = generate_key_pair("k1")
    sealed = Sealer("k1", pair.encoded_public_key()).seal("the-token")
    assert "the-token" not in sealed.model_dump_json()
    assert KeyRing.of(pair).open(sealed).reveal() == "the-token"


def _forged(alg: str) -> str:
    """An assertion whose header names `alg`, signed with a key of that kind (not the
    gateway's): a forger's token, or a confused client's."""
    claims = {"sub": "admin-1", "studios": ["s1"], "aud": "frontdesk-identity", "exp": 9e9}
    keys = {
        "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "HS256": lambda: "k" * 32,
    }
    if alg == "none":
        return jwt.encode(claims, None, algorithm="none")
    return jwt.encode(claims, keys[alg](), algorithm=alg)


FORGED = {alg: _forged(alg) for alg in ("ES256", "RS256", "HS256", "none")}


@pytest.mark.parametrize("alg", sorted(FORGED))
def test_an_assertion_of_another_algorithm_is_refused_not_a_crash(alg):
    with pytest.raises(NotAuthenticated):
        VERIFIER.verify(FORGED[alg])


@pytest.mark.parametrize("alg", sorted(FORGED))
def test_an_rsa_or_ec_gateway_key_still_refuses_every_other_algorithm(alg):
    # The gateway may sign with RSA or EC: its key's own algorithm is the only one.
    for key in (
        ec.generate_private_key(ec.SECP256R1()),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ):
        with pytest.raises(NotAuthenticated):
            GatewayVerifier(key.public_key(), "frontdesk-identity").verify(FORGED[alg])


def test_an_rsa_gateway_key_verifies_its_own_assertions():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": "admin-1", "studios": ["s1"], "aud": "frontdesk-identity", "exp": 9e9}
    token = jwt.encode(claims, key, algorithm="RS256")
    verifier = GatewayVerifier(key.public_key(), "frontdesk-identity")
    assert verifier.verify(token).admin_id == "admin-1"
