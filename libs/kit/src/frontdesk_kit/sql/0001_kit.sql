-- The kit's own tables, present in every service's database.

-- Transactional outbox: one row per event, written in the same transaction as the
-- state change that caused it. `lane` spreads keys over a fixed set of lanes so
-- several relays can work at once while each key stays on one lane, in order.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    topic        text        NOT NULL,
    key          bytea       NOT NULL,
    headers      jsonb       NOT NULL,
    value        bytea       NOT NULL,
    lane         smallint    NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (lane, id) WHERE published_at IS NULL;
CREATE INDEX outbox_key ON outbox (key, id);

CREATE TABLE outbox_lanes (lane smallint PRIMARY KEY);
INSERT INTO outbox_lanes (lane) SELECT generate_series(0, 15);

-- Idempotent consumers: the id of every event a consumer group has handled,
-- written in the same transaction as the handler's effect.
CREATE TABLE handled_events (
    consumer   text        NOT NULL,
    event_id   uuid        NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
