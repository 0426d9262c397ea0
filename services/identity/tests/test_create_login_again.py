"""A new create-login link asked from a dead link's page: sent only while a login is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from frontdesk_contracts import ClientImported, ClientsMerged, KeyRing, new_event
from frontdesk_identity.adapters.crypto import Sealer
from frontdesk_identity.bootstrap import create_app
from frontdesk_identity.domain.commands import CreateClient, CreateLogin, ResendWelcome
from frontdesk_identity.domain.errors import LinkNotUsable
from frontdesk_identity.service_layer import admin, links
from frontdesk_identity.service_layer.events import apply_merge, import_clients
from frontdesk_kit.gateway import AdminAssertion
from frontdesk_testing import FakeClock

ADMIN = AdminAssertion("admin-1", frozenset({"s1"}), {"s1": "Studio One"})
PASSWORD = "correct horse battery"
IP = "1.2.3.4"
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def ring(deps):  # type: ignore[no-untyped-def]
    """Notifications' private key, swapped in so the tests can open sealed tokens."""
    from frontdesk_contracts import generate_key_pair

    pair = generate_key_pair("k1")
    deps.sealer = Sealer("k1", pair.encoded_public_key())
    return KeyRing.of(pair)


@pytest.fixture
def clock(deps):  # type: ignore[no-untyped-def]
    """The use cases' clock, moved by the test: `clock.advance(days=8)`."""
    clock = FakeClock(START)
    deps.clock = clock
    return clock


def events(deps, event_type: str):  # type: ignore[no-untyped-def]
    return [e for e in deps.db.state.published if e.type == event_type]


async def new_client(deps, ring) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """(account id, first link's token, first link's id)."""
    cmd = CreateClient("s1", "ada@example.com", "Ada", "Lovelace", None)
    account_id = await admin.create_client(deps, ADMIN, cmd)
    [created] = events(deps, "AccountCreatedByAdmin")
    return account_id, ring.open(created.payload.create_login_token).reveal(), str(created.id)


async def test_an_expired_link_gets_a_new_one_that_works(deps, ring, clock):
    account_id, old, old_id = await new_client(deps, ring)
    clock.advance(days=8)

    await links.request_create_login_again(deps, old, IP)

    [again] = events(deps, "CreateLoginLinkRequested")
    assert again.payload.account_id == account_id and again.payload.studio_id == "s1"
    assert again.payload.email == "ada@example.com"
    assert (again.payload.given_name, again.payload.family_name) == ("Ada", "Lovelace")
    assert str(again.payload.supersedes) == old_id
    assert again.payload.expires_at == clock.now() + timedelta(days=7)
    assert again.payload.link_page.endswith("/links/create-login")
    new = ring.open(again.payload.create_login_token).reveal()
    with pytest.raises(LinkNotUsable):
        await links.create_login(deps, CreateLogin(old, "ada", PASSWORD))
    await links.create_login(deps, CreateLogin(new, "ada", PASSWORD))
    assert events(deps, "LoginCreated")[0].payload.account_id == account_id


async def test_a_superseded_link_gets_a_new_one_superseding_the_newest(deps, ring, clock):
    account_id, old, _ = await new_client(deps, ring)
    cmd = ResendWelcome("s1", account_id, "ada@example.com")
    await admin.resend_welcome(deps, ADMIN, cmd)
    [welcome] = events(deps, "WelcomeEmailRequested")

    await links.request_create_login_again(deps, old, IP)

    [again] = events(deps, "CreateLoginLinkRequested")
    assert again.payload.supersedes == welcome.id
    welcome_token = ring.open(welcome.payload.create_login_token).reveal()
    with pytest.raises(LinkNotUsable) as superseded:
        await links.create_login(deps, CreateLogin(welcome_token, "ada", PASSWORD))
    assert superseded.value.state == "superseded"


async def test_a_used_link_gets_nothing(deps, ring, clock):
    _, old, _ = await new_client(deps, ring)
    await links.create_login(deps, CreateLogin(old, "ada", PASSWORD))

    await links.request_create_login_again(deps, old, IP)

    assert events(deps, "CreateLoginLinkRequested") == []


