-- Changes that time alone makes become change events (see `expiry.rs`). `expiry_noted` holds
-- the expiry a server has turned into its event (NULL: none yet): each is noted once, by one
-- server, and a new expiry (a resent invitation, a pool's new end) is noted in its turn. An
-- online session that goes without heartbeats is ended (`ended_at`) instead.
ALTER TABLE invitations ADD COLUMN expiry_noted BIGINT;
ALTER TABLE license_pools ADD COLUMN expiry_noted BIGINT;
ALTER TABLE activations ADD COLUMN expiry_noted BIGINT;

-- What expired before this migration is history, not news.
UPDATE invitations SET expiry_noted = expires_at
 WHERE expires_at <= extract(epoch FROM now())::BIGINT;
UPDATE license_pools SET expiry_noted = expires_at
 WHERE expires_at <= extract(epoch FROM now())::BIGINT;
UPDATE activations SET expiry_noted = expires_at
 WHERE expires_at <= extract(epoch FROM now())::BIGINT;

-- What is due and not yet noted, found without reading what was.
CREATE INDEX invitations_expiring ON invitations(expires_at)
    WHERE status = 'pending' AND expiry_noted IS DISTINCT FROM expires_at;
CREATE INDEX license_pools_expiring ON license_pools(expires_at)
    WHERE expiry_noted IS DISTINCT FROM expires_at;
CREATE INDEX activations_offline_expiring ON activations(expires_at)
    WHERE mode = 'offline' AND ended_at IS NULL AND expiry_noted IS DISTINCT FROM expires_at;
CREATE INDEX activations_online_live ON activations(last_heartbeat_at)
    WHERE mode = 'online' AND ended_at IS NULL;

CREATE TRIGGER invitations_expiry_dirty AFTER UPDATE OF expiry_noted ON invitations
    FOR EACH ROW EXECUTE FUNCTION note_change('id', 'org_id', 'invitation', 'seats');

CREATE TRIGGER activations_expiry_dirty AFTER UPDATE OF expiry_noted ON activations
    FOR EACH ROW EXECUTE FUNCTION note_change('id', 'org_id', 'licenses');
