"""A small async client of the devmail API, for integration and end-to-end tests.

    async with InboxClient("http://127.0.0.1:8025") as inbox:
        message = await inbox.wait_for("alice@example.test", subject_contains="login")
        link = message.link_containing("/create-login")

Give each test its own recipient addresses (a uuid in the local part) and
tests never see each other's mail. ``wait_for`` returns the *oldest* matching
message, so to get the one after a known message pass ``since_id=known.id``.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Literal

import httpx

from frontdesk_devmail.models import Fault, Hold, Message, MessageSummary, Outage

_MAX_POLL_SECONDS = 60.0  # the server's cap on one long poll
_HTTP_SLACK_SECONDS = 5.0
_HOLD_POLL_SECONDS = 0.02


class DevmailError(Exception):
    """The devmail API answered with an error; ``problem`` is its RFC 9457 body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        """Wrap an error answer: its HTTP status and problem body."""
        super().__init__(f"devmail answered {status}: {problem.get('detail', problem)}")
        self.status = status
        self.problem = problem


class MessageNotFoundError(DevmailError, LookupError):
    """No message with the id asked for."""


class MessageWaitTimeoutError(DevmailError, TimeoutError):
    """No matching message arrived in time."""


class HoldEndedError(LookupError):
    """The hold waited on is no longer in force, and no held message was seen."""


