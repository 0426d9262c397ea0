"""The wheels the Python images install, built on this machine with `pip wheel`.

Inside `docker build` pip cannot reach PyPI here (this machine's TLS chain is not in an
image's CA bundle), so every wheel is made on the host, pinned by `constraints.txt`,
and the images install them with `pip install --no-index --find-links`. The wheels
match the Python that builds them: the host's 3.11 is Debian bookworm's, the local
base image's Python (`FRONTDESK_WHEEL_PYTHON` names another interpreter for another base).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..config import REPO_ROOT
from ..procs import StackError

# The checkout's packages the images hold; pip resolves their third-party dependencies.
PACKAGES = (
    "contracts",
    "libs/kit",
    "services/identity",
    "services/notifications",
    "services/client-registry",
    "tools/cli",
    "tools/devmail",
)
CONSTRAINTS = REPO_ROOT / "constraints.txt"


def build(wheel_dir: Path) -> list[Path]:
    """Fill `wheel_dir` with the wheels of PACKAGES and everything they need; list them."""
    shutil.rmtree(wheel_dir, ignore_errors=True)
    wheel_dir.mkdir(parents=True)
    python = os.environ.get("FRONTDESK_WHEEL_PYTHON", sys.executable)
    print(f"wheels     pip wheel -c constraints.txt ({len(PACKAGES)} packages and their needs)")
    done = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--disable-pip-version-check",
            "-c",
            str(CONSTRAINTS),
            "--wheel-dir",
            str(wheel_dir),
            *(str(REPO_ROOT / p) for p in PACKAGES),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise StackError(f"pip wheel failed:\n{done.stderr[-3000:]}")
    return sorted(wheel_dir.glob("*.whl"))


def version_of(wheels: list[Path], distribution: str) -> str:
    """The version of `distribution` among `wheels` (names as in the wheel file names)."""
    wanted = distribution.replace("-", "_").lower()
    for wheel in wheels:
        name, version = wheel.name.split("-")[:2]
        if name.lower() == wanted:
            return version
    raise StackError(f"no wheel of {distribution} was built")
