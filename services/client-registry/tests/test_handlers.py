"""The use cases, wired through bootstrap to in-memory units of work.

Ownership of an address is proven the way production proves it: identity's
SignupCompleted event (`prove`), never a claim in the access token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from frontdesk_contracts import (
    AccountImported,
    AccountMatch,
    FirstLogin,
    SessionsRevoked,
    SignupCompleted,
    SignupMatchedExisting,
    new_event,
)
from frontdesk_registry.domain.commands import ConfirmProposal, DeclineProposal, FindClients
from frontdesk_registry.domain.errors import (
    OwnershipNotProven,
    ProposalClosed,
    ProposalExpired,
    ProposalNotFound,
)
from frontdesk_registry.domain.records import client_record_id
from frontdesk_registry.service_layer import accounts, merges, proposals, records

EMAIL = "ada@example.com"


def imported(account: str, studio: str = "s1"):  # type: ignore[no-untyped-def]
    return new_event(
        AccountImported(account_id=account, studio_id=studio, external_client_id="x-" + account,
                        given_name="Ada", emails=[EMAIL], phone="555 0123")
    )  # fmt: skip


def matched(account: str, *found: tuple[str, str], at: datetime | None = None):  # type: ignore[no-untyped-def]
    matches = [AccountMatch(account_id=a, studio_id=s) for a, s in found]
    return new_event(
        SignupMatchedExisting(account_id=account, email=EMAIL, matches=matches),
        time=at or datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
    )


async def prove(registry, *accounts_: str) -> None:  # type: ignore[no-untyped-def]
    """identity's SignupCompleted: each account proved it owns EMAIL."""
    for account in accounts_:
        signup = SignupCompleted(account_id=account, username="u-" + account, email=EMAIL)
        await accounts.note_verified_email(registry, new_event(signup))


def types(units) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.type for e in units.state.published]


async def offered(registry, units, account: str, *found: tuple[str, str]) -> list[str]:  # type: ignore[no-untyped-def]
    for old, studio in found:
        await records.file_client_records(registry, [imported(old, studio)])
    await proposals.propose_merges(registry, matched(account, *found))
    return [p.proposal_id for p in units.state.proposals.values() if p.account_id == account]


async def test_a_record_is_filed_once_however_often_its_event_arrives(registry, units):
    event = imported("old")
    for _ in range(2):
        await records.file_client_records(registry, [event])
    await records.file_client_records(registry, [imported("old")])  # same facts, new event id

    assert list(units.state.records) == [client_record_id("s1", "old")]
    assert types(units) == ["ClientRecordCreated"]


async def test_a_match_offers_each_studio_record_once(registry, units):
    ids = await offered(registry, units, "new", ("old-1", "s1"), ("old-2", "s2"))
    await proposals.propose_merges(registry, matched("new", ("new", "s9")))  # its own: no offer

    assert len(ids) == 2
    assert types(units).count("MergeProposed") == 2


async def test_proving_the_address_again_renews_the_open_proposal(registry, units):
    [first] = await offered(registry, units, "new", ("old", "s1"))
    later = datetime(2026, 12, 10, tzinfo=UTC)
    await proposals.propose_merges(registry, matched("new", ("old", "s1"), at=later))

    [proposal] = units.state.proposals.values()
    assert proposal.proposal_id == first
    assert proposal.expires_at == later + timedelta(days=30)


async def test_confirming_merges_the_record_and_withdraws_other_offers(registry, units):
    [mine] = await offered(registry, units, "new", ("old", "s1"))
    await proposals.propose_merges(registry, matched("rival", ("old", "s1")))
    await prove(registry, "new", "rival")

    merge = await merges.confirm_proposal(registry, ConfirmProposal("new", mine))
    again = await merges.confirm_proposal(registry, ConfirmProposal("new", mine))

    assert again == merge
    record = units.state.records[client_record_id("s1", "old")]
    assert (record.account_id, record.original_account_id) == ("new", "old")
    assert types(units).count("ClientsMerged") == 1
    [rejection] = [e for e in units.state.published if e.type == "MergeRejected"]
    assert (rejection.payload.account_id, rejection.payload.reason) == (
        "rival", "record_merged_elsewhere"
    )  # fmt: skip
    [rival] = [p for p in units.state.proposals.values() if p.account_id == "rival"]
    with pytest.raises(ProposalClosed):
        await merges.confirm_proposal(registry, ConfirmProposal("rival", rival.proposal_id))


