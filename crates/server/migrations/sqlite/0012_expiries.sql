-- Changes that time alone makes become change events (see `expiry.rs`). `expiry_noted` holds
-- the expiry a server has turned into its event (NULL: none yet): each is noted once, by one
-- server, and a new expiry (a resent invitation, a pool's new end) is noted in its turn. An
-- online session that goes without heartbeats is ended (`ended_at`) instead.
ALTER TABLE invitations ADD COLUMN expiry_noted INTEGER;
ALTER TABLE license_pools ADD COLUMN expiry_noted INTEGER;
ALTER TABLE activations ADD COLUMN expiry_noted INTEGER;

-- What expired before this migration is history, not news.
UPDATE invitations SET expiry_noted = expires_at
 WHERE expires_at <= CAST(strftime('%s', 'now') AS INTEGER);
UPDATE license_pools SET expiry_noted = expires_at
 WHERE expires_at <= CAST(strftime('%s', 'now') AS INTEGER);
UPDATE activations SET expiry_noted = expires_at
 WHERE expires_at <= CAST(strftime('%s', 'now') AS INTEGER);

-- What is due and not yet noted, found without reading what was. The queries repeat these
-- conditions word for word, so that SQLite uses the indexes.
CREATE INDEX invitations_expiring ON invitations(expires_at)
    WHERE status = 'pending' AND expiry_noted IS DISTINCT FROM expires_at;
CREATE INDEX license_pools_expiring ON license_pools(expires_at)
    WHERE expiry_noted IS DISTINCT FROM expires_at;
CREATE INDEX activations_offline_expiring ON activations(expires_at)
    WHERE mode = 'offline' AND ended_at IS NULL AND expiry_noted IS DISTINCT FROM expires_at;
CREATE INDEX activations_online_live ON activations(last_heartbeat_at)
    WHERE mode = 'online' AND ended_at IS NULL;

CREATE TRIGGER invitations_expiry_dirty AFTER UPDATE OF expiry_noted ON invitations BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'invitation', NEW.id),
        (NEW.org_id, 'seats', 0);
END;

CREATE TRIGGER activations_expiry_dirty AFTER UPDATE OF expiry_noted ON activations BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'licenses', 0);
END;
