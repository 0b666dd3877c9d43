-- The change feed: every committed change of an organization is one event, numbered by the
-- organization's sequence, holding the new state of what it touched. Triggers note what a
-- transaction touches (change_dirty); `change::record` turns that into the event before the
-- transaction commits, so no code path can change state without its event.

CREATE TABLE change_events (
    org_id     INTEGER NOT NULL REFERENCES organizations(id),
    seq        INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, seq)
) WITHOUT ROWID;

-- kind: 'member' | 'invitation' | 'group' (entity_id is its id), 'seats' | 'licenses' |
-- 'allocation_errors' (entity_id 0: reload that part). 'licenses' covers who holds licenses
-- (allocations, members' status) as well as machines and activations.
CREATE TABLE change_dirty (
    org_id    INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    entity_id INTEGER NOT NULL,
    PRIMARY KEY (org_id, kind, entity_id)
) WITHOUT ROWID;

CREATE TRIGGER memberships_insert_dirty AFTER INSERT ON memberships BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'member', NEW.id),
        (NEW.org_id, 'seats', 0),
        (NEW.org_id, 'licenses', 0);
END;

CREATE TRIGGER memberships_update_dirty AFTER UPDATE OF role, status, joined_at, removed_at, removed_by, allocate_to_user ON memberships BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'member', NEW.id),
        (NEW.org_id, 'seats', 0),
        (NEW.org_id, 'licenses', 0);
END;

CREATE TRIGGER direct_allocations_insert_dirty AFTER INSERT ON direct_allocations BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'member', NEW.membership_id),
        (NEW.org_id, 'seats', 0),
        (NEW.org_id, 'licenses', 0);
END;

CREATE TRIGGER direct_allocations_delete_dirty AFTER DELETE ON direct_allocations BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (OLD.org_id, 'member', OLD.membership_id),
        (OLD.org_id, 'seats', 0),
        (OLD.org_id, 'licenses', 0);
END;

CREATE TRIGGER held_licenses_insert_dirty AFTER INSERT ON held_licenses BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM memberships WHERE id = NEW.membership_id), 'member', NEW.membership_id),
        ((SELECT org_id FROM memberships WHERE id = NEW.membership_id), 'seats', 0),
        ((SELECT org_id FROM memberships WHERE id = NEW.membership_id), 'licenses', 0);
END;

CREATE TRIGGER held_licenses_delete_dirty AFTER DELETE ON held_licenses BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM memberships WHERE id = OLD.membership_id), 'member', OLD.membership_id),
        ((SELECT org_id FROM memberships WHERE id = OLD.membership_id), 'seats', 0),
        ((SELECT org_id FROM memberships WHERE id = OLD.membership_id), 'licenses', 0);
END;

CREATE TRIGGER group_members_insert_dirty AFTER INSERT ON group_members BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM memberships WHERE id = NEW.membership_id), 'member', NEW.membership_id);
END;

CREATE TRIGGER group_members_delete_dirty AFTER DELETE ON group_members BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM memberships WHERE id = OLD.membership_id), 'member', OLD.membership_id);
END;

CREATE TRIGGER groups_insert_dirty AFTER INSERT ON groups BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'group', NEW.id);
END;

CREATE TRIGGER groups_update_dirty AFTER UPDATE ON groups BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'group', NEW.id);
END;

CREATE TRIGGER groups_delete_dirty AFTER DELETE ON groups BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (OLD.org_id, 'group', OLD.id);
END;

CREATE TRIGGER group_products_insert_dirty AFTER INSERT ON group_products BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM groups WHERE id = NEW.group_id), 'group', NEW.group_id);
END;

CREATE TRIGGER group_products_delete_dirty AFTER DELETE ON group_products BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM groups WHERE id = OLD.group_id), 'group', OLD.group_id);
END;

CREATE TRIGGER invitations_insert_dirty AFTER INSERT ON invitations BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'invitation', NEW.id),
        (NEW.org_id, 'seats', 0);
END;

CREATE TRIGGER invitations_update_dirty AFTER UPDATE OF status, role, created_at, expires_at ON invitations BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'invitation', NEW.id),
        (NEW.org_id, 'seats', 0);
END;

CREATE TRIGGER invitation_products_insert_dirty AFTER INSERT ON invitation_products BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM invitations WHERE id = NEW.invitation_id), 'invitation', NEW.invitation_id),
        ((SELECT org_id FROM invitations WHERE id = NEW.invitation_id), 'seats', 0);
END;

CREATE TRIGGER invitation_products_delete_dirty AFTER DELETE ON invitation_products BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM invitations WHERE id = OLD.invitation_id), 'invitation', OLD.invitation_id),
        ((SELECT org_id FROM invitations WHERE id = OLD.invitation_id), 'seats', 0);
END;

CREATE TRIGGER products_insert_dirty AFTER INSERT ON products BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'seats', 0);
END;

CREATE TRIGGER products_update_dirty AFTER UPDATE ON products BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'seats', 0);
END;

CREATE TRIGGER products_delete_dirty AFTER DELETE ON products BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (OLD.org_id, 'seats', 0);
END;

CREATE TRIGGER license_pools_insert_dirty AFTER INSERT ON license_pools BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'seats', 0),
        (NEW.org_id, 'licenses', 0);
END;

CREATE TRIGGER license_pools_update_dirty AFTER UPDATE ON license_pools BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'seats', 0),
        (NEW.org_id, 'licenses', 0);
END;

CREATE TRIGGER license_pools_delete_dirty AFTER DELETE ON license_pools BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (OLD.org_id, 'seats', 0),
        (OLD.org_id, 'licenses', 0);
END;

CREATE TRIGGER machines_insert_dirty AFTER INSERT ON machines BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'licenses', 0);
END;

CREATE TRIGGER machines_delete_dirty AFTER DELETE ON machines BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (OLD.org_id, 'licenses', 0);
END;

CREATE TRIGGER activations_insert_dirty AFTER INSERT ON activations BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'licenses', 0);
END;

CREATE TRIGGER activations_update_dirty AFTER UPDATE OF ended_at ON activations BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'licenses', 0);
END;

CREATE TRIGGER activations_delete_dirty AFTER DELETE ON activations BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (OLD.org_id, 'licenses', 0);
END;

CREATE TRIGGER allocation_errors_insert_dirty AFTER INSERT ON allocation_errors BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'allocation_errors', 0);
END;

CREATE TRIGGER allocation_errors_update_dirty AFTER UPDATE ON allocation_errors BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (NEW.org_id, 'allocation_errors', 0);
END;

CREATE TRIGGER allocation_errors_delete_dirty AFTER DELETE ON allocation_errors BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        (OLD.org_id, 'allocation_errors', 0);
END;
