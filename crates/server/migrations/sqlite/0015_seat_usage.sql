-- Seats in use over time (see `store::usage`): a row per product per hour in which its count
-- changed, written by the change that changed it; not a row per heartbeat.
CREATE TABLE seat_usage (
    org_id     INTEGER NOT NULL REFERENCES organizations(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    hour       INTEGER NOT NULL,
    peak       INTEGER NOT NULL,
    closing    INTEGER NOT NULL,
    quota      INTEGER,
    PRIMARY KEY (product_id, hour)
) WITHOUT ROWID;
