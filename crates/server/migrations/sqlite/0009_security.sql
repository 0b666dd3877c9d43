-- Sign-in throttling, shared by every server of a deployment. One row per key: a client
-- ('client:<ip>'), an address from one client ('pair:<email> <ip>') or an address from
-- anywhere ('account:<email>'). `attempts` counts attempts since `window_start` (taken before
-- the password is checked, refunded when it was right); past a key's free attempts each
-- further one waits until `blocked_until`, which doubles every time.
CREATE TABLE sign_in_throttle (
    key           TEXT    PRIMARY KEY,
    attempts      INTEGER NOT NULL,
    window_start  INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX sign_in_throttle_window ON sign_in_throttle (window_start);

-- Mails no longer hold activation links: an invitation's mail keeps a placeholder and the
-- invitation's id, and the link is made when the mail is sent. Sent bodies are emptied.
ALTER TABLE outbox ADD COLUMN invitation_id INTEGER REFERENCES invitations(id);
-- Not sent, on purpose: the invitation was accepted, revoked or replaced first.
ALTER TABLE outbox ADD COLUMN discarded_at INTEGER;
UPDATE outbox SET body = '' WHERE sent_at IS NOT NULL;
-- Unsent mails written before this held their link in plain text: they are dropped (their
-- invitations can be resent).
UPDATE outbox SET body = '', discarded_at = CAST(strftime('%s', 'now') AS INTEGER),
       last_error = 'dropped at upgrade: it held an activation link in plain text; resend the invitation'
 WHERE sent_at IS NULL AND body LIKE '%/join/%';
DROP INDEX outbox_unsent;
CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_at IS NULL AND discarded_at IS NULL;