async def test_signup_completed_proves_the_address_for_a_later_confirmation(registry, units):
    [proposal] = await offered(registry, units, "new", ("old", "s1"))
    with pytest.raises(OwnershipNotProven):
        await merges.confirm_proposal(registry, ConfirmProposal("new", proposal))
    assert "ClientsMerged" not in types(units)

    await prove(registry, "new")
    await merges.confirm_proposal(registry, ConfirmProposal("new", proposal))
    assert "ClientsMerged" in types(units)


async def test_a_signup_that_proved_another_address_proves_nothing(registry, units):
    [proposal] = await offered(registry, units, "new", ("old", "s1"))
    other = SignupCompleted(account_id="new", username="ada", email="someone@else.io")
    await accounts.note_verified_email(registry, new_event(other))

    with pytest.raises(OwnershipNotProven):
        await merges.confirm_proposal(registry, ConfirmProposal("new", proposal))


async def test_someone_elses_proposal_is_not_found(registry, units):
    [proposal] = await offered(registry, units, "new", ("old", "s1"))
    await prove(registry, "other")
    with pytest.raises(ProposalNotFound):
        await merges.confirm_proposal(registry, ConfirmProposal("other", proposal))
    with pytest.raises(ProposalNotFound):
        await proposals.decline_proposal(registry, DeclineProposal("other", proposal))


async def test_expired_proposals_cannot_be_confirmed_and_are_swept(registry, units, clock):
    [proposal] = await offered(registry, units, "new", ("old", "s1"))
    await prove(registry, "new")
    assert await proposals.expire_due_proposals(registry) == 0

    clock.advance(days=31)
    with pytest.raises(ProposalExpired):
        await merges.confirm_proposal(registry, ConfirmProposal("new", proposal))
    assert await proposals.proposal_previews(registry, "new") == []
    assert await proposals.expire_due_proposals(registry) == 1
    assert units.state.proposals[proposal].status == "expired"
    assert types(units)[-1] == "MergeProposalExpired"


async def test_declining_keeps_the_record_separate(registry, units):
    [proposal] = await offered(registry, units, "new", ("old", "s1"))
    await prove(registry, "new")
    await proposals.decline_proposal(registry, DeclineProposal("new", proposal))
    await proposals.decline_proposal(registry, DeclineProposal("new", proposal))

    assert types(units).count("MergeRejected") == 1
    with pytest.raises(ProposalClosed):
        await merges.confirm_proposal(registry, ConfirmProposal("new", proposal))
    await proposals.propose_merges(registry, matched("new", ("old", "s1")))
    assert len(units.state.proposals) == 1  # a declined record is not offered again


async def test_clients_show_their_access_state(registry, units):
    [proposal] = await offered(registry, units, "new", ("merged", "s1"))
    await records.file_client_records(registry, [imported("active")])
    await records.file_client_records(registry, [imported("never")])
    await accounts.note_first_login(registry, new_event(FirstLogin(account_id="active")))
    await prove(registry, "new")
    await merges.confirm_proposal(registry, ConfirmProposal("new", proposal))

    found = await records.find_clients(registry, FindClients("s1", None, None, None, 50))
    by_account = {c.record.original_account_id: c.access_state for c in found}
    assert by_account == {"merged": "merged", "active": "active", "never": "never_logged_in"}
    merged_only = await records.find_clients(registry, FindClients("s1", None, "merged", None, 50))
    assert [c.record.original_account_id for c in merged_only] == ["merged"]
    assert await records.find_clients(registry, FindClients("s2", None, None, None, 50)) == []


async def test_tokens_issued_before_a_revocation_are_refused(registry, clock):
    revoked = SessionsRevoked(account_id="a", reason="admin", revoked_before=clock())
    await accounts.note_sessions_revoked(registry, new_event(revoked))

    assert await accounts.token_revoked(registry, "a", clock() - timedelta(seconds=1))
    assert not await accounts.token_revoked(registry, "a", clock() + timedelta(seconds=1))
    assert not await accounts.token_revoked(registry, "b", clock() - timedelta(days=1))
