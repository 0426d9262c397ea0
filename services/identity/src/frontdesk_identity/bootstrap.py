"""The composition root: identity's own parts, run by the kit's runtime (which starts
and stops the pool, migrations, producer, outbox relay and the Kafka consumer)."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from frontdesk_contracts import GROUP_IDENTITY
from frontdesk_kit import RetryPolicy, runtime
from frontdesk_kit.background import BackgroundWork

from .adapters.crypto import AccessTokens, PasswordHasher, Sealer, load_private_key
from .adapters.metrics import watch_tokens, watch_uniform_work
from .adapters.unit_of_work import PgUnitsOfWork
from .domain.passwords import PasswordPolicy
from .domain.tokens import Digester
from .entrypoints import admin_routes, app_routes, link_pages
from .entrypoints.consumers import event_handlers
from .entrypoints.problems import REFUSALS
from .service_layer import deferred
from .service_layer.deps import Deps
from .service_layer.links import RESET_IF_KNOWN
from .service_layer.signup import SIGN_UP
from .service_layer.unit_of_work import UnitsOfWork
from .settings import IdentitySettings

MIGRATIONS = [("identity", runtime.migrations_folder(__file__))]
SHUTDOWN_DRAIN_SECONDS = 10.0
DEFERRED = (RESET_IF_KNOWN, SIGN_UP)
OVERDUE_ROUND_SECONDS = 5.0


def bootstrap(settings: IdentitySettings, units: UnitsOfWork) -> Deps:
    """The use cases' dependencies over `units` (PostgreSQL, or the unit tests' fakes),
    with the keys the settings' files hold."""
    key_id, public_key = settings.current_sealing_key()
    s = settings
    return Deps(
        settings=settings,
        db=units,
        hasher=PasswordHasher(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism),
        policy=PasswordPolicy.with_common_list(s.password_min_length, s.password_max_length),
        digester=Digester(settings.digest_key()),
        sealer=Sealer(key_id, public_key),
        access=AccessTokens(
            load_private_key(s.signing_key_file), s.signing_key_id, s.access_token_seconds
        ),
        uniform_work=BackgroundWork(s.uniform_work_max_in_flight, "uniform-time work"),
    )


async def wire(infra: runtime.Infrastructure) -> runtime.Wiring:
    """Identity's dependencies over what the runtime started, and its consumer handlers."""
    assert isinstance(infra.settings, IdentitySettings)
    deps = bootstrap(infra.settings, PgUnitsOfWork(infra.pool, infra.outbox, infra.handled))
    # Stopping: the work answered requests started finishes before the pool closes.
    infra.stack.push_async_callback(deps.uniform_work.drain, SHUTDOWN_DRAIN_SECONDS)
    watch_tokens(infra.metrics, infra.pool)
    watch_uniform_work(infra.metrics, deps.uniform_work, infra.pool)
    overdue = runtime.periodic(
        partial(deferred.carry_out_overdue, deps, DEFERRED), OVERDUE_ROUND_SECONDS, "overdue"
    )
    return runtime.Wiring(deps=deps, handlers=event_handlers(deps), tasks=[overdue])


SPEC = runtime.ServiceSpec(
    name="identity",
    group=GROUP_IDENTITY,
    title="Frontdesk identity",
    version="1.0.0",
    description="Accounts, logins, one-time links and sessions of Frontdesk. App calls "
    "use identity's access tokens; admin calls carry the upstream gateway's assertion "
    "(Authorization: Bearer, a JWT with sub, studios, aud and exp).",
    wire=wire,
    migrations=MIGRATIONS,
    routers=[app_routes.router, app_routes.keys_router, admin_routes.router, link_pages.router],
    refusals=REFUSALS,
    edge_extra=link_pages.page_statuses,
    html_refusal=link_pages.refusal_page,
)


def create_app(settings: IdentitySettings, *, retry: RetryPolicy | None = None) -> FastAPI:
    """Identity's app: its HTTP API, link pages and consumer; nothing connects until its
    lifespan starts. `retry` overrides the consumer's retry policy (tests)."""
    return runtime.create_app(SPEC, settings, retry=retry)
