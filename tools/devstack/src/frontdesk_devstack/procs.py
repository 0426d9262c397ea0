"""Background processes tracked by pid file, so `down` stops exactly what `up` started."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# The processes this one started: kept so that a long-lived caller (the chaos run, the
# tests) neither drops a running child's Popen (a ResourceWarning) nor leaves a killed
# one a zombie (`spawn` reaps those it finds).
_children: list[subprocess.Popen[bytes]] = []


class StackError(RuntimeError):
    """A component could not be started or did not become ready."""


def read_pid(pid_file: Path) -> int | None:
    """The pid recorded in `pid_file` if that process is still alive and still ours."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None
    if not _alive(pid):
        return None
    marker = pid_file.with_suffix(".cmd")
    if marker.exists() and marker.read_text() not in _cmdline(pid):
        return None  # the pid was recycled by an unrelated process
    return pid


def spawn(
    argv: Sequence[str],
    pid_file: Path,
    log_file: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start `argv` detached from this terminal, logging to `log_file`, and record its pid."""
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
    _children[:] = [child for child in _children if child.poll() is None]
    _children.append(proc)
    pid_file.write_text(f"{proc.pid}\n")
    pid_file.with_suffix(".cmd").write_text(argv[-1])
    return proc.pid


def stop(pid_file: Path, name: str, timeout: float = 20.0) -> bool:
    """Stop the process recorded in `pid_file`: SIGTERM, then SIGKILL after `timeout`."""
    pid = read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        print(f"{name} did not stop within {timeout:.0f}s; killing pid {pid}")
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def wait_until(
    check: Callable[[], bool], what: str, timeout: float, log_file: Path | None = None
) -> None:
    """Poll `check` until it returns True, or fail naming `what` and the log to read."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    hint = f"; see {log_file}" if log_file else ""
    raise StackError(f"{what} did not become ready within {timeout:.0f}s{hint}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""
