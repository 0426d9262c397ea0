"""The repository contract: what every store of client-registry must do, as tests.

The unit tests run it on the in-memory store (`frontdesk_testing.registry.fakes`) and
the integration tests on PostgreSQL (`adapters/repository.py`), so the fake the
use-case tests rely on behaves like the database. To run it, subclass `StoreContract`
in a test module as ``Test...`` and give it a `units` fixture.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from frontdesk_registry.domain.proposals import Proposal, merge_record
from frontdesk_registry.domain.records import ClientRecord, client_record_id
from frontdesk_registry.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def a_record(account_id: str, studio_id: str = "s1", **fields: Any) -> ClientRecord:
    """An imported record of `account_id` in `studio_id`."""
    values: dict[str, Any] = {
        "client_record_id": client_record_id(studio_id, account_id), "studio_id": studio_id,
        "original_account_id": account_id, "account_id": account_id, "origin": "import",
        "external_client_id": "crm-" + account_id, "given_name": "Ada",
        "family_name": "Lovelace", "emails": ("Ada@Example.com",), "phone": "+44 20 7946 0018",
        "created_by": None, "created_at": NOW - timedelta(days=9),
        "updated_at": NOW - timedelta(days=9),
    }  # fmt: skip
    return ClientRecord(**(values | fields))


def a_proposal(account_id: str, record: ClientRecord, **changes: Any) -> Proposal:
    """A pending proposal of `record` to `account_id`, open for 30 days from NOW."""
    proposal = Proposal.offer(
        str(uuid.uuid4()), account_id, "ada@example.com", record.studio_id,
        record.account_id, NOW, timedelta(days=30),
    )  # fmt: skip
    return dataclasses.replace(proposal, **changes)


class StoreContract:
    """The checks; subclasses provide the `units` fixture (a fresh, empty store)."""

    async def test_a_record_is_filed_once_and_read_back_whole(self, units: UnitsOfWork) -> None:
        record = a_record("old", created_by="admin-1")
        async with units.transaction() as uow:
            assert await uow.store.add_record(record)
            assert not await uow.store.add_record(record)  # a replay
        async with units.transaction() as uow:
            assert await uow.store.record(record.client_record_id, lock=True) == record
            assert await uow.store.record("cr-missing") is None

    async def test_a_record_is_found_only_in_its_studio_with_its_first_login(
        self, units: UnitsOfWork
    ) -> None:
        record = a_record("old")
        async with units.transaction() as uow:
            await uow.store.add_record(record)
            found = await uow.store.record_in_studio("s1", record.client_record_id)
            assert found is not None and found.access_state == "never_logged_in"
            await uow.store.save_first_login("old", NOW)
            await uow.store.save_first_login("old", NOW + timedelta(hours=1))  # later: ignored
            found = await uow.store.record_in_studio("s1", record.client_record_id)
            assert found is not None and (found.record, found.first_login_at) == (record, NOW)
            assert await uow.store.record_in_studio("s2", record.client_record_id) is None

    async def test_search_matches_name_or_address_filters_by_state_and_pages(
        self, units: UnitsOfWork
    ) -> None:
        records = [
            a_record("a1"), a_record("a2", given_name="Grace", family_name=None,
                                     emails=("grace@navy.mil",)),
            a_record("a3", given_name="Alan", family_name="Turing"), a_record("a4", "s2"),
        ]  # fmt: skip
        async with units.transaction() as uow:
            for record in records:
                await uow.store.add_record(record)
            await uow.store.save_first_login("a3", NOW)
            await _merge(uow, records[0], "new")
            by_text = await uow.store.search_records("s1", "NAVY", None, None, 50)
            assert [c.record.original_account_id for c in by_text] == ["a2"]
            by_name = await uow.store.search_records("s1", "ada love", None, None, 50)
            assert [c.record.original_account_id for c in by_name] == ["a1"]
            states = {
                state: [c.record.original_account_id for c in
                        await uow.store.search_records("s1", None, state, None, 50)]
                for state in ("merged", "active", "never_logged_in")
            }  # fmt: skip
            assert states == {"merged": ["a1"], "active": ["a3"], "never_logged_in": ["a2"]}
            everyone = await uow.store.search_records("s1", None, None, None, 50)
            ids = [c.record.client_record_id for c in everyone]
            assert ids == sorted(ids) and len(ids) == 3
            page = await uow.store.search_records("s1", None, None, ids[0], 1)
            assert [c.record.client_record_id for c in page] == [ids[1]]

    async def test_an_accounts_records_come_with_their_studios_names(
        self, units: UnitsOfWork
    ) -> None:
        async with units.transaction() as uow:
            for studio in ("s2", "s1", "s3"):
                await uow.store.add_record(a_record("acc", studio))
            await uow.store.add_record(a_record("someone-else"))
            await uow.store.save_studio_name("s1", "Old Name")
            await uow.store.save_studio_name("s1", "Yoga Loft")
            known = await uow.store.records_of_account("acc")
        assert [(k.record.studio_id, k.studio_name) for k in known] == [
            ("s1", "Yoga Loft"), ("s2", None), ("s3", None)
        ]  # fmt: skip

    async def test_what_identity_said_of_an_account_is_kept(self, units: UnitsOfWork) -> None:
        async with units.transaction() as uow:
            assert await uow.store.verified_email("a") is None
            assert await uow.store.revoked_before("a") is None
            await uow.store.save_verified_email("a", "old@x.io", NOW)
            await uow.store.save_verified_email("a", "new@x.io", NOW)
            await uow.store.save_revocation("a", NOW)
            await uow.store.save_revocation("a", NOW - timedelta(days=1))  # older: ignored
        async with units.transaction() as uow:
            assert await uow.store.verified_email("a") == "new@x.io"
            assert await uow.store.revoked_before("a") == NOW

    async def test_proposals_are_kept_per_account_and_status(self, units: UnitsOfWork) -> None:
        record = a_record("old")
        mine, rival = a_proposal("new", record), a_proposal("rival", record)
        async with units.transaction() as uow:
            await uow.store.add_record(record)
            await uow.store.add_proposal(mine)
            await uow.store.add_proposal(rival)
        async with units.transaction() as uow:
            rid = record.client_record_id
            assert await uow.store.proposal("new", mine.proposal_id, lock=True) == mine
            assert await uow.store.proposal("rival", mine.proposal_id) is None  # not theirs
            assert await uow.store.pending_proposal("new", rid) == mine
            assert await uow.store.other_pending_proposals(rid, mine.proposal_id) == [rival]
            assert not await uow.store.declined_before("new", rid)
            declined = mine.declined(NOW)
            await uow.store.save_proposal(declined)
            assert await uow.store.declined_before("new", rid)
            assert await uow.store.pending_proposal("new", rid) is None
            assert await uow.store.proposal("new", mine.proposal_id) == declined
            assert await uow.store.other_pending_proposals(rid, rival.proposal_id) == []

    async def test_a_record_is_offered_to_an_account_once_at_a_time(
        self, units: UnitsOfWork
    ) -> None:
        record = a_record("old")
        async with units.transaction() as uow:
            await uow.store.add_proposal(a_proposal("new", record))

        async def offer_again(uow: UnitOfWork) -> None:
            await uow.store.add_proposal(a_proposal("new", record))

        assert await _refused(units, offer_again), "a second open offer is refused"
        async with units.transaction() as uow:
            await uow.store.add_proposal(a_proposal("new", record, status="declined"))

    async def test_due_proposals_are_the_open_overdue_ones_oldest_first(
        self, units: UnitsOfWork
    ) -> None:
        record = a_record("old")
        late = a_proposal("a", record, expires_at=NOW - timedelta(hours=1))
        later = a_proposal("b", record, expires_at=NOW - timedelta(hours=2))
        open_ = a_proposal("c", record, expires_at=NOW + timedelta(hours=1))
        closed = a_proposal("d", record, expires_at=NOW - timedelta(hours=3), status="declined")
        async with units.transaction() as uow:
            for proposal in (late, later, open_, closed):
                await uow.store.add_proposal(proposal)
            assert await uow.store.due_proposals(NOW, 10) == [later, late]
            assert await uow.store.due_proposals(NOW, 1) == [later]

    async def test_previews_show_the_open_proposals_and_what_the_record_says(
        self, units: UnitsOfWork
    ) -> None:
        record, early = a_record("old", family_name=None), a_record("not-yet", "s2")
        shown = a_proposal("new", record)
        waiting = a_proposal("new", early, created_at=NOW + timedelta(seconds=1))
        expired = a_proposal("new", a_record("x"), expires_at=NOW)
        async with units.transaction() as uow:
            await uow.store.add_record(record)
            await uow.store.save_studio_name("s1", "Yoga Loft")
            for proposal in (shown, waiting, expired, a_proposal("other", record)):
                await uow.store.add_proposal(proposal)
            previews = await uow.store.proposal_previews("new", NOW)
        assert [p.proposal for p in previews] == [shown, waiting]
        assert (previews[0].studio_name, previews[0].record_name) == ("Yoga Loft", "Ada")
        assert previews[0].masked_phone == "••••••••••18"
        assert (previews[1].studio_name, previews[1].record_name, previews[1].phone) == (
            None, None, None
        )  # fmt: skip

    async def test_a_merge_relinks_the_record_once_and_is_its_history(
        self, units: UnitsOfWork
    ) -> None:
        record = a_record("old")
        async with units.transaction() as uow:
            await uow.store.add_record(record)
            proposal, merge = await _merge(uow, record, "new")
        async with units.transaction() as uow:
            relinked = await uow.store.record(record.client_record_id)
            assert relinked is not None and (relinked.account_id, relinked.merged_at) == (
                "new", NOW
            )  # fmt: skip
            assert await uow.store.merge_of_proposal(proposal.proposal_id) == merge
            assert await uow.store.merges_of(record.client_record_id) == [merge]
            assert merge.record_before["emails"] == ["Ada@Example.com"]
        assert await _refused(units, _merge, record, "third"), "a record merges at most once"
        async with units.transaction() as uow:
            assert await uow.store.merges_of(record.client_record_id) == [merge]

    async def test_a_rolled_back_transaction_leaves_nothing(self, units: UnitsOfWork) -> None:
        class Boom(Exception):
            pass

        with contextlib.suppress(Boom):
            async with units.transaction() as uow:
                await uow.store.add_record(a_record("old"))
                raise Boom
        async with units.transaction() as uow:
            assert await uow.store.record(client_record_id("s1", "old")) is None

    async def test_an_event_takes_effect_once_and_a_failed_effect_not_at_all(
        self, units: UnitsOfWork
    ) -> None:
        event_id, effects = uuid.uuid4(), []

        async def fail(uow: UnitOfWork) -> None:
            await uow.store.save_revocation("a", NOW)
            raise RuntimeError("the handler failed")

        async def note(uow: UnitOfWork) -> None:
            effects.append(event_id)
            await uow.store.save_verified_email("a", "a@x.io", NOW)

        with contextlib.suppress(RuntimeError):
            await units.once(event_id, fail)
        assert await units.once(event_id, note)  # the failure did not count as handled
        assert not await units.once(event_id, note)
        assert effects == [event_id]
        async with units.transaction() as uow:
            assert await uow.store.verified_email("a") == "a@x.io"
            assert await uow.store.revoked_before("a") is None  # the failed effect's


async def _refused(units: UnitsOfWork, write: Callable[..., Awaitable[Any]], *args: Any) -> bool:
    """Whether `write` fails in a transaction: the database refuses with a constraint's
    error, the fake with ValueError; either way nothing of it is kept."""
    try:
        async with units.transaction() as uow:
            await write(uow, *args)
    except Exception:  # noqa: BLE001 - asyncpg's UniqueViolationError or the fake's
        return True
    return False


async def _merge(uow: UnitOfWork, record: ClientRecord, into: str) -> tuple[Proposal, Any]:
    proposal = a_proposal(into, record)
    await uow.store.add_proposal(proposal)
    relinked, merge = merge_record(record, proposal, into, "client", NOW)
    await uow.store.save_record_link(relinked)
    await uow.store.add_merge(merge)
    return proposal, merge
