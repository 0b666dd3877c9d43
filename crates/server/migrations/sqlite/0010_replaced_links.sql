-- Links that Resend replaced, so that opening an old one says it was replaced (and by what)
-- instead of "not valid". Only their hashes, like the current links'.
CREATE TABLE replaced_invitation_links (
    token_hash    BLOB    PRIMARY KEY,
    invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    replaced_at   INTEGER NOT NULL
) WITHOUT ROWID;
