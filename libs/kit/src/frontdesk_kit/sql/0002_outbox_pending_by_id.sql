-- The relay reads pending rows of its lanes in id order. An index of only the pending
-- rows, by id, lets it do so without walking past rows published long ago.
CREATE INDEX outbox_pending_by_id ON outbox (id) WHERE published_at IS NULL;
-- Pruning published rows older than the retention finds them by publication time.
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
