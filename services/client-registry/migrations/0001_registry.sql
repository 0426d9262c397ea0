-- client-registry's tables: studios' client records, accounts as far as the registry
-- needs them, merge proposals and the merge history.

CREATE TABLE studios (
    studio_id  text        PRIMARY KEY,
    name       text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per studio record. `original_account_id` is the account identity filed the
-- record for; `account_id` the account it is linked to now (the survivor after a merge).
CREATE TABLE client_records (
    client_record_id    text        PRIMARY KEY,
    studio_id           text        NOT NULL,
    original_account_id text        NOT NULL,
    account_id          text        NOT NULL,
    origin              text        NOT NULL CHECK (origin IN ('import', 'admin', 'signup')),
    external_client_id  text,
    given_name          text        NOT NULL,
    family_name         text,
    emails              text[]      NOT NULL DEFAULT '{}',
    phone               text,
    created_by          text,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    merged_at           timestamptz,
    UNIQUE (studio_id, original_account_id)
);
CREATE INDEX client_records_by_studio ON client_records (studio_id, given_name, client_record_id);
CREATE INDEX client_records_by_account ON client_records (account_id);

-- What the registry knows of an account: its proven address, its first login, and
-- when its tokens were revoked (identity's SessionsRevoked).
CREATE TABLE accounts (
    account_id     text PRIMARY KEY,
    verified_email text,
    verified_at    timestamptz,
    first_login_at timestamptz,
    revoked_before timestamptz
);

CREATE TABLE merge_proposals (
    proposal_id        text        PRIMARY KEY,
    account_id         text        NOT NULL,
    email              text        NOT NULL,
    studio_id          text        NOT NULL,
    client_record_id   text        NOT NULL,
    matched_account_id text        NOT NULL,
    status             text        NOT NULL
        CHECK (status IN ('pending', 'confirmed', 'declined', 'expired', 'withdrawn')),
    reason             text,
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    decided_at         timestamptz
);
-- One open offer of a record to an account at a time: a second match renews it.
CREATE UNIQUE INDEX merge_proposals_one_pending
    ON merge_proposals (account_id, client_record_id) WHERE status = 'pending';
CREATE INDEX merge_proposals_by_account ON merge_proposals (account_id, created_at);
CREATE INDEX merge_proposals_by_record ON merge_proposals (client_record_id) WHERE status = 'pending';
CREATE INDEX merge_proposals_due ON merge_proposals (expires_at) WHERE status = 'pending';

-- The merge history: who merged which record, when, from which account and from what.
CREATE TABLE merges (
    merge_id         text        PRIMARY KEY,
    client_record_id text        NOT NULL REFERENCES client_records,
    studio_id        text        NOT NULL,
    proposal_id      text        NOT NULL,
    from_account_id  text        NOT NULL,
    to_account_id    text        NOT NULL,
    merged_by        text        NOT NULL,
    merged_by_role   text        NOT NULL CHECK (merged_by_role IN ('client', 'admin')),
    merged_at        timestamptz NOT NULL,
    record_before    jsonb       NOT NULL
);
-- The last line of defence: a record is merged into one account at most, ever. (An undo,
-- if it is ever built, would add an `undone_at` column and narrow this index to live merges.)
CREATE UNIQUE INDEX merges_one_per_record ON merges (client_record_id);
CREATE INDEX merges_by_record ON merges (client_record_id, merged_at);
