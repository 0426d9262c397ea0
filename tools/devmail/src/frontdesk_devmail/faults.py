"""Simulated delivery failures, so the sending service's retry paths can be tested.

Chosen by recipient address:

- **Static prefixes**, always on, matched against the local part
  (case-insensitive): ``reject550...`` is refused at RCPT with
  ``550 5.1.1 mailbox unavailable``; ``tempfail451...`` with
  ``451 4.3.0 try again later``, every time.
- **Injected faults**, added over the JSON API (``POST /api/faults``):
  recipients whose whole address starts with ``recipient_prefix``
  (case-insensitive; an empty prefix matches everyone) fail with ``code`` and
  ``message``, either at RCPT (``stage="rcpt"``, the default) or after the
  message data was sent (``stage="data"``, the message is then not stored).
  A fault ends after ``times`` recipients, after ``seconds``, or at the first
  of the two when both are given. Injected faults are checked before the
  static prefixes, oldest first.
- **Held replies** (``POST /api/faults/holds``): the next ``times`` messages to
  a matching recipient are stored, then their ``250`` waits ``hold_seconds``;
  the window where the server has a message its sender has not heard about.

All of it lives in memory only: a restart clears it. The refused-connections
outage is the listener's business (``frontdesk_devmail.smtp``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Stage = Literal["rcpt", "data"]
Clock = Callable[[], float]
"""Seconds from an arbitrary start, never going back (``time.monotonic`` by default)."""

STATIC_PREFIXES: tuple[tuple[str, str], ...] = (
    ("reject550", "550 5.1.1 mailbox unavailable"),
    ("tempfail451", "451 4.3.0 try again later"),
)


def default_fault_message(code: int) -> str:
    """The reply text used when a fault is injected without one."""
    return "4.3.0 try again later" if code < 500 else "5.0.0 simulated permanent failure"


def _matches(prefix: str, address: str) -> bool:
    return address.lower().startswith(prefix.lower())


@dataclass
class InjectedFault:
    """A failure that hits matching recipients until ``remaining`` or ``ends_at`` runs out.

    ``remaining`` None means no limit on the count; ``ends_at`` None, no limit in time.
    """

    id: int
    recipient_prefix: str
    code: int
    message: str
    remaining: int | None
    stage: Stage
    ends_at: float | None = None

    @property
    def reply(self) -> str:
        """The SMTP reply line, e.g. ``451 4.3.0 try again later``."""
        return f"{self.code} {self.message}"

    def matches(self, address: str) -> bool:
        """Whether this fault applies to a recipient address."""
        return _matches(self.recipient_prefix, address)

    def seconds_left(self, now: float) -> float | None:
        """Seconds until the fault ends by time, or None if it has no time limit."""
        return None if self.ends_at is None else max(0.0, self.ends_at - now)

    def in_force(self, now: float) -> bool:
        """Whether the fault still has failures to give at ``now``."""
        spent = self.remaining is not None and self.remaining <= 0
        expired = self.ends_at is not None and now >= self.ends_at
        return not (spent or expired)


@dataclass
class ReplyHold:
    """Holds the ``250`` of the next ``remaining`` stored messages to matching recipients."""

    id: int
    recipient_prefix: str
    hold_seconds: float
    remaining: int
    held_message_ids: list[int] = field(default_factory=list)
    """Messages stored whose reply is being held right now, in arrival order."""
    _released: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def matches(self, recipients: Sequence[str]) -> bool:
        """Whether a message to ``recipients`` is to be held."""
        return any(_matches(self.recipient_prefix, address) for address in recipients)

    @property
    def in_force(self) -> bool:
        """Whether it still holds a reply or has replies left to hold."""
        return self.remaining > 0 or bool(self.held_message_ids)

    async def hold(self, message_id: int) -> None:
        """Wait ``hold_seconds``, or until released; listed in ``held_message_ids`` meanwhile.

        A cancellation (the sender hung up, devmail stops) goes through: the
        message is already stored, only its reply is never sent.
        """
        self.held_message_ids.append(message_id)
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.hold_seconds):
                    await self._released.wait()
        finally:
            self.held_message_ids.remove(message_id)

    def release(self) -> None:
        """Send the held replies now, and hold no more."""
        self.remaining = 0
        self._released.set()


class FaultBook:
    """The faults and holds in force. Used from the event loop only, so it needs no lock."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        """Time-bounded faults end by ``clock`` (movable in tests)."""
        self._clock = clock
        self._faults: list[InjectedFault] = []
        self._holds: list[ReplyHold] = []
        self._last_id = 0

    def add(
        self,
        recipient_prefix: str,
        code: int,
        message: str,
        times: int | None,
        stage: Stage,
        seconds: float | None = None,
    ) -> InjectedFault:
        """Make matching recipients fail with ``code message``, ``times`` times or for ``seconds``.

        Ends at the first limit reached; at least one must be given.
        """
        if times is None and seconds is None:
            raise ValueError("a fault needs times, seconds or both")
        ends_at = None if seconds is None else self._clock() + seconds
        fault = InjectedFault(
            self._next_id(), recipient_prefix, code, message, times, stage, ends_at
        )
        self._faults.append(fault)
        return fault

    def injected(self) -> list[InjectedFault]:
        """The injected faults still in force, oldest first."""
        self._prune()
        return list(self._faults)

    def seconds_left(self, fault: InjectedFault) -> float | None:
        """Seconds until ``fault`` ends by time, None if it has no time limit."""
        return fault.seconds_left(self._clock())

    def add_hold(self, recipient_prefix: str, hold_seconds: float, times: int) -> ReplyHold:
        """Hold the reply to the next ``times`` messages to a matching recipient."""
        hold = ReplyHold(self._next_id(), recipient_prefix, hold_seconds, times)
        self._holds.append(hold)
        return hold

    def holds(self) -> list[ReplyHold]:
        """The holds still in force (holding a reply, or with replies left to hold)."""
        self._holds = [hold for hold in self._holds if hold.in_force]
        return list(self._holds)

    def take_hold(self, recipients: Sequence[str]) -> ReplyHold | None:
        """The hold to apply to a stored message to ``recipients``, counted; None if none."""
        hold = next((h for h in self._holds if h.remaining > 0 and h.matches(recipients)), None)
        if hold is not None:
            hold.remaining -= 1
        return hold

    def release_holds(self) -> None:
        """Send every held reply now and remove every hold."""
        for hold in self._holds:
            hold.release()
        self._holds.clear()

    def clear(self) -> None:
        """Remove every injected fault and hold (releasing held replies); static prefixes stay."""
        self._faults.clear()
        self.release_holds()

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
        self._prune()
        fault = next((f for f in self._faults if f.stage == stage and f.matches(address)), None)
        if fault is None:
            return None
        if fault.remaining is not None:
            fault.remaining -= 1
        return fault.reply

    def _prune(self) -> None:
        now = self._clock()
        self._faults = [fault for fault in self._faults if fault.in_force(now)]

    def _next_id(self) -> int:
        self._last_id += 1
        return self._last_id
