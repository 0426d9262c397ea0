"""`deploy/compose.yaml` read without Docker: its services, their environment, its ports.

Compose substitutes `${NAME}`, `${NAME:-default}` and `${NAME:?message}` from the
environment it runs in; `load` does the same with the variables given, so the tests
and devstack see what compose would run (`docker compose config` needs an engine).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..config import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "deploy" / "compose.yaml"
HAPROXY_CONFIG = REPO_ROOT / "deploy" / "compose" / "haproxy.cfg"
_VARIABLE = re.compile(r"\$\$|\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}")


class ComposeFileError(ValueError):
    """compose.yaml names a variable that is not given, or is not shaped as expected."""


def substitute(text: str, variables: Mapping[str, str]) -> str:
    """Compose's variable substitution of `text` (`$$` is a literal `$`)."""

    def value(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, kind, rest = match.group(1), match.group(2), match.group(3) or ""
        if variables.get(name):
            return variables[name]
        if kind == ":-":
            return rest
        raise ComposeFileError(f"compose.yaml needs {name}" + (f": {rest}" if rest else ""))

    return _VARIABLE.sub(value, text)


def load(variables: Mapping[str, str], path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The compose file as compose would read it with `variables` (anchors merged)."""
    loaded: dict[str, Any] = yaml.safe_load(substitute(path.read_text(), variables))
    return loaded


@dataclass(frozen=True)
class Instance:
    """One container of a Frontdesk service in compose.yaml."""

    container: str  # the compose service's name, e.g. identity-1
    service: str  # identity, client-registry or notifications
    module: str  # what it runs: python -m <module>
    environment: dict[str, str]


def instances(compose: Mapping[str, Any]) -> list[Instance]:
    """Every service instance of `compose`: the containers run from the service image."""
    found = []
    for name, spec in compose["services"].items():
        command = spec.get("command") or []
        if not (command and str(command[0]).startswith("frontdesk_") and name[-2] == "-"):
            continue
        environment = {str(k): str(v) for k, v in (spec.get("environment") or {}).items()}
        found.append(Instance(name, name[:-2], str(command[0]), environment))
    return found


def haproxy_backends(text: str) -> dict[str, dict[str, str]]:
    """haproxy.cfg's backends: {backend: {server name: host:port}}."""
    backends: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] in {"backend", "frontend", "defaults", "global"}:
            current = backends.setdefault(words[1], {}) if words[0] == "backend" else None
        elif words[0] == "server" and current is not None:
            current[words[1]] = words[2]
    return backends


def haproxy_frontends(text: str) -> dict[str, str]:
    """haproxy.cfg's frontends: {frontend: the address it binds}."""
    frontends: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] in {"backend", "frontend", "defaults", "global"}:
            current = words[1] if words[0] == "frontend" else None
        elif words[0] == "bind" and current is not None:
            frontends[current] = words[1]
    return frontends
