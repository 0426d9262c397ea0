"""The Kubernetes manifests (deploy/k8s): valid objects, the catalogue's topics, and
Deployments that run the services the way their code expects to be run."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest

from frontdesk_contracts import all_topics, topics_read_by
from frontdesk_contracts.generate import MIN_INSYNC_REPLICAS, TOPIC_REPLICAS

from .k8s import OVERLAYS, Manifest, container, of_kind, pod_spec, provided, the
from .service_settings import SERVICES, DeployedService

KUBERNETES_VERSION = "1.32"
"""The API version the objects are validated against: that of Debian's kubectl."""
KAFKA_TOPIC_SCHEMA = json.loads(
    (Path(__file__).parent / "kafkatopic.schema.json").read_text(encoding="utf-8")
)
SERVICE_IMAGE = "frontdesk/service"
OVERLAY_NAMES = sorted(OVERLAYS)

by_overlay = pytest.mark.parametrize("overlay", OVERLAY_NAMES)
by_service = pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])


@by_overlay
def test_each_service_has_its_objects_and_no_secret_is_in_the_repository(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    objects = rendered[overlay]

    for service in SERVICES:
        for kind in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
            the(objects, kind, service.name)
    assert list(of_kind(objects, "Secret")) == [], "Secrets live in the cluster, not here"


@by_overlay
def test_every_object_validates_against_the_kubernetes_schemas(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    for manifest in rendered[overlay]:
        if manifest["kind"] == "KafkaTopic":
            continue  # a Strimzi resource: test_the_topics_validate_as_strimzi_kafka_topics
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_the_schemas_refuse_a_misspelt_field(rendered: dict[str, list[Manifest]]) -> None:
    deployment = copy.deepcopy(the(rendered["base"], "Deployment", "identity"))
    probe = deployment["spec"]["template"]["spec"]["containers"][0].pop("readinessProbe")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = probe

    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@by_overlay
def test_the_topics_validate_as_strimzi_kafka_topics(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    topics = list(of_kind(rendered[overlay], "KafkaTopic"))

    assert topics
    for topic in topics:
        jsonschema.validate(topic, KAFKA_TOPIC_SCHEMA)
    broken = copy.deepcopy(topics[0])
    broken["spec"]["partition"] = broken["spec"].pop("partitions")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, KAFKA_TOPIC_SCHEMA)


@by_overlay
def test_the_topics_are_the_catalogue_replicated_three_times(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    deployed = {
        topic["spec"]["topicName"]: topic["spec"]
        for topic in of_kind(rendered[overlay], "KafkaTopic")
    }

    expected = {spec.name: spec for spec in all_topics()}
    assert sorted(deployed) == sorted(expected)
    for name, spec in expected.items():
        topic = deployed[name]
        assert topic["partitions"] == spec.partitions, name
        assert topic["replicas"] == TOPIC_REPLICAS == 3, name
        assert topic["config"]["retention.ms"] == spec.config["retention.ms"], name
        assert topic["config"]["cleanup.policy"] == spec.config["cleanup.policy"], name
        assert topic["config"]["min.insync.replicas"] == str(MIN_INSYNC_REPLICAS) == "2", name


@by_overlay
@by_service
def test_instances_are_capped_at_the_partitions_of_the_topics_the_service_consumes(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    objects = rendered[overlay]
    autoscaler = the(objects, "HorizontalPodAutoscaler", service.name)["spec"]
    partitions = {
        topic["spec"]["topicName"]: topic["spec"]["partitions"]
        for topic in of_kind(objects, "KafkaTopic")
    }

    assert autoscaler["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service.name,
    }
    assert 2 <= autoscaler["minReplicas"] <= autoscaler["maxReplicas"]
    # Beyond the partition count an instance would hold no partition of some topic.
    assert autoscaler["maxReplicas"] <= service.partition_cap()
    consumed = {topic.name for topic in topics_read_by(service.group)}
    assert service.partition_cap() == min(partitions[name] for name in consumed)


@by_overlay
@by_service
def test_the_deployment_starts_the_service_the_way_its_package_does(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    main = container(rendered[overlay], service)

    assert main["command"] == ["python", "-m", service.package]
    assert importlib.util.find_spec(f"{service.package}.__main__") is not None
    assert "args" not in main
    assert main["image"].split(":")[0] == SERVICE_IMAGE
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", main["image"].split(":")[1])


@by_overlay
@by_service
def test_probes_ask_the_port_the_service_listens_on(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    main = container(rendered[overlay], service)
    variables = provided(rendered[overlay], service)
    [port] = main["ports"]

    assert port["name"] == "http"
    assert port["containerPort"] == int(variables[service.variable("http_port")])
    assert variables[service.variable("http_host")] == "0.0.0.0"  # noqa: S104 - in a pod
    assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # Migrations run before the port opens: the startup probe covers them, then liveness.
    startup = main["startupProbe"]
    assert startup["httpGet"] == {"path": "/healthz", "port": "http"}
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300


@by_overlay
@by_service
def test_pods_run_unprivileged_on_a_read_only_root(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    pod = pod_spec(rendered[overlay], service)
    own = container(rendered[overlay], service)["securityContext"]

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["automountServiceAccountToken"] is False
    assert own["readOnlyRootFilesystem"] is True
    assert own["allowPrivilegeEscalation"] is False
    assert own["capabilities"]["drop"] == ["ALL"]


_UNITS = {"m": 1e-3, "": 1.0, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(text: str | int) -> float:
    """A Kubernetes quantity (``500m``, ``2``, ``384Mi``) as a number."""
    match = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(text))
    assert match is not None, f"not a quantity: {text!r}"
    return float(match[1]) * _UNITS[match[2]]


@by_overlay
@by_service
def test_every_container_requests_and_is_limited(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    resources = container(rendered[overlay], service)["resources"]

    for resource in ("cpu", "memory"):
        request = quantity(resources["requests"][resource])
        assert 0 < request <= quantity(resources["limits"][resource]), resource


@by_service
def test_production_runs_more_and_bigger_instances(
    rendered: dict[str, list[Manifest]], service: DeployedService
) -> None:
    base, production = rendered["base"], rendered["production"]

    for resource in ("cpu", "memory"):
        before = container(base, service)["resources"]["requests"][resource]
        after = container(production, service)["resources"]["requests"][resource]
        assert quantity(after) > quantity(before), resource
    minimum = the(production, "HorizontalPodAutoscaler", service.name)["spec"]["minReplicas"]
    assert minimum > the(base, "HorizontalPodAutoscaler", service.name)["spec"]["minReplicas"]


@by_overlay
@by_service
def test_services_and_budgets_select_the_service_s_pods(
    rendered: dict[str, list[Manifest]], overlay: str, service: DeployedService
) -> None:
    objects = rendered[overlay]
    deployment = the(objects, "Deployment", service.name)["spec"]
    labels = deployment["template"]["metadata"]["labels"]
    selector = deployment["selector"]["matchLabels"]

    assert selector.items() <= labels.items()
    assert the(objects, "Service", service.name)["spec"]["selector"] == selector
    budget = the(objects, "PodDisruptionBudget", service.name)["spec"]
    assert budget["selector"]["matchLabels"] == selector
    assert budget["maxUnavailable"] == 1
    [port] = the(objects, "Service", service.name)["spec"]["ports"]
    assert port["targetPort"] == "http"


def _setting(objects: list[Manifest], name: str, field: str) -> str:
    service = next(s for s in SERVICES if s.name == name)
    value = provided(objects, service)[service.variable(field)]
    assert isinstance(value, str)
    return value


@by_overlay
def test_emails_link_to_identity_and_the_registry_reads_identity_s_keys(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    objects = rendered[overlay]
    identity_url = _setting(objects, "identity", "public_base_url")
    jwks = _setting(objects, "client-registry", "identity_jwks_url")

    assert _setting(objects, "notifications", "public_base_url") == identity_url
    assert urlsplit(jwks).path == "/.well-known/jwks.json"
    if overlay == "production":
        assert jwks == identity_url + "/.well-known/jwks.json"
    else:  # inside the cluster, through identity's Service
        [port] = the(objects, "Service", "identity")["spec"]["ports"]
        expected = "identity" if port["port"] == 80 else f"identity:{port['port']}"
        assert urlsplit(jwks).netloc == expected
