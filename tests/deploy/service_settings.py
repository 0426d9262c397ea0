"""The three services' settings, as a deployment must provide them.

The rule every deployment here is held to (deploy/README.md, "Settings"): a setting is
provided when it has no default, or when the service refuses its default in production
(``FRONTDESK_<SERVICE>_ENVIRONMENT=prod``); any other setting may be left to its
default. The settings are enumerated from the classes the services read
(`DeployedService.variables`: the class's prefix plus the field name, upper-cased, which
is how pydantic-settings reads them), never listed by hand, so a new setting is checked
the day it is added.

`settings_from` builds a service's settings class from the variables a deployment gives
it, the way the service does at start: a variable pointing at a key file gets a stand-in
file written under a scratch folder, a Secret's value a stand-in value. What the class
then refuses is what the service would refuse.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from pydantic import SecretStr, ValidationError

from frontdesk_contracts import (
    GROUP_CLIENT_REGISTRY,
    GROUP_IDENTITY,
    GROUP_NOTIFICATIONS,
    generate_key_pair,
    topics_read_by,
)
from frontdesk_identity.settings import IdentitySettings
from frontdesk_kit import ServiceSettings
from frontdesk_notifications.settings import NotificationsSettings
from frontdesk_registry.settings import RegistrySettings

SECRET_BY_NATURE = ("database_url",)
"""Settings typed as plain strings that still carry credentials (a DSN's password)."""


@dataclass(frozen=True)
class DeployedService:
    """One service as a deployment runs it and as its code reads its settings."""

    name: str
    """The name of its Deployment, Service, PodDisruptionBudget, HPA and ConfigMap."""
    package: str
    """What ``python -m`` starts."""
    settings: type[ServiceSettings]
    group: str
    """Its consumer group in the contracts' catalogue."""

    @property
    def prefix(self) -> str:
        """The settings' environment prefix, e.g. ``FRONTDESK_IDENTITY_``."""
        return str(self.settings.model_config.get("env_prefix", "")).upper()

    def variable(self, field: str) -> str:
        """The environment variable of setting `field`."""
        return self.prefix + field.upper()

    def variables(self) -> dict[str, str]:
        """Every setting of the service: its environment variable → its field name."""
        return {self.variable(name): name for name in self.settings.model_fields}

    def without_default(self) -> list[str]:
        """The variables of the settings that have no default."""
        fields = self.settings.model_fields
        return sorted(self.variable(name) for name, info in fields.items() if info.is_required())

    def secret_variables(self) -> list[str]:
        """The variables whose values are credentials: SecretStr settings, and DSNs."""
        fields = self.settings.model_fields
        return sorted(
            self.variable(name)
            for name, info in fields.items()
            if name in SECRET_BY_NATURE or _mentions(info.annotation, SecretStr)
        )

    def partition_cap(self) -> int:
        """The most instances that each take a share of the group's work: the fewest
        partitions among the topics the consumer group reads."""
        return min(topic.default_partitions for topic in topics_read_by(self.group))


SERVICES = (
    DeployedService("identity", "frontdesk_identity", IdentitySettings, GROUP_IDENTITY),
    DeployedService(
        "client-registry", "frontdesk_registry", RegistrySettings, GROUP_CLIENT_REGISTRY
    ),
    DeployedService(
        "notifications", "frontdesk_notifications", NotificationsSettings, GROUP_NOTIFICATIONS
    ),
)


def _mentions(annotation: Any, wanted: type) -> bool:
    """Whether `annotation` is `wanted` or has it inside (Optional, dict values, ...)."""
    return annotation is wanted or any(_mentions(arg, wanted) for arg in get_args(annotation))


SECRET_STAND_INS = {
    "database-url": "postgresql://frontdesk:stand-in@db.example.com:5432/frontdesk",
    "ops-token": "stand-in-ops-token-of-more-than-32-characters",
    "password": "stand-in-kafka-password",
    "smtp-password": "stand-in-smtp-password",
}
"""A value for each key of a Secret the manifests reference (the real ones live only in
the cluster). A new key fails `secret_stand_in` until it gets a stand-in here."""


def secret_stand_in(key: str) -> str:
    """The stand-in value of Secret key `key`."""
    if key not in SECRET_STAND_INS:
        pytest.fail(f"no stand-in for the Secret key {key!r}: add one to SECRET_STAND_INS")
    return SECRET_STAND_INS[key]


def _private_pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem() -> str:
    key = Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _sealing_keys(half: str) -> str:
    pair = generate_key_pair("notifications-1")
    if half == "public":
        return json.dumps({pair.key_id: pair.encoded_public_key()})
    return json.dumps({pair.key_id: pair.encoded_private_key().reveal()})


def _ca_certificate() -> str:
    """A self-signed certificate: enough for the services' TLS context to load it."""
    key = Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stand-in cluster CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, None)
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


FILE_STAND_INS: dict[str, Callable[[], str]] = {
    "signing-key.pem": _private_pem,
    "gateway-public.pem": _public_pem,
    "token-digest.key": lambda: secrets.token_urlsafe(32),
    "sealing-public-keys.json": lambda: _sealing_keys("public"),
    "sealing-private-keys.json": lambda: _sealing_keys("private"),
    "ca.crt": _ca_certificate,
}
"""The content of each key file the manifests mount, by its Secret key."""


def file_stand_in(key: str) -> str:
    """Stand-in content for the mounted Secret key `key` (a fresh key, never a real one)."""
    if key not in FILE_STAND_INS:
        pytest.fail(f"no stand-in for the mounted Secret key {key!r}: add one to FILE_STAND_INS")
    return FILE_STAND_INS[key]()


def settings_from(
    service: DeployedService, variables: Mapping[str, str], monkeypatch: pytest.MonkeyPatch
) -> ServiceSettings:
    """The service's settings read from exactly `variables` (no other FRONTDESK_ variable
    of this machine leaks in); a `ValidationError` is what the service would refuse."""
    for name in list(os.environ):
        if name.startswith("FRONTDESK_"):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return service.settings()  # type: ignore[call-arg]  # filled from the environment


def refused(
    service: DeployedService, variables: Mapping[str, str], monkeypatch: pytest.MonkeyPatch
) -> str | None:
    """Why the service would refuse to start with `variables`; None when it accepts them."""
    try:
        settings_from(service, variables, monkeypatch)
    except ValidationError as error:
        return str(error)
    return None
