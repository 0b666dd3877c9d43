-- Group-based license allocation.

-- The role a group grants its members; their own role counts when it is higher. Never Owner.
ALTER TABLE groups ADD COLUMN role TEXT CHECK (role IN ('admin', 'member', 'billing_manager'));

-- "Allocate to User": the member's direct allocation overrides the group rules; with no
-- direct allocation the member can acquire no license at all.
ALTER TABLE memberships ADD COLUMN allocate_to_user INTEGER NOT NULL DEFAULT 0;

-- Inherited licenses the member's product has acquired. Each holds a named seat until it is
-- released, the member leaves the groups that grant it, or they are removed.
CREATE TABLE held_licenses (
    membership_id INTEGER NOT NULL REFERENCES memberships(id),
    product_id    INTEGER NOT NULL REFERENCES products(id),
    acquired_at   INTEGER NOT NULL,
    PRIMARY KEY (membership_id, product_id)
);
CREATE INDEX held_licenses_by_product ON held_licenses(product_id);
CREATE INDEX group_members_by_member ON group_members(membership_id);
