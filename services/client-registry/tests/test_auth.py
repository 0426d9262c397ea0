"""Access tokens and gateway assertions: only identity's and the gateway's, unexpired, ours."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from frontdesk_kit import load_settings
from frontdesk_kit.gateway import GatewayVerifier, NotAuthenticated
from frontdesk_registry.adapters.access_tokens import AccessTokenVerifier, JwksKeys, StaticKey
from frontdesk_registry.settings import RegistrySettings
from frontdesk_testing import REGISTRY_AUDIENCE, StandInGateway


def identity_claims(**overrides: Any) -> dict[str, Any]:
    """The claims identity puts in an access token (frontdesk_contracts.access_token)."""
    now = int(time.time())
    claims = {"sub": "acc-1", "sid": "s-1", "jti": str(uuid.uuid4()), "iss": "frontdesk-identity",
              "aud": "frontdesk", "iat": now, "exp": now + 60} | overrides  # fmt: skip
    return {k: v for k, v in claims.items() if v is not None}


def token(key: Any, kid: str | None = None, **overrides: Any) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(identity_claims(**overrides), key, algorithm="EdDSA", headers=headers)


def verifier(keys: dict[str, Any]) -> AccessTokenVerifier:
    return AccessTokenVerifier(StaticKey(keys["identity"].public_key()))


async def test_a_valid_token_names_its_account_and_no_email_claim_counts(keys):
    claims = await verifier(keys).verify(
        token(keys["identity"], email="a@b.io", email_verified=True)
    )
    assert (claims.sub, claims.sid) == ("acc-1", "s-1")
    # Ownership of an address is proven only by SignupCompleted: the claims drop it.
    assert "email" not in claims.model_dump() and "email_verified" not in claims.model_dump()


@pytest.mark.parametrize(
    "overrides",
    [{"exp": int(time.time()) - 1}, {"aud": "elsewhere"}, {"iss": "gateway"}, {"ver": 2},
     {"jti": "not-a-uuid"}, {"sub": "has space"}],
)  # fmt: skip
async def test_expired_foreign_or_unknown_version_tokens_are_refused(keys, overrides):
    with pytest.raises(NotAuthenticated):
        await verifier(keys).verify(token(keys["identity"], **overrides))


@pytest.mark.parametrize("missing", ["sub", "sid", "jti", "iat", "exp"])
async def test_tokens_missing_a_required_claim_are_refused(keys, missing):
    raw = jwt.encode(identity_claims(**{missing: None}), keys["identity"], algorithm="EdDSA")
    with pytest.raises(NotAuthenticated):
        await verifier(keys).verify(raw)


async def test_tokens_signed_by_another_key_or_algorithm_are_refused(keys):
    with pytest.raises(NotAuthenticated):
        await verifier(keys).verify(token(keys["gateway"]))
    hs = jwt.encode(identity_claims(), "k" * 32, algorithm="HS256")
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
        check = AccessTokenVerifier(source)
        assert (await check.verify(token(old, kid="k1"))).sub == "acc-1"
        await check.verify(token(old, kid="k1"))
        assert len(fetches) == 1  # cached
        published["set"] = jwks(("k1", old), ("k2", new))
        assert (await check.verify(token(new, kid="k2"))).sub == "acc-1"
        with pytest.raises(NotAuthenticated):
            await check.verify(token(Ed25519PrivateKey.generate(), kid="k3"))


async def test_an_unreachable_jwks_refuses_rather_than_crashes(keys):
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as client:
        source = JwksKeys("http://identity/jwks", client, cache_seconds=300)
        with pytest.raises(NotAuthenticated):
            await AccessTokenVerifier(source).verify(token(keys["identity"], kid="k1"))


def gateway_of(settings: RegistrySettings) -> GatewayVerifier:
    """The verifier the runtime builds from the registry's settings."""
    return GatewayVerifier.from_settings(settings)


def test_the_gateways_assertion_names_the_admin_and_their_studios(settings, keys):
    admin = gateway_of(settings).verify(
        StandInGateway(keys["gateway"]).assertion("admin-1", ["s1"], audience=REGISTRY_AUDIENCE)
    )
    assert admin.admin_id == "admin-1"
    assert admin.administers("s1") and not admin.administers("s2")


@pytest.mark.parametrize(
    "overrides",
    [{"aud": "frontdesk-identity"}, {"exp": int(time.time()) - 60}, {"studios": "s1"}],
)
def test_foreign_expired_or_malformed_assertions_are_refused(settings, keys, overrides):
    gateway = gateway_of(settings)
    with pytest.raises(NotAuthenticated):
        gateway.verify(
            StandInGateway(keys["gateway"]).assertion(
                "admin-1", ["s1"], audience=REGISTRY_AUDIENCE, **overrides
            )
        )
    with pytest.raises(NotAuthenticated):  # signed by someone else
        gateway.verify(
            StandInGateway(keys["identity"]).assertion("a", ["s1"], audience=REGISTRY_AUDIENCE)
        )


@pytest.mark.parametrize("alg", ["ES256", "RS256", "HS256", "none"])
def test_an_assertion_of_another_algorithm_is_refused_not_a_crash(settings, alg):
    claims = {"sub": "a", "studios": ["s1"], "aud": "frontdesk-client-registry", "exp": 9e9}
    signing: Any = {
        "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "HS256": lambda: "k" * 32,
        "none": lambda: None,
    }[alg]()
    with pytest.raises(NotAuthenticated):
        gateway_of(settings).verify(jwt.encode(claims, signing, algorithm=alg))


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_a_p256_or_rsa_gateway_key_verifies_its_own_algorithm_only(settings, tmp_path, alg):
    private: Any = (
        ec.generate_private_key(ec.SECP256R1()) if alg == "ES256"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )  # fmt: skip
    pem = tmp_path / "gateway-other.pem"
    pem.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    gateway = gateway_of(settings.model_copy(update={"gateway_public_key_file": pem}))
    claims = {"sub": "a", "studios": ["s1"], "aud": "frontdesk-client-registry", "exp": 9e9}
    assert gateway.verify(jwt.encode(claims, private, algorithm=alg)).admin_id == "a"
    with pytest.raises(NotAuthenticated):
        gateway.verify(jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA"))


def test_a_configured_gateway_issuer_is_required(monkeypatch, keys):
    for name, value in {
        "DATABASE_URL": "postgresql://u@db.invalid/r", "KAFKA_BOOTSTRAP_SERVERS": "k.invalid:1",
        "GATEWAY_PUBLIC_KEY_FILE": str(keys["gateway_pem"]), "GATEWAY_ISSUER": "platform-gw",
    }.items():  # fmt: skip
        monkeypatch.setenv("FRONTDESK_REGISTRY_" + name, value)
    gateway = gateway_of(load_settings(RegistrySettings))

    def signed(**claims: Any) -> str:
        return StandInGateway(keys["gateway"]).assertion(
            "admin-1", ["s1"], audience=REGISTRY_AUDIENCE, **claims
        )

    assert gateway.verify(signed(iss="platform-gw")).admin_id == "admin-1"
    for wrong in ({"iss": "someone-else"}, {}):  # another issuer, or none at all
        with pytest.raises(NotAuthenticated):
            gateway.verify(signed(**wrong))
