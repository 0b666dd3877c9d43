-- Seats in use over time (see `store::usage`): a row per product per hour in which its count
-- changed, written by the change that changed it; not a row per heartbeat.
CREATE TABLE seat_usage (
    org_id     BIGINT NOT NULL REFERENCES organizations(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    hour       BIGINT NOT NULL,
    peak       BIGINT NOT NULL,
    closing    BIGINT NOT NULL,
    quota      BIGINT,
    PRIMARY KEY (product_id, hour)
);
