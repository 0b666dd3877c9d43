-- An invitation's link token is HMAC(server secret, id and this nonce): never stored, yet
-- shown again by "Copy link". token_hash stays the lookup key. A resend draws a new nonce,
-- which ends the old link. Invitations made before this migration have no nonce; a resend
-- gives them one.
ALTER TABLE invitations ADD COLUMN token_nonce TEXT NOT NULL DEFAULT '';

-- One pending invitation per address and organization: a new one replaces an expired one.
CREATE UNIQUE INDEX invitations_pending_email ON invitations(org_id, email)
    WHERE status = 'pending';

-- Every email the server sends, written in the transaction of the change that sends it.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    recipient  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
