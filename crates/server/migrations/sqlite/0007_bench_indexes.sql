-- Indexes for large organizations (found by `cargo xtask bench` at 100,000 members).

-- The members snapshot reads an organization's memberships in id order: without this it
-- sorts them all in a temporary B-tree.
CREATE INDEX memberships_by_org ON memberships(org_id, id);
-- Counting Owners left (every Remove Users and Change Role) and other status filters read
-- only the matching memberships instead of all of the organization's.
CREATE INDEX memberships_by_org_status ON memberships(org_id, status, role);
-- The snapshot's direct licenses, read by organization and in member order: a covering index
-- instead of a scan of every organization's allocations and a sort.
CREATE INDEX direct_allocations_by_org ON direct_allocations(org_id, membership_id, product_id);
-- Seats used per product (checked by every change that takes seats, and shown in License
-- Management) count a product's allocations: by product, not by scanning them all.
CREATE INDEX direct_allocations_by_product ON direct_allocations(product_id, membership_id);
