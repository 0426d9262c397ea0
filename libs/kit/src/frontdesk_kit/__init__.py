"""The shared service kit of Frontdesk.

Outbox (writer and relay), idempotent consumers, retries and dead letters,
migrations, settings, JSON logs and health checks: each lives here once and every
service imports it.
"""

from .consumer import Batch, EventConsumer, PermanentError
from .deadletters import DeadLetters
from .inbox import HandledEvents
from .kafka import idempotent_producer
from .logs import configure_logging, current_context, log_context
from .metrics import ConsumerLag, ServiceMetrics
from .migrations import KIT_MIGRATIONS, MigrationError, migrate, pending
from .outbox import Outbox, OutboxError
from .relay import OutboxRelay, backlog
from .retries import RetryPolicy, is_outage, through_outages
from .settings import ServiceSettings, SettingsError, load_settings

__all__ = [
    "KIT_MIGRATIONS",
    "Batch",
    "ConsumerLag",
    "DeadLetters",
    "EventConsumer",
    "HandledEvents",
    "MigrationError",
    "Outbox",
    "OutboxError",
    "OutboxRelay",
    "PermanentError",
    "RetryPolicy",
    "ServiceMetrics",
    "ServiceSettings",
    "SettingsError",
    "backlog",
    "configure_logging",
    "current_context",
    "idempotent_producer",
    "is_outage",
    "load_settings",
    "log_context",
    "migrate",
    "pending",
    "through_outages",
]
