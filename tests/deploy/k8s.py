"""Rendering the kustomizations and reading the rendered objects.

The manifests are rendered exactly as an operator would (`kubectl kustomize`) and parsed
into plain objects. Nothing talks to a cluster. A machine without `kubectl`, or with one
whose kustomize predates v5 (Debian bookworm's own `kubernetes-client` package is kubectl
1.20 with kustomize v2, which reads none of today's kustomization fields), fails, naming
what to install.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from .service_settings import DeployedService, file_stand_in, secret_stand_in

REPOSITORY = Path(__file__).resolve().parents[2]
K8S = REPOSITORY / "deploy" / "k8s"
OVERLAYS = {"base": K8S / "base", "production": K8S / "overlays" / "production"}
"""Every kustomization an operator may apply, by name."""

Manifest = dict[str, Any]
KUSTOMIZE_MAJOR = 5
INSTALL_HINT = (
    "install the `kubectl` package (kubectl 1.27 or later, kustomize v5), e.g. "
    "apt-get install kubectl from the Kubernetes apt repository; Debian's own "
    "`kubernetes-client` (kubectl 1.20) is too old"
)


def kubectl() -> str:
    """The kubectl binary; fails (never skips) when the machine has none fit to render."""
    found = shutil.which("kubectl")
    if found is None:
        pytest.fail(f"kubectl is not installed (the manifests render with it): {INSTALL_HINT}")
    done = subprocess.run(
        [found, "version", "--client", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    kustomize = json.loads(done.stdout or "{}").get("kustomizeVersion", "none")
    major = re.match(r"v(\d+)\.", kustomize)
    if major is None or int(major[1]) < KUSTOMIZE_MAJOR:
        pytest.fail(f"{found} embeds kustomize {kustomize}, older than v5: {INSTALL_HINT}")
    return found


def render(kustomization: Path) -> list[Manifest]:
    """The objects `kubectl kustomize` renders from `kustomization`."""
    done = subprocess.run(
        [kubectl(), "kustomize", str(kustomization)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"kubectl kustomize {kustomization} failed:\n{done.stderr}")
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(objects: list[Manifest], kind: str) -> Iterator[Manifest]:
    """The objects of `kind`."""
    return (o for o in objects if o["kind"] == kind)


def the(objects: list[Manifest], kind: str, name: str) -> Manifest:
    """The one object of `kind` named `name`."""
    found = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_spec(objects: list[Manifest], service: DeployedService) -> Manifest:
    """The pod template's spec of the service's Deployment."""
    spec: Manifest = the(objects, "Deployment", service.name)["spec"]["template"]["spec"]
    return spec


def container(objects: list[Manifest], service: DeployedService) -> Manifest:
    """The one container of the service's pods."""
    containers = pod_spec(objects, service)["containers"]
    assert len(containers) == 1, f"{service.name}: expected one container"
    found: Manifest = containers[0]
    return found


def config_map_data(objects: list[Manifest], service: DeployedService) -> dict[str, str]:
    """The variables the container takes from ConfigMaps (`envFrom`)."""
    data: dict[str, str] = {}
    for source in container(objects, service).get("envFrom", []):
        assert "configMapRef" in source, f"{service.name}: envFrom other than a ConfigMap"
        data |= the(objects, "ConfigMap", source["configMapRef"]["name"]).get("data", {})
    return data


def provided(objects: list[Manifest], service: DeployedService) -> dict[str, Any]:
    """Every variable the container gets: ConfigMap values (str), then its `env` entries
    (a literal value, or the `valueFrom` reference as a dict), which win over envFrom."""
    variables: dict[str, Any] = dict(config_map_data(objects, service))
    for entry in container(objects, service).get("env", []):
        variables[entry["name"]] = entry.get("value", entry.get("valueFrom"))
    return variables


def mounted_files(objects: list[Manifest], service: DeployedService) -> dict[str, str]:
    """Every file the container gets from a Secret volume: its path → its Secret key."""
    volumes = {volume["name"]: volume for volume in pod_spec(objects, service)["volumes"]}
    files = {}
    for mount in container(objects, service).get("volumeMounts", []):
        secret = volumes[mount["name"]].get("secret")
        if secret is None:
            continue
        assert "items" in secret, f"{service.name}: mount only the keys it needs (items)"
        for item in secret["items"]:
            files[str(PurePosixPath(mount["mountPath"]) / item["path"])] = item["key"]
    return files


def pod_environment(
    objects: list[Manifest], service: DeployedService, root: Path
) -> dict[str, str]:
    """The variables a pod of `service` would see, with stand-ins for what the cluster's
    Secrets hold: Secret values become stand-in values, and every mounted key file is
    written, with stand-in content, under `root` (variables naming one point there)."""
    files = mounted_files(objects, service)
    for path, key in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file_stand_in(key))
    environment = {}
    for name, value in provided(objects, service).items():
        if isinstance(value, dict):
            assert set(value) == {"secretKeyRef"}, f"{name}: only Secret references expected"
            environment[name] = secret_stand_in(value["secretKeyRef"]["key"])
        elif value in files:
            environment[name] = str(root / value.lstrip("/"))
        else:
            environment[name] = value
    return environment
