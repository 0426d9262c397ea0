"""Shared fixtures: a key pair, and one sample payload per registered event type.

Every secret in a sample is sealed from a plaintext that starts with ``PLAINTEXT-``, so
tests can look for it anywhere an event is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from frontdesk_contracts import (
    AccountCreatedByAdmin,
    AccountImported,
    AccountMatch,
    AccountsMerged,
    ClientImported,
    ClientRecordCreated,
    ClientsImportedBatch,
    ClientsMerged,
    CreateLoginLinkRequested,
    EmailFailed,
    EmailSent,
    EmailSuppressed,
    EmailVerificationRequested,
    EventPayload,
    FirstLogin,
    ImportedClient,
    KeyPair,
    KeyRing,
    LoginCreated,
    LoginReadyEmailRequested,
    MergeCandidate,
    MergeProposalExpired,
    MergeProposed,
    MergeRejected,
    PasswordChanged,
    PasswordResetRequested,
    SealedSecret,
    SessionsRevoked,
    SignupAttemptedForExistingLogin,
    SignupCompleted,
    SignupMatchedExisting,
    WelcomeEmailRequested,
    generate_key_pair,
    seal,
    uuid7,
)

PLAINTEXT_PREFIX = "PLAINTEXT-"
KEY_ID = "notifications-2026-01"
LATER = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

Sealer = Callable[[str], SealedSecret]
SampleFactory = Callable[[Sealer], EventPayload]


def _email_facts() -> dict[str, object]:
    return {
        "message_id": "msg-1",
        "account_id": "acc-1",
        "recipient": "ada@example.com",
        "kind": "password_reset",
        "cause_event_id": uuid7(),
        "cause_event_type": "PasswordResetRequested",
    }


SAMPLES: dict[type[EventPayload], SampleFactory] = {
    AccountImported: lambda s: AccountImported(
        account_id="acc-1",
        studio_id="studio-1",
        external_client_id="ext-1",
        given_name="Ada",
        family_name="Lovelace",
        emails=["ada@example.com", "ada@work.example.org"],
        phone="+44 20 7946 0000",
    ),
    AccountCreatedByAdmin: lambda s: AccountCreatedByAdmin(
        account_id="acc-1",
        studio_id="studio-1",
        studio_name="Pilates Üst",
        admin_id="admin-1",
        email="ada@example.com",
        given_name="Ada",
        create_login_token=s("create-login"),
        expires_at=LATER,
    ),
    LoginReadyEmailRequested: lambda s: LoginReadyEmailRequested(
        account_id="acc-1",
        studio_id="studio-1",
        studio_name="Pilates",
        admin_id="admin-1",
        email="ada@example.com",
        given_name="Ada",
        username="ada",
        sign_in_page="https://id.example.com/links/sign-in",
        reset_request_page="https://id.example.com/links/reset-password/new",
    ),
    WelcomeEmailRequested: lambda s: WelcomeEmailRequested(
        account_id="acc-1",
        studio_id="studio-1",
        studio_name="Pilates",
        admin_id="admin-1",
        email="ada@example.com",
        given_name="Ada",
        create_login_token=s("welcome"),
        expires_at=LATER,
        supersedes=uuid7(),
    ),
    CreateLoginLinkRequested: lambda s: CreateLoginLinkRequested(
        account_id="acc-1",
        studio_id="studio-1",
        email="ada@example.com",
        given_name="Ada",
        create_login_token=s("create-login-again"),
        expires_at=LATER,
        supersedes=uuid7(),
        link_page="https://id.example.com/links/create-login",
    ),
    LoginCreated: lambda s: LoginCreated(
        account_id="acc-1", studio_id="studio-1", username="ada", email="ada@example.com"
    ),
    EmailVerificationRequested: lambda s: EmailVerificationRequested(
        account_id="acc-1",
        email="ada@example.com",
        purpose="signup",
        link_token=s("verify-link"),
        code=s("123456"),
        expires_at=LATER,
    ),
    SignupCompleted: lambda s: SignupCompleted(
        account_id="acc-2", username="ada", email="ada@example.com"
    ),
    SignupMatchedExisting: lambda s: SignupMatchedExisting(
        account_id="acc-2",
        email="ada@example.com",
        matches=[AccountMatch(account_id="acc-1", studio_id="studio-1")],
    ),
    SignupAttemptedForExistingLogin: lambda s: SignupAttemptedForExistingLogin(
        account_id="acc-1", email="ada@example.com"
    ),
    PasswordResetRequested: lambda s: PasswordResetRequested(
        account_id="acc-1",
        email="ada@example.com",
        requested_by="admin",
        admin_id="admin-1",
        studio_id="studio-1",
        reset_token=s("reset"),
        expires_at=LATER,
    ),
    PasswordChanged: lambda s: PasswordChanged(
        account_id="acc-1", email="ada@example.com", via="reset_link"
    ),
    FirstLogin: lambda s: FirstLogin(account_id="acc-1"),
    AccountsMerged: lambda s: AccountsMerged(
        account_id="acc-2",
        merged_account_ids=["acc-1"],
        studio_id="studio-1",
        proposal_id="prop-1",
        email="ada@example.com",
    ),
    SessionsRevoked: lambda s: SessionsRevoked(
        account_id="acc-1", reason="password_changed", revoked_before=LATER
    ),
    ClientRecordCreated: lambda s: ClientRecordCreated(
        client_record_id="rec-1",
        account_id="acc-1",
        studio_id="studio-1",
        origin="import",
        external_client_id="ext-1",
        given_name="Ada",
    ),
    MergeProposed: lambda s: MergeProposed(
        proposal_id="prop-1",
        account_id="acc-2",
        email="ada@example.com",
        candidates=[
            MergeCandidate(account_id="acc-1", studio_id="studio-1", client_record_id="rec-1")
        ],
        expires_at=LATER,
    ),
    ClientsMerged: lambda s: ClientsMerged(
        proposal_id="prop-1",
        surviving_account_id="acc-2",
        merged_account_ids=["acc-1"],
        studio_id="studio-1",
        client_record_id="rec-1",
        merged_by="acc-2",
        merged_by_role="client",
    ),
    MergeRejected: lambda s: MergeRejected(
        proposal_id="prop-1", account_id="acc-2", rejected_account_ids=["acc-1"]
    ),
    MergeProposalExpired: lambda s: MergeProposalExpired(proposal_id="prop-1", account_id="acc-2"),
    EmailSent: lambda s: EmailSent.model_validate({**_email_facts(), "attempts": 1}),
    EmailFailed: lambda s: EmailFailed.model_validate(
        {**_email_facts(), "reason": "550 mailbox unavailable", "permanent": True, "attempts": 3}
    ),
    EmailSuppressed: lambda s: EmailSuppressed.model_validate(
        {**_email_facts(), "reason": "bounced", "permanent": True}
    ),
    ClientImported: lambda s: ClientImported(
        studio_id="studio-1",
        import_id="run-7",
        external_client_id="ext-1",
        given_name="Ada",
        family_name="Lovelace",
        emails=["ada@example.com"],
        imported_at=LATER - timedelta(days=1),
    ),
    ClientsImportedBatch: lambda s: ClientsImportedBatch(
        studio_id="studio-1",
        import_id="run-7",
        batch_number=1,
        clients=[
            ImportedClient(external_client_id="ext-1", given_name="Ada"),
            ImportedClient(external_client_id="ext-2", given_name="Grace", phone="555 0100"),
        ],
    ),
}


@pytest.fixture(scope="session")
def key_pair() -> KeyPair:
    """The notifications service's key pair, as producers would seal to it."""
    return generate_key_pair(KEY_ID)


@pytest.fixture(scope="session")
def key_ring(key_pair: KeyPair) -> KeyRing:
    """The notifications service's key ring."""
    return KeyRing.of(key_pair)


@pytest.fixture(scope="session")
def sealer(key_pair: KeyPair) -> Sealer:
    """Seals ``PLAINTEXT-<label>`` to the key pair."""

    def seal_label(label: str) -> SealedSecret:
        return seal(f"{PLAINTEXT_PREFIX}{label}", key_pair.public_key, key_pair.key_id)

    return seal_label


@pytest.fixture(scope="session")
def sample(sealer: Sealer) -> Callable[[type[EventPayload]], EventPayload]:
    """Build the sample payload of an event type; fails when the type has no sample."""

    def build(model: type[EventPayload]) -> EventPayload:
        factory = SAMPLES.get(model)
        if factory is None:
            pytest.fail(f"no sample for {model.event_type} v{model.event_version}: add one")
        return factory(sealer)

    return build
