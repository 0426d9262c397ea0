"""The JSON API that integration and end-to-end tests read mail through.

Routes that show message content are plain ``def``: FastAPI runs them in a
worker thread, so parsing a message (done when it is first read) never stalls
the event loop that SMTP sessions share.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from frontdesk_devmail.faults import FaultBook, InjectedFault, default_fault_message
from frontdesk_devmail.inbox import MAX_WAIT_SECONDS, Inbox, InboxClosedError
from frontdesk_devmail.models import Fault, FaultSpec, Message, MessageSummary
from frontdesk_devmail.store import MessageQuery, StoredMessage

router = APIRouter(prefix="/api", tags=["api"])


async def inbox_dependency(request: Request) -> Inbox:
    """The inbox of the running app."""
    inbox: Inbox = request.app.state.inbox
    return inbox


async def _faults(request: Request) -> FaultBook:
    faults: FaultBook = request.app.state.faults
    return faults


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
    """The injected faults still in force, oldest first."""
    return [_fault_view(f) for f in faults.injected()]


@router.post("/faults", status_code=201)
async def add_fault(spec: FaultSpec, faults: FaultsDep) -> Fault:
    """Make the next ``times`` recipients starting with ``recipient_prefix`` fail."""
    message = spec.message or default_fault_message(spec.code)
    fault = faults.add(spec.recipient_prefix, spec.code, message, spec.times, spec.stage)
    return _fault_view(fault)


@router.delete("/faults", status_code=204)
async def clear_faults(faults: FaultsDep) -> None:
    """Remove every injected fault (the static prefixes stay)."""
    faults.clear()


def existing_message(inbox: Inbox, message_id: int) -> StoredMessage:
    """The message with this id, or a 404 for whoever asked."""
    message = inbox.get(message_id)
    if message is None:
        raise _not_found(message_id)
    return message


def _not_found(message_id: int) -> HTTPException:
    return HTTPException(404, f"no message with id {message_id}")


def _fault_view(fault: InjectedFault) -> Fault:
    return Fault(
        id=fault.id,
        recipient_prefix=fault.recipient_prefix,
        code=fault.code,
        message=fault.message,
        remaining=fault.remaining,
        stage=fault.stage,
    )
