-- Usage is kept per kind of seat: named seats (held by licensed members) and floating seats
-- (held by sessions and offline licenses) are counted against their own quotas.
CREATE TABLE seat_usage_by_kind (
    org_id     INTEGER NOT NULL REFERENCES organizations(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    kind       TEXT    NOT NULL CHECK (kind IN ('named', 'floating')),
    hour       INTEGER NOT NULL,
    peak       INTEGER NOT NULL,
    closing    INTEGER NOT NULL,
    quota      INTEGER,
    PRIMARY KEY (product_id, kind, hour)
) WITHOUT ROWID;
INSERT INTO seat_usage_by_kind (org_id, product_id, kind, hour, peak, closing, quota)
    SELECT org_id, product_id, 'named', hour, peak, closing, quota FROM seat_usage;
DROP TABLE seat_usage;
ALTER TABLE seat_usage_by_kind RENAME TO seat_usage;
