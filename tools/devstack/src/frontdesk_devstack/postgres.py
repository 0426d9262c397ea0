"""PostgreSQL: the machine's server binaries where present, else PyPI's pgserver.

PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres`
user (created if missing). The password of the `frontdesk` role is generated at
first start and kept in the stack folder, never in the repository.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from .config import StackConfig
from .procs import StackError, wait_until

ROLE = "frontdesk"
SERVICE_DATABASES = ("frontdesk_identity", "frontdesk_notifications", "frontdesk_registry")


def bin_dir() -> Path:
    """Directory holding initdb/pg_ctl/postgres: Debian's newest, else pgserver's."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_major)
    if debian:
        return debian[-1].parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    if importlib.util.find_spec("pgserver") is None:
        print("no PostgreSQL server binaries; installing pgserver from PyPI ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pgserver"], check=True)
    spec = importlib.util.find_spec("pgserver")
    assert spec and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _major(path: Path) -> int:
    try:
        return int(path.parts[-3])
    except ValueError:
        return 0


def _run_as() -> str | None:
    """The unprivileged user to run the server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
    return "postgres"


def _cmd(user: str | None, *argv: str) -> list[str]:
    return ["runuser", "-u", user, "--", *argv] if user else list(argv)


def _data_home(cfg: StackConfig, user: str | None) -> Path:
    home = cfg.dir("postgres")
    if user is None:
        return home
    shutil.chown(home, user)
    if subprocess.run(_cmd(user, "test", "-w", str(home))).returncode == 0:
        return home
    # The unprivileged user cannot reach the repository (e.g. it sits under /root):
    # keep the cluster in a private folder named after the stack folder instead.
    tag = hashlib.sha256(str(home).encode()).hexdigest()[:12]
    outside = Path("/tmp") / f"frontdesk-pg-{tag}"  # noqa: S108
    outside.mkdir(mode=0o700, exist_ok=True)
    shutil.chown(outside, user)
    (home / "WHERE").write_text(f"{outside}\n")
    return outside


def password(cfg: StackConfig) -> str:
    secret_file = cfg.dir("postgres") / "password"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(24))
        secret_file.chmod(0o600)
    return secret_file.read_text().strip()


def dsn(cfg: StackConfig, database: str = "postgres") -> str:
    return f"postgresql://{ROLE}:{password(cfg)}@127.0.0.1:{cfg.postgres_port}/{database}"


def start(cfg: StackConfig) -> None:
    """Initialise the cluster on first start, start it, and create one database per service."""
    user = _run_as()
    home = _data_home(cfg, user)
    data, log_file = home / "data", home / "postgres.log"
    pg = bin_dir()
    if _status(pg, data, user) == 0:
        print(f"postgres   already running on 127.0.0.1:{cfg.postgres_port}")
        return
    if not (data / "PG_VERSION").exists():
        pwfile = home / ".initpw"
        pwfile.write_text(password(cfg))
        if user:
            shutil.chown(pwfile, user)
        try:
            subprocess.run(
                _cmd(
                    user,
                    str(pg / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    ROLE,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        finally:
            pwfile.unlink(missing_ok=True)
    options = (
        f"-p {cfg.postgres_port} -c listen_addresses=127.0.0.1 "
        f"-c unix_socket_directories={home} -c max_connections=300 -c fsync=off"
    )
    started = subprocess.run(
        _cmd(
            user,
            str(pg / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log_file),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        ),
        stdout=subprocess.DEVNULL,
    )
    if started.returncode != 0:
        raise StackError(f"PostgreSQL did not start; see {log_file}")
    wait_until(lambda: _answers(cfg), "PostgreSQL", 30, log_file)
    _create_databases(cfg)
    print(f"postgres   ready on 127.0.0.1:{cfg.postgres_port}")


def _status(pg: Path, data: Path, user: str | None) -> int:
    if not (data / "PG_VERSION").exists():
        return 3
    return subprocess.run(
        _cmd(user, str(pg / "pg_ctl"), "-D", str(data), "status"), stdout=subprocess.DEVNULL
    ).returncode


def _answers(cfg: StackConfig) -> bool:
    import asyncio

    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(dsn(cfg), timeout=3)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


def _create_databases(cfg: StackConfig) -> None:
    import asyncio

    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(dsn(cfg))
        try:
            existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
            for name in SERVICE_DATABASES:
                if name not in existing:
                    await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())


def stop_server(cfg: StackConfig, mode: str = "fast") -> None:
    """Stop the server: `fast` (the default) as `make down` does; `immediate` as a crash
    would, so the next start recovers from the write-ahead log (`make chaos`)."""
    user = _run_as()
    data = _data_home(cfg, user) / "data"
    pg = bin_dir()
    if _status(pg, data, user) != 0:
        return
    subprocess.run(
        _cmd(user, str(pg / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print("postgres   stopped")


def running(cfg: StackConfig) -> bool:
    user = _run_as()
    return _status(bin_dir(), _data_home(cfg, user) / "data", user) == 0
