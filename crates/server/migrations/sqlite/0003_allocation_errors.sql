-- Licenses a member should have had but could not get (no seat was free), kept until an
-- admin retries or dismisses them, so that such failures are seen rather than lost.
CREATE TABLE allocation_errors (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    membership_id INTEGER NOT NULL REFERENCES memberships(id),
    product_id    INTEGER NOT NULL REFERENCES products(id),
    reason        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (membership_id, product_id)
);
CREATE INDEX allocation_errors_by_org ON allocation_errors(org_id);
