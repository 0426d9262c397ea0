-- Pruning a consumer's handled events older than the retention finds them by when they
-- were handled (handled_at, set by 0001 to now() on insert), one consumer at a time.
-- Built inside the migration's transaction: a ledger that grew for a long time blocks
-- inserts for the seconds the build takes, once.
CREATE INDEX handled_events_handled_at ON handled_events (consumer, handled_at);
