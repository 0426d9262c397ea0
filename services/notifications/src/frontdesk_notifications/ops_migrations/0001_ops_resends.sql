-- Who asked for an email to be sent again, and why (ops' resend), one row per resend.
-- A separate migration component ("notifications-ops") so it never collides with the
-- service's own numbering.
CREATE TABLE ops_resends (
    message_id  uuid        PRIMARY KEY,   -- the new outgoing message
    original_id uuid        NOT NULL,
    operator    text        NOT NULL,
    reason      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ops_resends_original ON ops_resends (original_id);
