-- Teams in the change feed: a change to a team or its members marks 'teams' (entity_id 0:
-- views of the teams reload), so that every admin's console shows it live.

CREATE TRIGGER teams_insert_dirty AFTER INSERT ON teams BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES (NEW.org_id, 'teams', 0);
END;

CREATE TRIGGER teams_update_dirty AFTER UPDATE ON teams BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES (NEW.org_id, 'teams', 0);
END;

CREATE TRIGGER teams_delete_dirty AFTER DELETE ON teams BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES (OLD.org_id, 'teams', 0);
END;

CREATE TRIGGER team_members_insert_dirty AFTER INSERT ON team_members BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM teams WHERE id = NEW.team_id), 'teams', 0);
END;

CREATE TRIGGER team_members_update_dirty AFTER UPDATE ON team_members BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM teams WHERE id = NEW.team_id), 'teams', 0);
END;

CREATE TRIGGER team_members_delete_dirty AFTER DELETE ON team_members BEGIN
    INSERT OR IGNORE INTO change_dirty (org_id, kind, entity_id) VALUES
        ((SELECT org_id FROM teams WHERE id = OLD.team_id), 'teams', 0);
END;
