"""Frontdesk's test harness, for every tier's tests and the devstack demo.

- `eventually(check, timeout=...)`: wait for what crosses Kafka, a database or a mailbox,
  with a deadline, failing with the check's last assertion error;
- `StandInGateway`: signs admin assertions as the upstream gateway does (a fresh
  Ed25519 key, or the local stack's `gateway-signing.pem`); `Admin`: one admin's calls;
- `InboxClient` and `unique_address`: the development inbox (devmail's own client);
- `FakeClock`: a clock the test moves, for code handed a `clock`; code that reads the
  system clock is moved with `time-machine` (its `time_machine` pytest fixture);
- `FakeProducer`, `RecordingOutbox`, `FakeHandledEvents`: the kit's Kafka producer,
  outbox and handled-event ledger in memory, the same for every service;
- `write_key_pair`: an Ed25519 pair on disk, laid out as the stack's keys folder;
- `people.Journey`: what a client and an admin do over the services' real interfaces
  (the end-to-end tests and `make chaos` use it).

Each service's own test doubles are a subpackage (imported only by that service's
tests): `frontdesk_testing.identity`, `.notifications` and `.registry` hold the
in-memory units of work that implement the service's `UnitOfWork` Protocol, and the
repository tests that hold them, and PostgreSQL, to the same contract.
"""

from .clock import FakeClock
from .fakes import FakeHandledEvents, FakeProducer, RecordingOutbox, SentRecord
from .gateway import AUDIENCES, IDENTITY_AUDIENCE, REGISTRY_AUDIENCE, Admin, StandInGateway
from .inbox import DevmailError, InboxClient, Message, MessageWaitTimeoutError, unique_address
from .keys import load_private_key, write_key_pair
from .polling import eventually

__all__ = [
    "AUDIENCES",
    "IDENTITY_AUDIENCE",
    "REGISTRY_AUDIENCE",
    "Admin",
    "DevmailError",
    "FakeClock",
    "FakeHandledEvents",
    "FakeProducer",
    "InboxClient",
    "Message",
    "MessageWaitTimeoutError",
    "RecordingOutbox",
    "SentRecord",
    "StandInGateway",
    "eventually",
    "load_private_key",
    "unique_address",
    "write_key_pair",
]
