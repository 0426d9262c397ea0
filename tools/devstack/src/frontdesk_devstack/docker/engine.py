"""The Docker engine: Debian's `docker.io`, its `dockerd` started in the background.

There is no systemd on the machines this runs on, so `dockerd` is started as a plain
background process (its pid and log under `.local/docker/`), the way devstack starts
Kafka. An engine that already answers is used as it is, whoever started it.
"""

from __future__ import annotations

import shutil
import subprocess

from ..procs import read_pid, spawn, stop, wait_until
from .home import apt_install, docker_home

ENGINE_READY_SECONDS = 60


def answers() -> bool:
    """Whether a Docker engine answers the `docker` CLI now."""
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        check=False,
        timeout=30,
    )
    return done.returncode == 0


def ensure() -> None:
    """Install the engine where `dockerd` is missing, start it unless one answers, wait."""
    if answers():
        print("docker     engine answers")
        return
    if shutil.which("dockerd") is None:
        apt_install("docker.io")
    home = docker_home()
    pid_file, log_file = home / "dockerd.pid", home / "dockerd.log"
    if read_pid(pid_file) is None:
        spawn(["dockerd", "--host", "unix:///var/run/docker.sock"], pid_file, log_file)
    wait_until(answers, "the Docker engine", ENGINE_READY_SECONDS, log_file)
    print("docker     engine started (log: .local/docker/dockerd.log)")


def stop_engine() -> None:
    """Stop the `dockerd` this module started (not one that something else runs)."""
    if stop(docker_home() / "dockerd.pid", "dockerd", timeout=30):
        print("docker     engine stopped")
