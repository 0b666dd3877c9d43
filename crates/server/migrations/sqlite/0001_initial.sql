-- Times are Unix seconds. Every organization-owned row carries org_id so that every query
-- can be scoped to the caller's organization.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    full_name     TEXT    NOT NULL,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);

CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    -- Bumped by every change to the organization; snapshots are stamped with it.
    seq        INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organizations(id),
    account_id     INTEGER NOT NULL REFERENCES accounts(id),
    role           TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'billing_manager')),
    status         TEXT    NOT NULL CHECK (status IN ('active', 'removed')),
    joined_at      INTEGER NOT NULL,
    removed_at     INTEGER,
    removed_by     INTEGER REFERENCES accounts(id),
    last_access_at INTEGER,
    UNIQUE (org_id, account_id)
);
CREATE INDEX memberships_by_account ON memberships(account_id);

CREATE TABLE sessions (
    token_hash   BLOB    PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions(account_id);

CREATE TABLE products (
    id     INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    name   TEXT    NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE license_pools (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    seats      INTEGER NOT NULL CHECK (seats >= 0),
    -- named: a seat per licensed member; floating: a seat per concurrent session.
    kind       TEXT    NOT NULL CHECK (kind IN ('named', 'floating')),
    usage      TEXT    NOT NULL CHECK (usage IN ('online', 'offline')),
    starts_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- A license given to a member directly.
CREATE TABLE direct_allocations (
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    membership_id INTEGER NOT NULL REFERENCES memberships(id),
    product_id    INTEGER NOT NULL REFERENCES products(id),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (membership_id, product_id)
);

CREATE TABLE teams (
    id     INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    name   TEXT    NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE team_members (
    team_id       INTEGER NOT NULL REFERENCES teams(id),
    membership_id INTEGER NOT NULL REFERENCES memberships(id),
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'member')),
    PRIMARY KEY (team_id, membership_id)
);

CREATE TABLE groups (
    id     INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    name   TEXT    NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE group_members (
    group_id      INTEGER NOT NULL REFERENCES groups(id),
    membership_id INTEGER NOT NULL REFERENCES memberships(id),
    PRIMARY KEY (group_id, membership_id)
);

-- A group's license allocation rule: the products its members inherit.
CREATE TABLE group_products (
    group_id   INTEGER NOT NULL REFERENCES groups(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    PRIMARY KEY (group_id, product_id)
);

CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organizations(id),
    email       TEXT    NOT NULL COLLATE NOCASE,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'billing_manager')),
    invited_by  INTEGER NOT NULL REFERENCES accounts(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked')),
    -- SHA-256 of the secret in the activation link; the secret itself is never stored.
    token_hash  BLOB    NOT NULL UNIQUE
);
CREATE INDEX invitations_by_org ON invitations(org_id, status);

CREATE TABLE invitation_products (
    invitation_id INTEGER NOT NULL REFERENCES invitations(id),
    product_id    INTEGER NOT NULL REFERENCES products(id),
    PRIMARY KEY (invitation_id, product_id)
);

-- Who did what to whom, written in the same transaction as the change itself.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations(id),
    actor_id   INTEGER REFERENCES accounts(id),
    action     TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX audit_events_by_org ON audit_events(org_id, id);
