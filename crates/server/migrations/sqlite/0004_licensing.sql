-- Machines that licensed products registered, and the licenses in use on them.

-- Registered on a member's first activation from the machine.
CREATE TABLE machines (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    membership_id INTEGER NOT NULL REFERENCES memberships(id),
    machine_id    TEXT    NOT NULL,
    hostname      TEXT    NOT NULL,
    registered_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    UNIQUE (membership_id, machine_id)
);
CREATE INDEX machines_by_org ON machines(org_id);

-- A license in use on a machine. The machine's id and name are copied rather than referenced:
-- an offline license outlives the machine's registration. Online: live while ended_at is NULL
-- and the last heartbeat is recent. Offline: holds its pool's seat until expires_at.
CREATE TABLE activations (
    id                INTEGER PRIMARY KEY,
    org_id            INTEGER NOT NULL REFERENCES organizations(id),
    membership_id     INTEGER NOT NULL REFERENCES memberships(id),
    product_id        INTEGER NOT NULL REFERENCES products(id),
    -- The pool whose seat it holds; NULL for online use of a named pool (the allocation is
    -- the seat).
    pool_id           INTEGER REFERENCES license_pools(id),
    mode              TEXT    NOT NULL CHECK (mode IN ('online', 'offline')),
    machine_id        TEXT    NOT NULL,
    hostname          TEXT    NOT NULL,
    started_at        INTEGER NOT NULL,
    last_heartbeat_at INTEGER NOT NULL,
    ended_at          INTEGER,
    expires_at        INTEGER
);
CREATE INDEX activations_by_org ON activations(org_id, mode);
CREATE INDEX activations_by_pool ON activations(pool_id);
CREATE INDEX activations_by_member ON activations(membership_id);