async def test_nothing_once_a_login_was_created_with_another_link(deps, ring, clock):
    account_id, old, _ = await new_client(deps, ring)
    await admin.resend_welcome(deps, ADMIN, ResendWelcome("s1", account_id, "ada@example.com"))
    [welcome] = events(deps, "WelcomeEmailRequested")
    newer = ring.open(welcome.payload.create_login_token).reveal()
    await links.create_login(deps, CreateLogin(newer, "ada", PASSWORD))

    await links.request_create_login_again(deps, old, IP)  # superseded, but a login exists

    assert events(deps, "CreateLoginLinkRequested") == []


async def test_unknown_and_still_valid_tokens_get_nothing(deps, ring, clock):
    _, live, _ = await new_client(deps, ring)

    await links.request_create_login_again(deps, "A" * 43, IP)
    await links.request_create_login_again(deps, live, IP)

    assert events(deps, "CreateLoginLinkRequested") == []


async def test_a_link_revoked_by_a_merge_gets_nothing(deps, ring, clock):
    imported = ClientImported(
        studio_id="s1", external_client_id="e1", given_name="G", emails=["g@example.com"]
    )
    await import_clients(deps, [new_event(imported)])
    [record] = events(deps, "AccountImported")
    old_id = record.payload.account_id
    await admin.resend_welcome(deps, ADMIN, ResendWelcome("s1", old_id, "g@example.com"))
    [welcome] = events(deps, "WelcomeEmailRequested")
    token = ring.open(welcome.payload.create_login_token).reveal()
    survivor, first, _ = await new_client(deps, ring)
    await links.create_login(deps, CreateLogin(first, "ada", PASSWORD))
    merge = ClientsMerged(
        proposal_id="p",
        surviving_account_id=survivor,
        merged_account_ids=[old_id],
        studio_id="s1",
        client_record_id="r",
        merged_by=survivor,
        merged_by_role="client",
    )
    await apply_merge(deps, new_event(merge))
    clock.advance(days=8)  # expired as well: the merge still wins

    await links.request_create_login_again(deps, token, IP)

    assert events(deps, "CreateLoginLinkRequested") == []


async def test_the_address_quota_holds_back_further_links(deps, ring, clock):
    _, old, _ = await new_client(deps, ring)
    clock.advance(days=8)  # the creation's count has left the hour's window

    for _ in range(7):
        await links.request_create_login_again(deps, old, IP)

    assert len(events(deps, "CreateLoginLinkRequested")) == 5  # emails_per_address_per_hour
    clock.advance(hours=1, seconds=1)
    await links.request_create_login_again(deps, old, IP)
    assert len(events(deps, "CreateLoginLinkRequested")) == 6


@pytest.fixture
async def http(settings, deps):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    app.state.deps = deps  # the fakes; no lifespan needed for the link pages
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://identity.test") as client:
        yield client


async def test_the_expired_links_page_offers_a_new_one_and_answers_the_same(
    http, deps, ring, clock
):
    _, old, _ = await new_client(deps, ring)
    clock.advance(days=8)

    page = await http.get("/links/create-login", params={"token": old})
    assert page.status_code == 410 and "expired" in page.text
    assert 'action="/links/create-login/new"' in page.text and old in page.text
    assert "welcome email" not in page.text

    sent = await http.post("/links/create-login/new", data={"token": old})
    unknown = await http.post("/links/create-login/new", data={"token": "B" * 43})
    assert sent.status_code == unknown.status_code == 200
    assert sent.text == unknown.text and "we sent a new link" in sent.text
    assert len(events(deps, "CreateLoginLinkRequested")) == 1


async def test_used_and_unknown_links_pages_offer_no_new_create_login_link(http, deps, ring, clock):
    _, old, _ = await new_client(deps, ring)
    await links.create_login(deps, CreateLogin(old, "ada", PASSWORD))

    used = await http.get("/links/create-login", params={"token": old})
    unknown = await http.get("/links/create-login", params={"token": "C" * 43})

    assert used.status_code == unknown.status_code == 410
    assert "/links/create-login/new" not in used.text + unknown.text
    assert 'action="/links/reset-password/new"' in used.text  # a login exists: a reset
    assert "new welcome email" in unknown.text
