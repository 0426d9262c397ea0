-- Identity's tables. Secrets never appear here: passwords are argon2id hashes, every
-- token, code and refresh token is an HMAC-SHA-256 digest.

-- An account: a studio's imported or admin-created client (no login yet), or an app
-- signup. It has a login once it has a username and a password hash.
CREATE TABLE accounts (
    id                  text PRIMARY KEY,
    origin              text        NOT NULL CHECK (origin IN ('import', 'admin', 'signup')),
    studio_id           text,
    external_client_id  text,
    given_name          text        NOT NULL,
    family_name         text,
    username            text,
    username_key        text UNIQUE,            -- lower-cased username, for look-ups
    password_hash       text,
    email_verified_at   timestamptz,            -- signups: when the address was proven
    first_login_at      timestamptz,
    last_login_at       timestamptz,
    merged_into         text REFERENCES accounts (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (studio_id, external_client_id)
);

-- Known addresses of an account, preferred first. `email_key` is lower-cased.
CREATE TABLE account_emails (
    account_id  text        NOT NULL REFERENCES accounts (id),
    email       text        NOT NULL,
    email_key   text        NOT NULL,
    position    integer     NOT NULL,
    PRIMARY KEY (account_id, email_key)
);
CREATE INDEX account_emails_by_key ON account_emails (email_key);

-- One-time link tokens (create login, password reset, email verification).
CREATE TABLE one_time_tokens (
    id              uuid PRIMARY KEY,          -- the id of the event that carried it
    account_id      text        NOT NULL REFERENCES accounts (id),
    purpose         text        NOT NULL
                    CHECK (purpose IN ('create_login', 'password_reset', 'email_verification')),
    token_digest    bytea       NOT NULL UNIQUE,
    code_digest     bytea,
    code_attempts   integer     NOT NULL DEFAULT 0,
    email           text        NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    ended_at        timestamptz,               -- superseded, password changed, merged away
    ended_because   text CHECK (ended_because IN ('superseded', 'password_changed', 'merged'))
);
CREATE INDEX one_time_tokens_live ON one_time_tokens (account_id, purpose)
    WHERE used_at IS NULL AND ended_at IS NULL;

-- Sessions and their rotating refresh tokens.
CREATE TABLE sessions (
    id          uuid PRIMARY KEY,
    account_id  text        NOT NULL REFERENCES accounts (id),
    created_at  timestamptz NOT NULL,
    ended_at    timestamptz
);
CREATE INDEX sessions_by_account ON sessions (account_id) WHERE ended_at IS NULL;

CREATE TABLE refresh_tokens (
    token_digest bytea PRIMARY KEY,
    session_id   uuid        NOT NULL REFERENCES sessions (id),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);

-- Rate-limit state: one row per counted act (an email sent, a failed login).
CREATE TABLE rate_events (
    kind   text        NOT NULL,
    scope  text        NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_events_window ON rate_events (kind, scope, at);

-- Every admin action, with who did it.
CREATE TABLE admin_audit (
    id          bigserial PRIMARY KEY,
    admin_id    text        NOT NULL,
    action      text        NOT NULL,
    studio_id   text        NOT NULL,
    account_id  text,
    outcome     text        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);

-- What notifications reported about the emails sent to each account.
CREATE TABLE email_deliveries (
    message_id  text PRIMARY KEY,
    account_id  text        NOT NULL,
    recipient   text        NOT NULL,
    kind        text        NOT NULL,
    state       text        NOT NULL,
    detail      text,
    at          timestamptz NOT NULL
);
CREATE INDEX email_deliveries_by_account ON email_deliveries (account_id, at DESC);
