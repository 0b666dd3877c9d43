-- SMTP delivery of the outbox: a mail is claimed by one server for a while, sent, and marked;
-- a failure is recorded and retried later.
ALTER TABLE outbox ADD COLUMN sent_at INTEGER;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at IS NULL;
