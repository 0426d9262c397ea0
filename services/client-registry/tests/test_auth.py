"""Access tokens and gateway assertions: only identity's and the gateway's, unexpired, ours."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from frontdesk_registry.adapters.auth import (
    AccessTokenVerifier,
    GatewayVerifier,
    JwksKeys,
    NotAuthenticated,
    StaticKey,
)


def token(key: Any, kid: str | None = None, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"sub": "acc-1", "iss": "frontdesk-identity", "aud": "frontdesk", "iat": now,
              "exp": now + 60} | overrides  # fmt: skip
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm="EdDSA", headers=headers)


def verifier(keys: dict[str, Any]) -> AccessTokenVerifier:
    public = keys["identity"].public_key()
    return AccessTokenVerifier(StaticKey(public), "frontdesk-identity", "frontdesk")


async def test_a_valid_token_names_its_account_and_only_a_verified_email(keys):
    plain = await verifier(keys).verify(token(keys["identity"], email="a@b.io"))
    proven = await verifier(keys).verify(
        token(keys["identity"], email="a@b.io", email_verified=True)
    )
    assert (plain.account_id, plain.verified_email) == ("acc-1", None)
    assert proven.verified_email == "a@b.io"


def claims_without(name: str) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "a", "iss": "frontdesk-identity", "aud": "frontdesk", "iat": now,
              "exp": now + 60}  # fmt: skip
    return {k: v for k, v in claims.items() if k != name}


@pytest.mark.parametrize(
    "overrides", [{"exp": int(time.time()) - 1}, {"aud": "elsewhere"}, {"iss": "gateway"}]
)
async def test_expired_or_foreign_tokens_are_refused(keys, overrides):
    with pytest.raises(NotAuthenticated):
        await verifier(keys).verify(token(keys["identity"], **overrides))


@pytest.mark.parametrize("missing", ["sub", "iat", "exp"])
async def test_tokens_missing_a_required_claim_are_refused(keys, missing):
    raw = jwt.encode(claims_without(missing), keys["identity"], algorithm="EdDSA")
    with pytest.raises(NotAuthenticated):
        await verifier(keys).verify(raw)


async def test_tokens_signed_by_another_key_or_algorithm_are_refused(keys):
    with pytest.raises(NotAuthenticated):
        await verifier(keys).verify(token(keys["gateway"]))
    hs = jwt.encode(claims_without("none"), "k" * 32, algorithm="HS256")
    with pytest.raises(NotAuthenticated):
        await verifier(keys).verify(hs)
    with pytest.raises(NotAuthenticated):
        await verifier(keys).verify("not-a-jwt")


def jwks(*pairs: tuple[str, Ed25519PrivateKey]) -> dict[str, Any]:
    keys = []
    for kid, private in pairs:
        jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
        keys.append(jwk | {"kid": kid, "alg": "EdDSA", "use": "sig"})
    return {"keys": keys}


async def test_keys_come_from_identitys_jwks_and_a_rotation_is_picked_up(keys):
    old, new = keys["identity"], Ed25519PrivateKey.generate()
    published = {"set": jwks(("k1", old))}
    fetches = []

    def serve(request: httpx.Request) -> httpx.Response:
        fetches.append(request.url.path)
        return httpx.Response(200, json=published["set"])

    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as client:
        source = JwksKeys("http://identity/jwks", client, cache_seconds=300, refetch_after=0)
        check = AccessTokenVerifier(source, "frontdesk-identity", "frontdesk")
        assert (await check.verify(token(old, kid="k1"))).account_id == "acc-1"
        await check.verify(token(old, kid="k1"))
        assert len(fetches) == 1  # cached
        published["set"] = jwks(("k1", old), ("k2", new))
        assert (await check.verify(token(new, kid="k2"))).account_id == "acc-1"
        with pytest.raises(NotAuthenticated):
            await check.verify(token(Ed25519PrivateKey.generate(), kid="k3"))


async def test_an_unreachable_jwks_refuses_rather_than_crashes(keys):
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as client:
        source = JwksKeys("http://identity/jwks", client, cache_seconds=300)
        with pytest.raises(NotAuthenticated):
            await AccessTokenVerifier(source, "frontdesk-identity", "frontdesk").verify(
                token(keys["identity"], kid="k1")
            )


def assertion(key: Any, **overrides: Any) -> str:
    claims = {"sub": "admin-1", "studios": ["s1"], "aud": "frontdesk-client-registry",
              "exp": int(time.time()) + 60} | overrides  # fmt: skip
    return jwt.encode(claims, key, algorithm="EdDSA")


def test_the_gateways_assertion_names_the_admin_and_their_studios(keys):
    gateway = GatewayVerifier(keys["gateway"].public_key(), "frontdesk-client-registry")
    admin = gateway.verify(assertion(keys["gateway"]))
    assert admin.admin_id == "admin-1"
    assert admin.administers("s1") and not admin.administers("s2")


@pytest.mark.parametrize(
    "overrides",
    [{"aud": "frontdesk-identity"}, {"exp": int(time.time()) - 1}, {"studios": "s1"}],
)
def test_foreign_expired_or_malformed_assertions_are_refused(keys, overrides):
    gateway = GatewayVerifier(keys["gateway"].public_key(), "frontdesk-client-registry")
    with pytest.raises(NotAuthenticated):
        gateway.verify(assertion(keys["gateway"], **overrides))
    with pytest.raises(NotAuthenticated):
        gateway.verify(assertion(keys["identity"]))  # signed by someone else


@pytest.mark.parametrize("alg", ["ES256", "RS256", "HS256", "none"])
def test_an_assertion_of_another_algorithm_is_refused_not_a_crash(keys, alg):
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    claims = {"sub": "a", "studios": ["s1"], "aud": "frontdesk-client-registry", "exp": 9e9}
    signing: Any = {
        "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "HS256": lambda: "k" * 32,
        "none": lambda: None,
    }[alg]()
    gateway = GatewayVerifier(keys["gateway"].public_key(), "frontdesk-client-registry")
    with pytest.raises(NotAuthenticated):
        gateway.verify(jwt.encode(claims, signing, algorithm=alg))
