"""Where the local stack lives and which ports it uses.

Every port can be moved with an environment variable, so two checkouts (or a
developer's stack and CI) can run side by side. All state lives under one
ignored folder, `.local/` at the repository root (`FRONTDESK_STACK_DIR`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[4]


def port_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a TCP port number, got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise SystemExit(f"{name} must be between 1 and 65535, got {port}")
    return port


@dataclass(frozen=True)
class StackConfig:
    """Ports and folders of the local stack, read from the environment."""

    root: Path
    kafka_port: int
    kafka_controller_port: int
    postgres_port: int
    smtp_port: int
    inbox_port: int

    @classmethod
    def from_env(cls) -> StackConfig:
        root = Path(os.environ.get("FRONTDESK_STACK_DIR", REPO_ROOT / ".local")).resolve()
        return cls(
            root=root,
            kafka_port=port_from_env("FRONTDESK_KAFKA_PORT", 19092),
            kafka_controller_port=port_from_env("FRONTDESK_KAFKA_CONTROLLER_PORT", 19093),
            postgres_port=port_from_env("FRONTDESK_PG_PORT", 15432),
            smtp_port=port_from_env("FRONTDESK_SMTP_PORT", 11025),
            inbox_port=port_from_env("FRONTDESK_INBOX_PORT", 18025),
        )

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def inbox_url(self) -> str:
        return f"http://127.0.0.1:{self.inbox_port}"

    def dir(self, component: str) -> Path:
        path = self.root / component
        path.mkdir(parents=True, exist_ok=True)
        return path