class InboxClient:
    """Reads and controls a running devmail over its JSON API."""

    def __init__(
        self, base_url: str = "http://127.0.0.1:8025", *, http: httpx.AsyncClient | None = None
    ) -> None:
        """Talk to devmail at ``base_url``, over ``http`` if given (it is then not closed here)."""
        self._base_url = base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=10.0)

    async def __aenter__(self) -> InboxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connection pool, unless it was passed in."""
        if self._owns_http:
            await self._http.aclose()

    async def messages(
        self,
        to: str | None = None,
        *,
        subject_contains: str | None = None,
        since_id: int | None = None,
    ) -> list[MessageSummary]:
        """Summaries of the matching messages, oldest first; ``to`` ignores case."""
        params = _params(to=to, subject_contains=subject_contains, since_id=since_id)
        response = await self._request("GET", "/api/messages", params=params)
        return [MessageSummary.model_validate(item) for item in response.json()]

    async def message(self, message_id: int) -> Message:
        """One message in full; raises ``MessageNotFoundError`` if there is none."""
        response = await self._request("GET", f"/api/messages/{message_id}")
        return Message.model_validate(response.json())

    async def raw(self, message_id: int) -> bytes:
        """The message exactly as received (.eml)."""
        response = await self._request("GET", f"/api/messages/{message_id}/raw")
        return response.content

    async def wait_for(
        self,
        to: str,
        *,
        subject_contains: str | None = None,
        since_id: int | None = None,
        timeout: float = 10.0,
    ) -> Message:
        """The oldest message to ``to`` matching the filters, waiting for it if need be.

        Raises ``MessageWaitTimeoutError`` (a ``TimeoutError``) if none arrives
        within ``timeout`` seconds. Longer waits than the server's 60 s cap are
        made of several long polls.
        """
        params = _params(to=to, subject_contains=subject_contains, since_id=since_id)
        remaining = timeout
        while True:
            poll = min(remaining, _MAX_POLL_SECONDS)
            try:
                response = await self._request(
                    "GET",
                    "/api/messages/wait",
                    params={**params, "timeout": poll},
                    timeout=poll + _HTTP_SLACK_SECONDS,
                )
            except MessageNotFoundError as exc:
                remaining -= poll
                if remaining <= 0:
                    raise MessageWaitTimeoutError(exc.status, exc.problem) from None
                continue
            return Message.model_validate(response.json())

    async def delete(self, message_id: int) -> None:
        """Delete one message; raises ``MessageNotFoundError`` if there is none."""
        await self._request("DELETE", f"/api/messages/{message_id}")

    async def clear(self) -> None:
        """Delete every message."""
        await self._request("DELETE", "/api/messages")

    async def add_fault(
        self,
        recipient_prefix: str,
        *,
        code: int = 451,
        message: str | None = None,
        times: int | None = None,
        stage: Literal["rcpt", "data"] = "rcpt",
        seconds: float | None = None,
    ) -> Fault:
        """Make recipients starting with ``recipient_prefix`` fail with ``code``.

        The fault ends after ``times`` recipients or ``seconds``, whichever comes
        first. Without either it fails once; with ``seconds`` only, it fails
        every matching recipient until then. ``""`` matches every recipient.
        """
        body = _params(
            recipient_prefix=recipient_prefix,
            code=code,
            message=message,
            times=times,
            stage=stage,
            seconds=seconds,
        )
        response = await self._request("POST", "/api/faults", json=body)
        return Fault.model_validate(response.json())

    async def faults(self) -> list[Fault]:
        """The injected reply faults still in force."""
        response = await self._request("GET", "/api/faults")
        return [Fault.model_validate(item) for item in response.json()]

    async def clear_faults(self) -> None:
        """Remove every fault: reply faults, holds (sending held replies) and an outage."""
        await self._request("DELETE", "/api/faults")

    async def hold_replies(
        self, recipient_prefix: str, *, hold_seconds: float, times: int = 1
    ) -> Hold:
        """Store the next ``times`` messages to a matching recipient, then hold each ``250``.

        The sender hears nothing for ``hold_seconds`` after its message is
        stored (``wait_until_held`` says when one is).
        """
        body = {"recipient_prefix": recipient_prefix, "hold_seconds": hold_seconds, "times": times}
        response = await self._request("POST", "/api/faults/holds", json=body)
        return Hold.model_validate(response.json())

    async def holds(self) -> list[Hold]:
        """The holds in force, with the messages whose reply is held right now."""
        response = await self._request("GET", "/api/faults/holds")
        return [Hold.model_validate(item) for item in response.json()]

    async def wait_until_held(self, hold_id: int, *, timeout: float = 10.0) -> list[int]:
        """The ids of the stored messages whose reply ``hold_id`` holds, once there is one.

        Raises ``HoldEndedError`` if the hold ends with none seen (it was
        released or cleared, or a short hold ran out between two polls), and
        ``TimeoutError`` if no message is held within ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while True:
                hold = next((h for h in await self.holds() if h.id == hold_id), None)
                if hold is None:
                    raise HoldEndedError(f"hold {hold_id} is no longer in force")
                if hold.held_message_ids:
                    return hold.held_message_ids
                await asyncio.sleep(_HOLD_POLL_SECONDS)

    async def release_holds(self) -> None:
        """Send every held reply now and remove every hold."""
        await self._request("DELETE", "/api/faults/holds")

    async def refuse_connections(self, seconds: float) -> Outage:
        """Take SMTP down for ``seconds``: connecting is refused, open sessions are closed.

        Answered once the listener is closed; it reopens by itself afterwards.
        Again during an outage, it sets a new end, ``seconds`` from now.
        """
        response = await self._request("PUT", "/api/faults/outage", json={"seconds": seconds})
        return Outage.model_validate(response.json())

    async def outage(self) -> Outage:
        """Whether SMTP connections are refused now, and for how much longer."""
        response = await self._request("GET", "/api/faults/outage")
        return Outage.model_validate(response.json())

    async def end_outage(self) -> None:
        """Accept SMTP connections again now; returns once they are."""
        await self._request("DELETE", "/api/faults/outage")

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self._http.request(method, self._base_url + path, **kwargs)
        if response.is_success:
            return response
        problem = _problem_of(response)
        if response.status_code == 404:
            raise MessageNotFoundError(404, problem)
        raise DevmailError(response.status_code, problem)


def _params(**values: object) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _problem_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return (
        body
        if isinstance(body, dict)
        else {"status": response.status_code, "detail": response.text}
    )
