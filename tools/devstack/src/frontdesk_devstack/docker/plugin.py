"""The `docker compose` v2 plugin, built from the Go module proxy once and cached.

No release binary can be downloaded here, but the Go module proxy is reachable: `go
install` builds the pinned compose (four to six minutes on two cores, so it runs in the
background while the rest is made). The binary is kept under
`.local/docker/compose/<version>/`, so later runs only copy it into the CLI's plugin
folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..procs import StackError
from .home import docker_home

COMPOSE_VERSION = "v2.32.4"
COMPOSE_MODULE = f"github.com/docker/compose/v2/cmd@{COMPOSE_VERSION}"
# What the release build stamps in, so `docker compose version` names the version.
VERSION_FLAG = f"-ldflags=-X=github.com/docker/compose/v2/internal.Version={COMPOSE_VERSION}"


def plugin_path() -> Path:
    """Where the docker CLI looks for plugins: system-wide as root, else the user's."""
    if os.geteuid() == 0:
        return Path("/usr/local/lib/docker/cli-plugins/docker-compose")
    return Path.home() / ".docker" / "cli-plugins" / "docker-compose"


def installed_version() -> str | None:
    """The compose plugin's version as the docker CLI reports it, or None without one."""
    if shutil.which("docker") is None:
        return None
    done = subprocess.run(
        ["docker", "compose", "version", "--short"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else None


def _cache() -> Path:
    return docker_home() / "compose" / COMPOSE_VERSION


def _binary() -> Path:
    return _cache() / "cmd"  # `go install .../cmd` names the binary after its package


def start_build() -> subprocess.Popen[bytes] | None:
    """Start `go install` in the background unless the plugin is installed or cached:
    the longest step of a fresh machine, so the engine, base image and images are made
    meanwhile. Its output goes to `.local/docker/compose/<version>/build.log`."""
    if installed_version() == COMPOSE_VERSION.lstrip("v") or _binary().exists():
        return None
    go = shutil.which("go")
    if go is None:
        raise StackError("building docker compose needs Go 1.22+ (https://go.dev/dl/)")
    print(f"compose    building {COMPOSE_VERSION} with go install (first run only) ...")
    _cache().mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(_cache()), "GOFLAGS": f"-trimpath {VERSION_FLAG}"}
    with (_cache() / "build.log").open("wb") as log:
        return subprocess.Popen(
            [go, "install", COMPOSE_MODULE], env=env, stdout=log, stderr=subprocess.STDOUT
        )


def cached_binary(build: subprocess.Popen[bytes] | None = None) -> Path:
    """The compose binary for COMPOSE_VERSION: once `build` ends, or built now."""
    build = build or (None if _binary().exists() else start_build())
    if build is not None and build.wait() != 0:
        raise StackError(f"go install {COMPOSE_MODULE} failed; see {_cache() / 'build.log'}")
    if not _binary().exists():
        raise StackError(f"go install {COMPOSE_MODULE} made no binary")
    return _binary()


def ensure(build: subprocess.Popen[bytes] | None = None) -> None:
    """Make `docker compose` the pinned version (waiting for `build`, or building)."""
    if installed_version() == COMPOSE_VERSION.lstrip("v"):
        print(f"compose    {COMPOSE_VERSION} installed")
        return
    target = plugin_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(cached_binary(build), target)
    target.chmod(0o755)
    print(f"compose    {COMPOSE_VERSION} installed in {target.parent}")
