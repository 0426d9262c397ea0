"""The images of `deploy/images/`, built here on the local Debian base.

Each image has a folder (its Dockerfile and scripts). Its build context is prepared
under `.local/docker/build/<image>/`: the folder, plus what is generated on this machine
(the Python images' wheels, pins and requirements; Kafka's jars from Maven Central).
`BASE` is the local base image here; each Dockerfile defaults to an official image.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import kafka
from ..config import REPO_ROOT, StackConfig
from . import wheels
from .base import BASE_IMAGE
from .home import docker_home, run

IMAGES_DIR = REPO_ROOT / "deploy" / "images"
HEALTHZ = IMAGES_DIR / "healthz.py"
KAFKA_VERSION = re.search(r"<kafka.version>([^<]+)</kafka.version>", kafka.POM.read_text()).group(1)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Image:
    """One image: its folder under deploy/images/, its tag, what its context needs."""

    folder: str
    tag: str
    installs: tuple[str, ...] = ()  # distributions pip installs (the Python images)
    healthz: bool = False  # whether the image's HEALTHCHECK script is copied in
    kafka_jars: bool = False

    @property
    def python(self) -> bool:
        return bool(self.installs)


SERVICE = Image(
    "service",
    "frontdesk/service:local",
    ("frontdesk-identity", "frontdesk-notifications", "frontdesk-client-registry"),
    healthz=True,
)
CLI = Image("cli", "frontdesk/cli:local", ("frontdesk-cli",))
DEVMAIL = Image("devmail", "frontdesk/devmail:local", ("frontdesk-devmail",), healthz=True)
KAFKA = Image("kafka", f"frontdesk/kafka:{KAFKA_VERSION}", kafka_jars=True)
POSTGRES = Image("postgres", "frontdesk/postgres:local")
HAPROXY = Image("haproxy", "frontdesk/haproxy:local")
ALL = (SERVICE, CLI, DEVMAIL, KAFKA, POSTGRES, HAPROXY)


def build_wheels() -> list[Path]:
    """The wheels of every Python image, made once for all of them."""
    return wheels.build(docker_home() / "wheels")


def build_one(image: Image, built_wheels: list[Path]) -> None:
    """Prepare the image's context and build it on the local base."""
    build(image, prepare_context(image, built_wheels))


def prune() -> None:
    """Remove the dangling images that the rebuilt ones replaced."""
    run(["docker", "image", "prune", "--force"], quiet=True)


def prepare_context(image: Image, built_wheels: list[Path]) -> Path:
    """`.local/docker/build/<folder>/`: the image's folder and what it needs generated."""
    context = docker_home() / "build" / image.folder
    shutil.rmtree(context, ignore_errors=True)
    shutil.copytree(IMAGES_DIR / image.folder, context)
    if image.healthz:
        shutil.copy2(HEALTHZ, context / HEALTHZ.name)
    if image.python:
        _python_context(image, context, built_wheels)
    if image.kafka_jars:
        libs = kafka.fetch_jars(StackConfig.from_env())
        shutil.copytree(libs, context / "libs", copy_function=os.link, ignore=_no_stamp)
    return context


def _python_context(image: Image, context: Path, built_wheels: list[Path]) -> None:
    folder = context / "wheels"
    folder.mkdir()
    for wheel in built_wheels:
        os.link(wheel, folder / wheel.name)
    pins = [f"{name}=={wheels.version_of(built_wheels, name)}" for name in image.installs]
    (context / "requirements.txt").write_text("\n".join(pins) + "\n")
    shutil.copy2(wheels.CONSTRAINTS, context / "constraints.txt")


def _no_stamp(_folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name.startswith(".")]


def build(image: Image, context: Path) -> None:
    """`docker build` of one prepared context; apt inside reaches Debian by host network."""
    run(
        [
            "docker",
            "build",
            "--network",
            "host",
            "--build-arg",
            f"BASE={BASE_IMAGE}",
            "--tag",
            image.tag,
            str(context),
        ],
        quiet=True,
    )
