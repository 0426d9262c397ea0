-- The outgoing-message log: one row per (event, kind of email), written in the same
-- transaction as the handled-event record. Tokens stay sealed (ciphertext only) in
-- sealed_secrets and are erased once the message reached a final status.
CREATE TABLE outgoing_messages (
    id              uuid        PRIMARY KEY,
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    correlation_id  text        NOT NULL,
    kind            text        NOT NULL,
    template        text        NOT NULL,
    account_id      text        NOT NULL,
    studio_id       text,
    recipient       text        NOT NULL,
    context         jsonb       NOT NULL,
    sealed_secrets  jsonb,
    event_time      timestamptz NOT NULL,
    expires_at      timestamptz,
    superseded_by   uuid,
    status          text        NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sent', 'failed', 'cancelled', 'suppressed')),
    status_reason   text,
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (event_id, kind)
);

CREATE INDEX outgoing_messages_due ON outgoing_messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX outgoing_messages_recipient ON outgoing_messages (lower(recipient), created_at);
CREATE INDEX outgoing_messages_account ON outgoing_messages (account_id, kind, event_time);
CREATE INDEX outgoing_messages_sent ON outgoing_messages (lower(recipient), sent_at)
    WHERE status = 'sent';

-- Addresses that failed permanently; nothing is sent to them until ops lift them.
CREATE TABLE suppressions (
    address     text        PRIMARY KEY,  -- lower-cased
    reason      text        NOT NULL,
    detail      text,
    message_id  uuid,
    created_at  timestamptz NOT NULL DEFAULT now()
);
