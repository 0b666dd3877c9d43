-- The audit log's oldest entries, found without reading the rest (`--audit-retention-days`).
CREATE INDEX audit_events_by_time ON audit_events(created_at);
