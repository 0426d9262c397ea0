"""The composition root: notifications' own parts, run by the kit's runtime (which starts
and stops the pool, migrations, producer, outbox relay and the Kafka consumer)."""

from __future__ import annotations

from fastapi import FastAPI

from frontdesk_contracts import GROUP_NOTIFICATIONS
from frontdesk_kit import RetryPolicy, runtime

from .adapters.mail import EmailComposer, SmtpPool
from .adapters.metrics import watch_emails, watch_sender
from .adapters.templates import EmailRenderer, LinkPaths
from .adapters.unit_of_work import PgUnitsOfWork
from .domain.delivery import BackoffSchedule, RateLimit, Sender
from .entrypoints import message_routes, ops_routes
from .entrypoints.consumers import email_handlers
from .entrypoints.problems import REFUSALS
from .entrypoints.sender_loop import SenderLoop
from .service_layer.deps import Deps, Mailer
from .service_layer.unit_of_work import UnitsOfWork
from .settings import NotificationsSettings

# Ops' own table (who resent what) is a component of its own: its numbering never collides.
MIGRATIONS = [
    ("notifications", runtime.migrations_folder(__file__)),
    ("notifications-ops", runtime.migrations_folder(__file__, "ops_migrations")),
]


def bootstrap(settings: NotificationsSettings, units: UnitsOfWork, mailer: Mailer) -> Deps:
    """The use cases' dependencies over `units` and `mailer` (PostgreSQL and SMTP, or the
    unit tests' fakes); `create_app` adds the sender loop's wake-up."""
    s = settings
    links = LinkPaths(
        s.public_base_url, s.create_login_path, s.reset_path, s.verify_email_path, s.sign_in_path
    )
    sender = Sender(s.sender_address, s.sender_name, s.message_id_domain)
    renderer = EmailRenderer(links, s.studio_brands, product_name=s.sender_name)
    backoff = BackoffSchedule(s.retry_max_attempts, s.retry_first_delay, s.retry_max_delay)
    limit = RateLimit(s.rate_limit_per_recipient, s.rate_limit_window_seconds)
    composer = EmailComposer(renderer, s.key_ring(), sender)
    return Deps(units, composer, mailer, sender, backoff, limit)


async def wire(infra: runtime.Infrastructure) -> runtime.Wiring:
    """Notifications' dependencies over what the runtime started: the SMTP pool, the
    consumer's handlers and the sender loop (woken by each queued email)."""
    settings = infra.settings
    assert isinstance(settings, NotificationsSettings)
    smtp = SmtpPool.from_settings(settings)
    infra.stack.push_async_callback(smtp.close)
    deps = bootstrap(settings, PgUnitsOfWork(infra.pool, infra.outbox, infra.handled), smtp)
    sender = SenderLoop(
        deps,
        concurrency=settings.sender_concurrency,
        batch=settings.sender_batch,
        poll_interval=settings.sender_poll_interval,
        lease_seconds=settings.sender_lease_seconds,
    )
    deps.wake_sender = sender.wake
    watch_emails(infra.metrics, infra.pool)
    watch_sender(infra.metrics, sender)
    return runtime.Wiring(deps=deps, handlers=email_handlers(deps), tasks=[sender.run])


SPEC = runtime.ServiceSpec(
    name="notifications",
    group=GROUP_NOTIFICATIONS,
    title="Frontdesk notifications",
    version="0.1.0",
    description="Ops API: outgoing messages, their delivery state, and suppressions.",
    wire=wire,
    migrations=MIGRATIONS,
    routers=[message_routes.router, ops_routes.router],
    refusals=REFUSALS,
)


def create_app(settings: NotificationsSettings, *, retry: RetryPolicy | None = None) -> FastAPI:
    """The ops API; its lifespan runs the whole service (consumer and sender loop too).
    Nothing connects until it starts; `retry` overrides the consumer's retries (tests)."""
    return runtime.create_app(SPEC, settings, retry=retry)
