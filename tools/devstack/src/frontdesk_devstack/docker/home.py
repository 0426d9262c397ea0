"""Where the container stack keeps its state: `.local/docker/` of the stack folder."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from ..config import StackConfig
from ..procs import StackError


def docker_home() -> Path:
    """`.local/docker/` (under `FRONTDESK_STACK_DIR` when that is set), created if missing."""
    return StackConfig.from_env().dir("docker")


def run(argv: Sequence[str], *, quiet: bool = False, stdin: IO[bytes] | None = None) -> str:
    """Run a command to completion; its stdout, or StackError with its last output lines."""
    done = subprocess.run(list(argv), stdin=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        output = (done.stdout + b"\n" + done.stderr).decode(errors="replace")
        tail = output.strip().splitlines()[-25:]
        command = " ".join(argv[:3])
        raise StackError(f"{command} ... failed ({done.returncode}):\n" + "\n".join(tail))
    out = done.stdout.decode(errors="replace")
    if not quiet and out.strip():
        print(out.rstrip())
    return out


def apt_install(*packages: str) -> None:
    """Install Debian packages the machine lacks (as root with apt-get), else name them."""
    import os

    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise StackError(f"please install: {' '.join(packages)}")
    print(f"installing {' '.join(packages)} from Debian ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ):
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        if done.returncode != 0:
            raise StackError(f"{' '.join(argv)} failed:\n{done.stderr.decode()[-2000:]}")
