"""Which servers the integration tier runs against: `FRONTDESK_TEST_BACKEND`.

- `local`: the local stack's processes (`python -m frontdesk_devstack infra-up`, started
  if they are not up) and its `.local/stack.json`; what `make test-integration` runs.
- `containers`: Kafka, PostgreSQL and the dev inbox started for the session in containers
  through testcontainers (`testcontainers_stack`), from the images `make up-docker`
  builds; an error, saying what to do, where no Docker engine answers or an image is
  missing.
- `auto`, the default: `containers` where an engine answers and the images are built,
  else `local`, so the same tests run on a machine with Docker or without.

Either way the tests get the same endpoints (stack.json's names) and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from .config import StackConfig
from .procs import StackError

VARIABLE = "FRONTDESK_TEST_BACKEND"
LOCAL, CONTAINERS, AUTO = "local", "containers", "auto"
CHOICES = (LOCAL, CONTAINERS, AUTO)
NO_ENGINE = (
    f"{VARIABLE}=containers, but no Docker engine answers `docker info`: start one with "
    "`make up-docker` (or only the engine: `.venv/bin/python -m frontdesk_devstack.docker "
    f"engine`), or run on the local stack with {VARIABLE}=local"
)


def requested(environ: Mapping[str, str]) -> str:
    """The back end asked for: `auto` when the variable is unset or empty."""
    raw = environ.get(VARIABLE, "").strip().lower() or AUTO
    if raw not in CHOICES:
        raise StackError(f"{VARIABLE} must be one of {', '.join(CHOICES)}; got {raw!r}")
    return raw


def choose(
    request: str, engine_answers: Callable[[], bool], missing_images: Callable[[], list[str]]
) -> str:
    """`local` or `containers` for `request`; StackError when containers were asked for
    and cannot run. The probes are only called when the answer depends on them."""
    if request == LOCAL:
        return LOCAL
    if not engine_answers():
        if request == AUTO:
            return LOCAL
        raise StackError(NO_ENGINE)
    missing = missing_images()
    if not missing:
        return CONTAINERS
    if request == AUTO:
        return LOCAL
    raise StackError(f"{VARIABLE}=containers, but {missing_images_message(missing)}")


def missing_images_message(missing: list[str]) -> str:
    return (
        f"the images {', '.join(missing)} are not built: build them with `make up-docker` "
        "(or only the images: `.venv/bin/python -m frontdesk_devstack.docker images`); "
        "nothing is pulled, as no image registry is reachable"
    )


def chosen(environ: Mapping[str, str] = os.environ) -> str:
    """The back end this machine runs now, probing the engine (`docker info`) and its
    images only as far as the request needs."""
    from .docker import engine
    from .testcontainers_stack import missing_images

    return choose(requested(environ), engine.answers, missing_images)


@contextlib.contextmanager
def integration_endpoints(session_dir: Callable[[], Path]) -> Iterator[dict[str, str]]:
    """The chosen back end's endpoints for one test session; containers are removed
    when it ends. `session_dir` makes the containers' folder (keys, password)."""
    if chosen() == LOCAL:
        yield local_endpoints()
        return
    from .testcontainers_stack import started

    with started(session_dir()) as found:
        yield found


def local_endpoints() -> dict[str, str]:
    """The local stack's stack.json, after starting what of it is not running."""
    subprocess.run([sys.executable, "-m", "frontdesk_devstack", "infra-up"], check=True)
    found: dict[str, str] = json.loads((StackConfig.from_env().root / "stack.json").read_text())
    return found
