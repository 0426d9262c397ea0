"""`python -m frontdesk_devstack.docker engine|plugin|base|images|up|down|test`.

- `engine`: install Debian's docker.io if `dockerd` is missing, start it, wait.
- `plugin`: the docker compose v2 plugin (built once with `go install`, cached).
- `base`: the local Debian base image (debootstrap, `docker import`).
- `images`: the wheels, then every image of deploy/images/ on that base.
- `up`: all of the above, then `docker compose up --wait` (`make up-docker`).
- `down`: `docker compose down` (`make down-docker`); `down --volumes` drops the data.
- `test`: `make test-docker` (see `testrun`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

from ..procs import StackError
from . import base, compose, engine, images, plugin, testrun
from .steps import Steps


def prepare(steps: Steps) -> None:
    """Engine, base image and images, each timed, while the compose plugin is built (the
    longest step of a fresh machine) in the background."""
    building = steps.run("compose plugin build (background)", plugin.start_build)
    steps.run("engine", engine.ensure)
    steps.run("base image", base.ensure)
    build_images(steps)
    steps.run("compose plugin", functools.partial(plugin.ensure, building))


def build_images(steps: Steps) -> None:
    """The wheels, then each image, each a step of its own."""
    built = steps.run("wheels (pip wheel)", images.build_wheels)
    for image in images.ALL:
        steps.run(f"image {image.tag}", functools.partial(images.build_one, image, built))
    images.prune()


def images_only() -> None:
    steps = Steps()
    build_images(steps)
    steps.report()


def up() -> None:
    steps = Steps()
    prepare(steps)
    steps.run("compose up", compose.up)
    steps.report()


COMMANDS: dict[str, Callable[[], object]] = {
    "engine": engine.ensure,
    "plugin": plugin.ensure,
    "base": base.ensure,
    "images": images_only,
    "up": up,
    "down": compose.down,
    "test": testrun.main,
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command: Callable[[], object]
    if args == ["down", "--volumes"]:
        command = functools.partial(compose.down, volumes=True)
    elif len(args) == 1 and args[0] in COMMANDS:
        command = COMMANDS[args[0]]
    else:
        print(f"usage: python -m frontdesk_devstack.docker {'|'.join(COMMANDS)}", file=sys.stderr)
        return 2
    try:
        outcome = command()
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return outcome if isinstance(outcome, int) else 0


if __name__ == "__main__":
    sys.exit(main())
