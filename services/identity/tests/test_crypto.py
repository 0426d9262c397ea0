"""Gateway assertions, identity's access tokens and JWKS, argon2id off the event loop."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frontdesk_contracts import ACCESS_TOKEN_CLAIMS_VERSION, KeyRing, generate_key_pair
from frontdesk_identity.adapters.crypto import AccessTokens, PasswordHasher, Sealer
from frontdesk_identity.domain.errors import NotAuthenticated
from frontdesk_kit.gateway import GatewayVerifier
from frontdesk_kit.gateway import NotAuthenticated as NotAnAdmin
from frontdesk_testing import IDENTITY_AUDIENCE, StandInGateway

GATEWAY = StandInGateway()
# As identity's settings build it (GatewayVerifier.from_settings): 30 s of clock skew.
VERIFIER = GatewayVerifier(GATEWAY.key.public_key(), audience=IDENTITY_AUDIENCE)


def assertion(gateway: StandInGateway = GATEWAY, **changes: Any) -> str:
    """admin-1's assertion for studio s1, valid for a minute; `changes` override claims
    (None leaves one out)."""
    return gateway.assertion(
        "admin-1", ["s1"], audience=IDENTITY_AUDIENCE, lifetime_seconds=60, **changes
    )


def test_a_valid_assertion_names_the_admin_and_their_studios():
    admin = VERIFIER.verify(assertion(studio_names={"s1": "Studio One"}))
    assert admin.admin_id == "admin-1"
    assert admin.administers("s1") and not admin.administers("s2")
    assert admin.studio_name("s1") == "Studio One"


@pytest.mark.parametrize(
    "token",
    [
        assertion(StandInGateway()),  # signed by another key
        assertion(aud="frontdesk-client-registry"),
        assertion(exp=int(time.time()) - 60),  # expired beyond the allowed clock skew
        assertion(aud=None),
        assertion(studios="s1"),
        jwt.encode(
            {"sub": "a", "aud": "frontdesk-identity", "exp": 9e9}, "k" * 32, algorithm="HS256"
        ),
        "not-a-jwt",
    ],
)
def test_a_bad_assertion_is_refused(token):
    with pytest.raises(NotAnAdmin):
        VERIFIER.verify(token)


def test_access_tokens_verify_with_the_published_jwks():
    tokens = AccessTokens(Ed25519PrivateKey.generate(), "kid-1", 900)
    token = tokens.issue("acc-1", "sess-1")
    claims = tokens.verify(token)
    assert (claims.sub, claims.sid, claims.ver) == ("acc-1", "sess-1", ACCESS_TOKEN_CLAIMS_VERSION)
    [jwk] = tokens.jwks()["keys"]
    assert jwk["kid"] == "kid-1" and jwk["alg"] == "EdDSA" and "d" not in jwk
    decoded = jwt.decode(token, jwt.PyJWK(jwk), algorithms=["EdDSA"], audience="frontdesk")
    assert decoded["sub"] == "acc-1"


def test_another_key_s_or_an_expired_access_token_is_refused():
    tokens = AccessTokens(Ed25519PrivateKey.generate(), "kid-1", 900)
    other = AccessTokens(Ed25519PrivateKey.generate(), "kid-1", 900)
    with pytest.raises(NotAuthenticated):
        tokens.verify(other.issue("acc-1", "s"))
    # Issued 1000 s ago, for 900 s.
    expired = AccessTokens(Ed25519PrivateKey.generate(), "kid-1", 900, lambda: time.time() - 1000)
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
    with pytest.raises(NotAnAdmin):
        VERIFIER.verify(FORGED[alg])


@pytest.mark.parametrize("alg", sorted(FORGED))
def test_an_rsa_or_ec_gateway_key_still_refuses_every_other_algorithm(alg):
    # The gateway may sign with RSA or EC: its key's own algorithm is the only one.
    for key in (
        ec.generate_private_key(ec.SECP256R1()),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ):
        with pytest.raises(NotAnAdmin):
            GatewayVerifier(key.public_key(), audience="frontdesk-identity").verify(FORGED[alg])


def test_an_rsa_gateway_key_verifies_its_own_assertions():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": "admin-1", "studios": ["s1"], "aud": "frontdesk-identity", "exp": 9e9}
    token = jwt.encode(claims, key, algorithm="RS256")
    verifier = GatewayVerifier(key.public_key(), audience="frontdesk-identity")
    assert verifier.verify(token).admin_id == "admin-1"
