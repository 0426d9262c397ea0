"""The development SMTP server and its web inbox (package frontdesk_devmail)."""

from __future__ import annotations

import sys
import urllib.request

from .config import StackConfig
from .procs import read_pid, spawn, stop, wait_until


def start(cfg: StackConfig) -> None:
    home = cfg.dir("devmail")
    pid_file = home / "devmail.pid"
    if read_pid(pid_file):
        print(f"mail inbox already running on {cfg.inbox_url}")
        return
    log_file = home / "devmail.log"
    data = home / "data"
    spawn(
        [
            sys.executable,
            "-m",
            "frontdesk_devmail",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(cfg.smtp_port),
            "--http-host",
            "127.0.0.1",
            "--http-port",
            str(cfg.inbox_port),
            # A restart of devmail keeps every message; only a crash of the machine could
            # lose the last ones, which a development inbox can afford for the speed.
            "--no-fsync",
            "--data-dir",
            str(data),
        ],
        pid_file,
        log_file,
    )
    wait_until(lambda: answers(cfg), "the dev mail inbox", 30, log_file)
    print(f"mail inbox ready: SMTP 127.0.0.1:{cfg.smtp_port}, web {cfg.inbox_url}")


def answers(cfg: StackConfig) -> bool:
    try:
        with urllib.request.urlopen(f"{cfg.inbox_url}/api/health", timeout=2) as reply:  # noqa: S310
            return bool(reply.status == 200)
    except OSError:
        return False


def stop_server(cfg: StackConfig) -> None:
    if stop(cfg.dir("devmail") / "devmail.pid", "mail inbox"):
        print("mail inbox stopped")


def running(cfg: StackConfig) -> bool:
    return read_pid(cfg.dir("devmail") / "devmail.pid") is not None
