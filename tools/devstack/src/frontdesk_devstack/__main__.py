"""`python -m frontdesk_devstack infra-up|up|down|status`: the local stack as plain processes."""

from __future__ import annotations

import json
import sys

from . import devmail, kafka, postgres, services, topics
from .config import StackConfig
from .keys import ensure_dev_keys
from .procs import StackError


def infra_up(cfg: StackConfig) -> None:
    """Start PostgreSQL, Kafka and the mail inbox, each ready before the next."""
    postgres.start(cfg)
    kafka.start(cfg)
    topics.create(cfg)
    devmail.start(cfg)
    ensure_dev_keys(cfg)
    write_endpoints(cfg)


def up(cfg: StackConfig) -> None:
    """The infrastructure, then every service present in the checkout."""
    infra_up(cfg)
    services.start(cfg, ensure_dev_keys(cfg))


def down(cfg: StackConfig) -> None:
    """Stop exactly the processes `up` started, by their pid files."""
    services.stop_all(cfg)
    devmail.stop_server(cfg)
    kafka.stop_broker(cfg)
    postgres.stop_server(cfg)


def endpoints(cfg: StackConfig) -> dict[str, str]:
    """What `.local/stack.json` holds: every server's address, for tools and tests.

    Each service of the checkout adds `<name>_url` (its base URL, where `up` starts it)
    and `<name>_openapi_url` (its OpenAPI document; `/docs` beside it is the browsable
    form), with the name's dashes as underscores: `client_registry_url`.
    """
    found = {
        "kafka_bootstrap": cfg.kafka_bootstrap,
        "postgres_dsn": postgres.dsn(cfg),
        "smtp": f"127.0.0.1:{cfg.smtp_port}",
        "inbox_url": cfg.inbox_url,
        "keys_dir": str(cfg.root / "keys"),
    }
    for service in services.ALL:
        if service.present():
            name = service.name.replace("-", "_")
            found[f"{name}_url"] = service.url()
            found[f"{name}_openapi_url"] = f"{service.url()}/openapi.json"
    return found


def write_endpoints(cfg: StackConfig) -> None:
    path = cfg.root / "stack.json"
    path.write_text(json.dumps(endpoints(cfg), indent=2) + "\n")
    path.chmod(0o600)


def status(cfg: StackConfig) -> None:
    rows = [
        ("postgres", postgres.running(cfg), f"127.0.0.1:{cfg.postgres_port}"),
        ("kafka", kafka.running(cfg), cfg.kafka_bootstrap),
        ("mail inbox", devmail.running(cfg), f"{cfg.inbox_url}  (SMTP 127.0.0.1:{cfg.smtp_port})"),
    ]
    rows += services.status_rows(cfg)
    for name, is_up, where in rows:
        print(f"{name:<16}{'up  ' if is_up else 'down'}  {where}")
    print(f"state and logs under {cfg.root}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    commands = {"infra-up": infra_up, "up": up, "down": down, "status": status}
    if len(args) != 1 or args[0] not in commands:
        print("usage: python -m frontdesk_devstack infra-up|up|down|status", file=sys.stderr)
        return 2
    try:
        commands[args[0]](StackConfig.from_env())
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
