"""The composition root: client-registry's own parts, run by the kit's runtime (which
starts and stops the pool, migrations, producer, outbox relay and Kafka consumer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from frontdesk_contracts import GROUP_CLIENT_REGISTRY
from frontdesk_kit import RetryPolicy, runtime
from frontdesk_registry.adapters.access_tokens import AccessTokenVerifier, identity_keys
from frontdesk_registry.adapters.unit_of_work import PgUnitsOfWork
from frontdesk_registry.entrypoints import admin_routes, app_routes
from frontdesk_registry.entrypoints.consumers import event_handlers
from frontdesk_registry.entrypoints.problems import REFUSALS
from frontdesk_registry.entrypoints.security import Services
from frontdesk_registry.entrypoints.sweeper import expiry_sweeper
from frontdesk_registry.service_layer.unit_of_work import Registry, UnitsOfWork, utc_now
from frontdesk_registry.settings import RegistrySettings

MIGRATIONS = [("client-registry", runtime.migrations_folder(__file__))]


def bootstrap(
    settings: RegistrySettings, units: UnitsOfWork, clock: Callable[[], datetime] = utc_now
) -> Registry:
    """The use cases' dependencies: PostgreSQL units of work here, fakes in unit tests."""
    return Registry(units=units, proposal_lifetime=settings.merge_proposal_lifetime, clock=clock)


async def wire(infra: runtime.Infrastructure) -> runtime.Wiring:
    """The registry's dependencies over what the runtime started: units of work, the
    access-token verifier, the consumer's handlers and the expiry sweeper."""
    settings = infra.settings
    assert isinstance(settings, RegistrySettings)
    reg = bootstrap(settings, PgUnitsOfWork(infra.pool, infra.outbox, infra.handled))
    keys = await identity_keys(settings, infra.stack)
    return runtime.Wiring(
        deps=Services(reg, AccessTokenVerifier(keys)),
        handlers=event_handlers(reg),
        tasks=[expiry_sweeper(reg, settings.expiry_sweep_seconds)],
    )


SPEC = runtime.ServiceSpec(
    name="client-registry",
    group=GROUP_CLIENT_REGISTRY,
    title="Frontdesk client-registry",
    version="1.0.0",
    wire=wire,
    migrations=MIGRATIONS,
    routers=[app_routes.router, admin_routes.router],
    refusals=REFUSALS,
)


def create_app(settings: RegistrySettings, *, retry: RetryPolicy | None = None) -> FastAPI:
    """The HTTP app, its consumer and its sweeper; nothing connects until it starts.
    `retry` overrides the consumer's retries (tests)."""
    return runtime.create_app(SPEC, settings, retry=retry)
