-- Forgot-password and signup requests that were answered and whose work (look the
-- address up, create the account or the link, queue the email) is not done yet. The
-- work deletes its row in the transaction that does it, so a request is carried out
-- once; a row left by a crash is carried out by a later round. A signup's password is
-- kept only as its argon2 hash, as in accounts.
CREATE TABLE deferred_requests (
    id           uuid        PRIMARY KEY,
    kind         text        NOT NULL,
    request      jsonb       NOT NULL,
    received_at  timestamptz NOT NULL
);

CREATE INDEX deferred_requests_by_age ON deferred_requests (received_at);
