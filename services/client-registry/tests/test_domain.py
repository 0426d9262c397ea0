"""The rules of records, proposals and merges, in plain Python."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from frontdesk_registry.domain.errors import (
    OwnershipNotProven,
    ProposalClosed,
    ProposalExpired,
    RecordMergedElsewhere,
    RecordNotFiledYet,
)
from frontdesk_registry.domain.proposals import (
    Proposal,
    confirm,
    decide_offer,
    merge_record,
    proposal_id,
)
from frontdesk_registry.domain.records import ClientRecord, client_record_id, mask_phone

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def a_record(**changes: object) -> ClientRecord:
    record = ClientRecord(
        client_record_id=client_record_id("studio-1", "old"), studio_id="studio-1",
        original_account_id="old", account_id="old", origin="import",
        external_client_id="crm-1", given_name="Ada", family_name="Lovelace",
        emails=("ada@example.com",), phone="+44 20 7946 0018", created_by=None,
        created_at=NOW - timedelta(days=100), updated_at=NOW - timedelta(days=100),
    )  # fmt: skip
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


def a_proposal(**changes: object) -> Proposal:
    proposal = Proposal(
        proposal_id="mp-1", account_id="new", email="Ada@Example.com", studio_id="studio-1",
        client_record_id=client_record_id("studio-1", "old"), matched_account_id="old",
        status="pending", reason=None, created_at=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=29),
    )  # fmt: skip
    return dataclasses.replace(proposal, **changes)  # type: ignore[arg-type]


def test_record_ids_are_derived_so_replays_and_early_proposals_agree():
    assert client_record_id("s", "a") == client_record_id("s", "a")
    assert client_record_id("s", "a") != client_record_id("s2", "a")
    assert proposal_id("e1", "r") != proposal_id("e2", "r")


def test_the_phone_preview_shows_only_the_last_two_digits():
    assert mask_phone("+44 20 7946 0018") == "••••••••••18"
    assert mask_phone("12") == "••"
    assert mask_phone(None) is None


def test_access_state_says_never_logged_in_active_or_merged():
    assert a_record().access_state(None) == "never_logged_in"
    assert a_record().access_state(NOW) == "active"
    assert a_record(merged_at=NOW).access_state(NOW) == "merged"


def test_a_proven_address_lets_the_account_confirm_whatever_its_case():
    a_proposal().check_confirmable(NOW, "ada@example.com")


def test_confirming_needs_proof_of_the_proposals_address():
    with pytest.raises(OwnershipNotProven):
        a_proposal().check_confirmable(NOW, None)
    with pytest.raises(OwnershipNotProven):
        a_proposal().check_confirmable(NOW, "someone@else.com")


def test_an_expired_proposal_cannot_be_confirmed_even_before_the_sweep():
    with pytest.raises(ProposalExpired):
        a_proposal(expires_at=NOW).check_confirmable(NOW, "ada@example.com")


@pytest.mark.parametrize("status", ["declined", "expired", "withdrawn"])
def test_a_closed_proposal_cannot_be_confirmed(status):
    with pytest.raises(ProposalClosed) as refused:
        a_proposal(status=status, reason="r").check_confirmable(NOW, "ada@example.com")
    assert refused.value.status == status


def test_declining_twice_changes_nothing_and_a_confirmed_one_cannot_be_declined():
    declined = a_proposal().declined(NOW)
    assert (declined.status, declined.decided_at) == ("declined", NOW)
    assert declined.declined(NOW + timedelta(hours=1)) is declined
    with pytest.raises(ProposalClosed):
        a_proposal(status="confirmed").declined(NOW)
    with pytest.raises(ProposalExpired):
        a_proposal(expires_at=NOW).declined(NOW)


def test_matches_become_new_proposals_renewals_or_nothing():
    assert decide_offer(None, pending=False, declined_before=False) == "new"
    assert decide_offer(a_record(), pending=True, declined_before=False) == "renew"
    assert decide_offer(a_record(), pending=False, declined_before=True) == "skip"
    assert decide_offer(a_record(merged_at=NOW), pending=False, declined_before=False) == "skip"


def test_a_merge_relinks_the_record_and_keeps_the_studios_fields():
    record = a_record()
    merged, history = merge_record(record, a_proposal(), "new", "client", NOW)

    assert (merged.account_id, merged.merged_at) == ("new", NOW)
    studio_fields = ("given_name", "family_name", "emails", "phone", "external_client_id")
    assert [getattr(merged, f) for f in studio_fields] == [
        getattr(record, f) for f in studio_fields
    ]
    assert (history.from_account_id, history.to_account_id, history.merged_by) == (
        "old", "new", "new"
    )  # fmt: skip
    assert history.record_before["account_id"] == "old"


def test_a_record_is_never_merged_into_a_second_account():
    merged, _ = merge_record(a_record(), a_proposal(), "new", "client", NOW)
    with pytest.raises(RecordMergedElsewhere):
        merge_record(merged, a_proposal(account_id="third"), "third", "client", NOW)
    with pytest.raises(RecordMergedElsewhere):
        merge_record(a_record(account_id="other"), a_proposal(), "new", "client", NOW)


def test_an_offer_names_the_matched_record_and_lasts_its_lifetime():
    offer = Proposal.offer("e1", "new", "ada@example.com", "studio-1", "old", NOW,
                           timedelta(days=30))  # fmt: skip
    assert offer.client_record_id == client_record_id("studio-1", "old")
    assert (offer.status, offer.expires_at) == ("pending", NOW + timedelta(days=30))
    assert offer.proposal_id == proposal_id("e1", offer.client_record_id)


def test_renewing_never_shortens_a_proposal():
    proposal = a_proposal()
    later = proposal.expires_at + timedelta(days=3)
    assert proposal.renewed(later).expires_at == later
    assert proposal.renewed(NOW).expires_at == proposal.expires_at


def test_a_confirmation_relinks_the_record_and_closes_the_proposal():
    done = confirm(a_proposal(), a_record(), "ADA@example.com", NOW)
    assert (done.record.account_id, done.merge.merged_by) == ("new", "new")
    assert (done.proposal.status, done.proposal.decided_at) == ("confirmed", NOW)


def test_a_confirmation_waits_for_the_record_and_for_the_proof():
    with pytest.raises(RecordNotFiledYet):
        confirm(a_proposal(), None, "ada@example.com", NOW)
    with pytest.raises(OwnershipNotProven):
        confirm(a_proposal(), None, None, NOW)  # no proof: refused before the record matters
    with pytest.raises(RecordMergedElsewhere):
        confirm(a_proposal(), a_record(account_id="other"), "ada@example.com", NOW)
