"""The JSON API that integration and end-to-end tests read mail through.

Routes that show message content are plain ``def``: FastAPI runs them in a
worker thread, so parsing a message (done when it is first read) never stalls
the event loop that SMTP sessions share.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from frontdesk_devmail.faults import FaultBook, InjectedFault, ReplyHold, default_fault_message
from frontdesk_devmail.inbox import MAX_WAIT_SECONDS, Inbox, InboxClosedError
from frontdesk_devmail.models import (
    Fault,
    FaultSpec,
    Hold,
    HoldSpec,
    Message,
    MessageSummary,
    Outage,
    OutageSpec,
)
from frontdesk_devmail.smtp import OutageState, SmtpServer
from frontdesk_devmail.store import MessageQuery, StoredMessage

router = APIRouter(prefix="/api", tags=["api"])


async def inbox_dependency(request: Request) -> Inbox:
    """The inbox of the running app."""
    inbox: Inbox = request.app.state.inbox
    return inbox


async def _faults(request: Request) -> FaultBook:
    faults: FaultBook = request.app.state.faults
    return faults


async def _smtp(request: Request) -> SmtpServer:
    smtp: SmtpServer = request.app.state.smtp
    return smtp


async def _query(
    to: Annotated[str | None, Query(description="An envelope recipient, any case.")] = None,
    subject_contains: Annotated[
        str | None, Query(description="Part of the subject, any case.")
    ] = None,
    since_id: Annotated[int | None, Query(ge=0, description="Only ids above this one.")] = None,
) -> MessageQuery:
    return MessageQuery(to=to, subject_contains=subject_contains, since_id=since_id)


InboxDep = Annotated[Inbox, Depends(inbox_dependency)]
FaultsDep = Annotated[FaultBook, Depends(_faults)]
SmtpDep = Annotated[SmtpServer, Depends(_smtp)]
QueryDep = Annotated[MessageQuery, Depends(_query)]


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the server is up."""
    return {"status": "ok"}


@router.get("/messages")
def list_messages(inbox: InboxDep, query: QueryDep) -> list[MessageSummary]:
    """The messages matching every given filter, oldest first."""
    return [MessageSummary.of(m) for m in inbox.find(query)]


@router.delete("/messages", status_code=204)
async def clear_messages(inbox: InboxDep) -> None:
    """Delete every message."""
    await inbox.clear()


@router.get("/messages/wait", responses={404: {"description": "Nothing arrived in time."}})
async def wait_for_message(
    inbox: InboxDep,
    query: QueryDep,
    seconds: Annotated[
        float, Query(alias="timeout", gt=0, le=MAX_WAIT_SECONDS, description="Seconds to wait.")
    ] = 10.0,
) -> Message:
    """The oldest message matching the filters, waiting up to ``timeout`` seconds for one."""
    try:
        message = await inbox.wait_for(query, seconds)
    except InboxClosedError as exc:
        raise HTTPException(503, str(exc)) from exc
    if message is None:
        raise HTTPException(404, f"no matching message arrived within {seconds:g} s")
    return await asyncio.to_thread(Message.of, message)


@router.get("/messages/{message_id}", responses={404: {"description": "No such message."}})
def get_message(message_id: int, inbox: InboxDep) -> Message:
    """One message in full: headers, text, HTML and links."""
    return Message.of(existing_message(inbox, message_id))


@router.get(
    "/messages/{message_id}/raw",
    response_class=Response,
    responses={200: {"content": {"message/rfc822": {}}}, 404: {"description": "No such message."}},
)
async def get_raw_message(message_id: int, inbox: InboxDep) -> Response:
    """The message exactly as received (.eml)."""
    raw = await inbox.raw(message_id)
    if raw is None:
        raise _not_found(message_id)
    return Response(raw, media_type="message/rfc822")


@router.delete("/messages/{message_id}", status_code=204)
async def delete_message(message_id: int, inbox: InboxDep) -> None:
    """Delete one message."""
    if not await inbox.delete(message_id):
        raise _not_found(message_id)


@router.get("/faults")
async def list_faults(faults: FaultsDep) -> list[Fault]:
    """The injected reply faults still in force, oldest first."""
    return [_fault_view(f, faults) for f in faults.injected()]


@router.post("/faults", status_code=201)
async def add_fault(spec: FaultSpec, faults: FaultsDep) -> Fault:
    """Make matching recipients fail, ``times`` times or for ``seconds`` (the first to end)."""
    message = spec.message or default_fault_message(spec.code)
    fault = faults.add(
        spec.recipient_prefix, spec.code, message, spec.times, spec.stage, spec.seconds
    )
    return _fault_view(fault, faults)


@router.delete("/faults", status_code=204)
async def clear_faults(faults: FaultsDep, smtp: SmtpDep) -> None:
    """Remove every fault: reply faults, holds (held replies are sent now) and an outage."""
    faults.clear()
    await smtp.end_outage()


@router.get("/faults/holds")
async def list_holds(faults: FaultsDep) -> list[Hold]:
    """The holds in force, oldest first, with the messages whose reply is held now."""
    return [_hold_view(h) for h in faults.holds()]


@router.post("/faults/holds", status_code=201)
async def add_hold(spec: HoldSpec, faults: FaultsDep) -> Hold:
    """Store the next ``times`` messages to a matching recipient, then hold each 250."""
    return _hold_view(faults.add_hold(spec.recipient_prefix, spec.hold_seconds, spec.times))


@router.delete("/faults/holds", status_code=204)
async def release_holds(faults: FaultsDep) -> None:
    """Send every held reply now and remove every hold."""
    faults.release_holds()


@router.get("/faults/outage")
async def get_outage(smtp: SmtpDep) -> Outage:
    """Whether SMTP connections are refused now, and for how much longer."""
    return _outage_view(smtp.outage())


@router.put("/faults/outage")
async def start_outage(spec: OutageSpec, smtp: SmtpDep) -> Outage:
    """Refuse SMTP connections for ``seconds`` (open sessions are closed); then listen again."""
    return _outage_view(smtp.refuse_connections(spec.seconds))


@router.delete("/faults/outage", status_code=204)
async def end_outage(smtp: SmtpDep) -> None:
    """Listen for SMTP again now; answered once connections are accepted."""
    await smtp.end_outage()


def existing_message(inbox: Inbox, message_id: int) -> StoredMessage:
    """The message with this id, or a 404 for whoever asked."""
    message = inbox.get(message_id)
    if message is None:
        raise _not_found(message_id)
    return message


def _not_found(message_id: int) -> HTTPException:
    return HTTPException(404, f"no message with id {message_id}")


def _fault_view(fault: InjectedFault, faults: FaultBook) -> Fault:
    return Fault(
        id=fault.id,
        recipient_prefix=fault.recipient_prefix,
        code=fault.code,
        message=fault.message,
        remaining=fault.remaining,
        seconds_left=faults.seconds_left(fault),
        stage=fault.stage,
    )


def _hold_view(hold: ReplyHold) -> Hold:
    return Hold(
        id=hold.id,
        recipient_prefix=hold.recipient_prefix,
        hold_seconds=hold.hold_seconds,
        remaining=hold.remaining,
        held_message_ids=list(hold.held_message_ids),
    )


def _outage_view(state: OutageState) -> Outage:
    return Outage(refusing=state.refusing, seconds_left=state.seconds_left)
