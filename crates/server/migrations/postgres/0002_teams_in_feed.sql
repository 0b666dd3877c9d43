-- Teams in the change feed: a change to a team or its members marks 'teams' (entity 0: views
-- of the teams reload), so that every admin's console shows it live.

CREATE TRIGGER teams_dirty AFTER INSERT OR UPDATE OR DELETE ON teams FOR EACH ROW
    EXECUTE FUNCTION note_change('id', 'org_id', 'teams');

CREATE TRIGGER team_members_dirty AFTER INSERT OR UPDATE OR DELETE ON team_members FOR EACH ROW
    EXECUTE FUNCTION note_change('team_id', 'teams', 'teams');
