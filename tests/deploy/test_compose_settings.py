"""Every setting a service reads is given to each of its instances by deploy/compose.yaml,
by the rule of `service_settings` (the settings enumerated from the classes the services
read): provided when it has no default; what production would refuse left only where
the compose stack is a development stack on purpose (plain Kafka and SMTP, http links,
a database on this machine). Static: the file is read as compose reads it, no Docker."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from frontdesk_devstack.config import StackConfig
from frontdesk_devstack.docker import composefile
from frontdesk_devstack.docker.composefile import COMPOSE_FILE, Instance
from frontdesk_devstack.keys import ensure_dev_keys

from .service_settings import SERVICES, DeployedService, settings_from

MOUNTED_KEYS = "/etc/frontdesk/keys"
STAND_INS = {
    "FRONTDESK_DOCKER_SECRETS": "/nonexistent/secrets",
    "FRONTDESK_DOCKER_PG_PASSWORD": "stand-in-password",
    "FRONTDESK_DOCKER_OPS_TOKEN": "stand-in-ops-token-of-more-than-32-characters",
}
# What production refuses and the compose stack keeps on purpose: it runs on one
# machine, on loopback, with the dev inbox as its SMTP server.
DEVELOPMENT_ONLY = (
    re.compile(r"KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL"),
    re.compile(r"DATABASE_URL points at this machine"),
    re.compile(r"PUBLIC_BASE_URL must be https"),
    re.compile(r"SMTP_SECURITY to starttls or tls"),
)
by_service = pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development keys as `make up-docker` makes them (frontdesk_devstack.keys)."""
    root = tmp_path_factory.mktemp("docker")
    return ensure_dev_keys(dataclasses.replace(StackConfig.from_env(), root=root))


@pytest.fixture(scope="module")
def instances(keys: Path) -> list[Instance]:
    compose = composefile.load({**STAND_INS, "FRONTDESK_DOCKER_KEYS": str(keys)})
    return composefile.instances(compose)


def of(service: DeployedService, instances: list[Instance]) -> list[Instance]:
    found = [i for i in instances if i.service == service.name]
    assert [i.module for i in found] == [service.package] * 2, "two instances a service"
    return found


def on_this_machine(environment: dict[str, str], keys: Path) -> dict[str, str]:
    """The instance's variables with the mounted keys' path turned into the host folder."""
    return {k: v.replace(MOUNTED_KEYS, str(keys)) for k, v in environment.items()}


@by_service
def test_every_setting_without_a_default_is_given_to_each_instance(
    service: DeployedService, instances: list[Instance]
) -> None:
    for instance in of(service, instances):
        missing = set(service.without_default()) - set(instance.environment)
        assert not missing, f"{instance.container} cannot start without {sorted(missing)}"


@by_service
def test_every_variable_given_is_a_setting_the_service_reads(
    service: DeployedService, instances: list[Instance]
) -> None:
    # The settings ignore unknown variables: a misspelt one would be silently unused.
    for instance in of(service, instances):
        assert set(instance.environment) - set(service.variables()) == set()


@by_service
def test_each_instance_starts_with_what_it_is_given(
    service: DeployedService,
    instances: list[Instance],
    keys: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for instance in of(service, instances):
        settings = settings_from(service, on_this_machine(instance.environment, keys), monkeypatch)

        assert settings.environment == "dev"
        assert settings.ops_token is not None  # /metrics and /ops answer, not 503


@by_service
def test_production_would_refuse_only_what_a_development_stack_keeps_on_purpose(
    service: DeployedService,
    instances: list[Instance],
    keys: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for instance in of(service, instances):
        settings = settings_from(service, on_this_machine(instance.environment, keys), monkeypatch)

        problems = settings.unsafe_in_production()

        unexpected = [p for p in problems if not any(r.search(p) for r in DEVELOPMENT_ONLY)]
        assert not unexpected, f"{instance.container}: {unexpected}"


@by_service
def test_every_key_file_a_setting_names_is_in_the_mounted_keys(
    service: DeployedService, instances: list[Instance], keys: Path
) -> None:
    for instance in of(service, instances):
        files = {k: v for k, v in instance.environment.items() if k.endswith("_FILE")}
        assert files, f"{instance.container} is given no key file"
        for variable, value in files.items():
            assert value.startswith(f"{MOUNTED_KEYS}/"), f"{variable}={value} is not mounted"
            assert (keys / value.removeprefix(f"{MOUNTED_KEYS}/")).is_file(), variable


@by_service
def test_the_two_instances_differ_only_in_their_port(
    service: DeployedService, instances: list[Instance]
) -> None:
    first, second = (i.environment for i in of(service, instances))
    port = service.variable("http_port")

    assert {k for k in first if first[k] != second.get(k)} == {port}
    assert first[port] != second[port]


@by_service
def test_credentials_are_never_written_in_the_file(service: DeployedService) -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())  # before any substitution
    blocks = [v for k, v in raw.items() if k.startswith("x-") and isinstance(v, dict)]
    given = {k: str(v) for block in blocks for k, v in block.items() if k.startswith("FRONTDESK_")}

    for variable in service.secret_variables():
        if variable in given:
            assert "${FRONTDESK_DOCKER_" in given[variable], f"{variable} is written in the file"
