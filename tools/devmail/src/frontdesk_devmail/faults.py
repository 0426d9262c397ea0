"""Simulated delivery failures, so the sending service's retry paths can be tested.

Two kinds, both chosen by recipient address:

- **Static prefixes**, always on, matched against the local part
  (case-insensitive): ``reject550...`` is refused at RCPT with
  ``550 5.1.1 mailbox unavailable``; ``tempfail451...`` with
  ``451 4.3.0 try again later``, every time.
- **Injected faults**, added over the JSON API (``POST /api/faults``): the next
  ``times`` recipients whose whole address starts with ``recipient_prefix``
  (case-insensitive) fail with ``code`` and ``message``, either at RCPT
  (``stage="rcpt"``, the default) or after the message data was sent
  (``stage="data"``, the message is then not stored). Injected faults are
  checked before the static prefixes, oldest first, and live in memory only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stage = Literal["rcpt", "data"]

STATIC_PREFIXES: tuple[tuple[str, str], ...] = (
    ("reject550", "550 5.1.1 mailbox unavailable"),
    ("tempfail451", "451 4.3.0 try again later"),
)


def default_fault_message(code: int) -> str:
    """The reply text used when a fault is injected without one."""
    return "4.3.0 try again later" if code < 500 else "5.0.0 simulated permanent failure"


@dataclass
class InjectedFault:
    """A failure that hits the next ``remaining`` matching recipients."""

    id: int
    recipient_prefix: str
    code: int
    message: str
    remaining: int
    stage: Stage

    @property
    def reply(self) -> str:
        """The SMTP reply line, e.g. ``451 4.3.0 try again later``."""
        return f"{self.code} {self.message}"

    def matches(self, address: str) -> bool:
        """Whether this fault applies to a recipient address."""
        return address.lower().startswith(self.recipient_prefix.lower())


class FaultBook:
    """The faults in force. Used from the event loop only, so it needs no lock."""

    def __init__(self) -> None:
        self._faults: list[InjectedFault] = []
        self._last_id = 0

    def add(
        self, recipient_prefix: str, code: int, message: str, times: int, stage: Stage
    ) -> InjectedFault:
        """Make the next ``times`` matching recipients fail with ``code message``."""
        self._last_id += 1
        fault = InjectedFault(self._last_id, recipient_prefix, code, message, times, stage)
        self._faults.append(fault)
        return fault

    def injected(self) -> list[InjectedFault]:
        """The injected faults that still have failures left, oldest first."""
        return list(self._faults)

    def clear(self) -> None:
        """Remove every injected fault; the static prefixes stay."""
        self._faults.clear()

    def rcpt_reply(self, address: str) -> str | None:
        """The failure reply for ``RCPT TO:<address>``, or None to accept it."""
        injected = self._take("rcpt", address)
        if injected is not None:
            return injected
        local_part = address.partition("@")[0].lower()
        return next(
            (reply for prefix, reply in STATIC_PREFIXES if local_part.startswith(prefix)), None
        )

    def data_reply(self, recipients: list[str]) -> str | None:
        """The failure reply after DATA for a message to ``recipients``, or None to accept it."""
        return next(
            (reply for address in recipients if (reply := self._take("data", address))), None
        )

    def _take(self, stage: Stage, address: str) -> str | None:
        fault = next((f for f in self._faults if f.stage == stage and f.matches(address)), None)
        if fault is None:
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            self._faults.remove(fault)
        return fault.reply
