"""Every setting a service reads is given by the manifests, by the rule of
`service_settings` (deploy/README.md, "Settings"): provided when it has no default or
when production refuses its default; secrets only ever by Secret reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from .k8s import (
    OVERLAYS,
    REPOSITORY,
    Manifest,
    config_map_data,
    container,
    mounted_files,
    pod_environment,
    provided,
)
from .service_settings import SERVICES, DeployedService, refused, settings_from

GUIDE = REPOSITORY / "deploy" / "README.md"
PRODUCTION_SECTION = "## Production settings"

by_overlay = pytest.mark.parametrize("overlay", sorted(OVERLAYS))
by_service = pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])


@by_overlay
@by_service
def test_every_setting_without_a_default_is_provided(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    missing = set(service.without_default()) - set(provided(rendered[overlay], service))

    assert not missing, f"{overlay}: {service.name} cannot start without {sorted(missing)}"


@by_overlay
@by_service
def test_every_variable_given_is_a_setting_the_service_reads(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    # The settings ignore unknown variables: a misspelt one would be silently unused.
    ours = {name for name in provided(rendered[overlay], service) if name.startswith("FRONTDESK_")}

    assert ours - set(service.variables()) == set()


@by_overlay
@by_service
def test_the_service_accepts_the_settings_it_is_given(
    rendered: dict[str, list[Manifest]],
    overlay: str,
    service: DeployedService,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environment = pod_environment(rendered[overlay], service, tmp_path)

    settings = settings_from(service, environment, monkeypatch)

    assert settings.environment == ("prod" if overlay == "production" else "dev")
    if overlay == "production":  # the base is the dev shape; the overlay makes it fit
        assert settings.unsafe_in_production() == []
    settings.kafka_client_options()  # the TLS context loads the mounted CA, when set


@by_overlay
@by_service
def test_credentials_come_only_from_secret_references(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    objects = rendered[overlay]
    given = provided(objects, service)
    in_config_maps = config_map_data(objects, service)

    for variable in service.secret_variables():
        if variable in given:
            assert variable not in in_config_maps, f"{variable} is in a ConfigMap"
            assert "secretKeyRef" in given[variable], f"{variable} is not a Secret reference"
    literal = [e["name"] for e in container(objects, service).get("env", []) if "value" in e]
    assert set(literal) & set(service.secret_variables()) == set()


@by_overlay
@by_service
def test_every_file_a_setting_names_is_mounted(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    objects = rendered[overlay]
    files = mounted_files(objects, service)

    for variable, value in provided(objects, service).items():
        if variable.endswith("_FILE") or variable.endswith("_CAFILE"):
            assert value in files, f"{variable}={value} is not a mounted file"


def required_in_production(
    service: DeployedService, environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """The variables of `environment` without which the service refuses to start."""
    return sorted(
        name
        for name in environment
        if refused(service, {k: v for k, v in environment.items() if k != name}, monkeypatch)
    )


@by_service
def test_the_guide_names_every_setting_production_refuses_to_start_without(
    rendered: dict[str, list[Manifest]],
    service: DeployedService,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environment = pod_environment(rendered["production"], service, tmp_path)
    guide = GUIDE.read_text(encoding="utf-8")
    assert PRODUCTION_SECTION in guide
    section = guide.split(PRODUCTION_SECTION, 1)[1].split("\n## ", 1)[0]

    required = required_in_production(service, environment, monkeypatch)

    assert set(service.without_default()) <= set(required)
    unnamed = [name for name in required if f"`{name}`" not in section]
    assert not unnamed, f"deploy/README.md, {PRODUCTION_SECTION}: name {unnamed}"
