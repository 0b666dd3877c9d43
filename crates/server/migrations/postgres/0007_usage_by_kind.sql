-- Usage is kept per kind of seat: named seats (held by licensed members) and floating seats
-- (held by sessions and offline licenses) are counted against their own quotas.
ALTER TABLE seat_usage ADD COLUMN kind TEXT NOT NULL DEFAULT 'named'
    CHECK (kind IN ('named', 'floating'));
ALTER TABLE seat_usage ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE seat_usage DROP CONSTRAINT seat_usage_pkey;
ALTER TABLE seat_usage ADD PRIMARY KEY (product_id, kind, hour);
