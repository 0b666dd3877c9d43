//! Teams: named subsets of an organization's members, with a role per team.

use std::collections::HashMap;

use allot_core::{MemberId, MemberStatus, OrgId, Team, TeamId, TeamMember, TeamRole};

use crate::db::{Conn, query, query_as, query_scalar};

/// The organization's teams by name (or only team `only`), each with its active members:
/// removed members' places are kept for an Undo but not shown.
pub async fn load(
    conn: &mut Conn,
    org_id: OrgId,
    only: Option<TeamId>,
) -> Result<Vec<Team>, sqlx::Error> {
    let teams: Vec<(TeamId, String)> = query_as(
        "SELECT id, name FROM teams WHERE org_id = ?1 AND (?2 IS NULL OR id = ?2)
         ORDER BY name COLLATE NOCASE, id",
    )
    .bind(org_id)
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    let rows: Vec<(TeamId, MemberId, TeamRole)> = query_as(
        "SELECT tm.team_id, tm.membership_id, tm.role
         FROM team_members tm
         JOIN teams t ON t.id = tm.team_id
         JOIN memberships m ON m.id = tm.membership_id
         WHERE t.org_id = ?1 AND (?2 IS NULL OR t.id = ?2) AND m.status = ?3
         ORDER BY tm.membership_id",
    )
    .bind(org_id)
    .bind(only)
    .bind(MemberStatus::Active)
    .fetch_all(&mut *conn)
    .await?;
    let mut members: HashMap<TeamId, Vec<TeamMember>> = HashMap::new();
    for (team_id, member_id, role) in rows {
        members
            .entry(team_id)
            .or_default()
            .push(TeamMember { member_id, role });
    }
    Ok(teams
        .into_iter()
        .map(|(id, name)| Team {
            id,
            name,
            members: members.remove(&id).unwrap_or_default(),
        })
        .collect())
}

/// The names of the organization's teams, but for team `except`.
pub async fn names(
    conn: &mut Conn,
    org_id: OrgId,
    except: Option<TeamId>,
) -> Result<Vec<String>, sqlx::Error> {
    query_scalar("SELECT name FROM teams WHERE org_id = ? AND id IS DISTINCT FROM ?")
        .bind(org_id)
        .bind(except)
        .fetch_all(conn)
        .await
}

pub async fn create(conn: &mut Conn, org_id: OrgId, name: &str) -> Result<TeamId, sqlx::Error> {
    query_scalar("INSERT INTO teams (org_id, name) VALUES (?, ?) RETURNING id")
        .bind(org_id)
        .bind(name)
        .fetch_one(conn)
        .await
}

pub async fn rename(conn: &mut Conn, id: TeamId, name: &str) -> Result<(), sqlx::Error> {
    query("UPDATE teams SET name = ? WHERE id = ?")
        .bind(name)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the team and its members' places in it.
pub async fn delete(conn: &mut Conn, id: TeamId) -> Result<(), sqlx::Error> {
    for sql in [
        "DELETE FROM team_members WHERE team_id = ?",
        "DELETE FROM teams WHERE id = ?",
    ] {
        query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Puts the member in the team with `role`; whether that changed anything.
pub async fn set_member(
    conn: &mut Conn,
    id: TeamId,
    member: MemberId,
    role: TeamRole,
) -> Result<bool, sqlx::Error> {
    let changed = query(
        "INSERT INTO team_members (team_id, membership_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (team_id, membership_id) DO UPDATE SET role = ?3
         WHERE team_members.role <> ?3",
    )
    .bind(id)
    .bind(member)
    .bind(role)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Takes the member out of the team; whether they were in it.
pub async fn remove_member(
    conn: &mut Conn,
    id: TeamId,
    member: MemberId,
) -> Result<bool, sqlx::Error> {
    let removed = query("DELETE FROM team_members WHERE team_id = ? AND membership_id = ?")
        .bind(id)
        .bind(member)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(removed > 0)
}

/// Takes `members` out of every team; returns the names of the teams each left, by name.
pub async fn leave_all(
    conn: &mut Conn,
    members: &[MemberId],
) -> Result<HashMap<MemberId, Vec<String>>, sqlx::Error> {
    let ids = super::id_list(members);
    let rows: Vec<(MemberId, String)> = query_as(
        "SELECT tm.membership_id, t.name FROM team_members tm
         JOIN teams t ON t.id = tm.team_id
         WHERE tm.membership_id IN (SELECT value FROM json_each(?))
         ORDER BY tm.membership_id, t.name",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    query("DELETE FROM team_members WHERE membership_id IN (SELECT value FROM json_each(?))")
        .bind(&ids)
        .execute(conn)
        .await?;
    let mut left: HashMap<MemberId, Vec<String>> = HashMap::new();
    for (member, team) in rows {
        left.entry(member).or_default().push(team);
    }
    Ok(left)
}
