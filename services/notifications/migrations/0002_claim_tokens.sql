-- Which claim holds a queued message: every claim writes a fresh token, so a holder can
-- tell (when it renews its short lease, before each send and when it records the
-- outcome) whether the message is still its own or was claimed by another instance
-- after the lease lapsed.
ALTER TABLE outgoing_messages ADD COLUMN claim_token uuid;
