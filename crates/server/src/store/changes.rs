//! The change feed's tables: each organization's sequence number and its change events, and
//! the marks the triggers leave of what a transaction touched (`change_dirty`; see the
//! migrations).

use allot_core::OrgId;

use crate::db::{Backend, Conn, query, query_as, query_scalar};

use super::id_list;

/// Events kept per organization; a client further behind loads a fresh snapshot.
pub const RETAINED_EVENTS: i64 = 10_000;

/// The organization's sequence number: its last change event's.
pub async fn current_seq(conn: &mut Conn, org_id: OrgId) -> Result<u64, sqlx::Error> {
    let seq: i64 = query_scalar("SELECT seq FROM organizations WHERE id = ?")
        .bind(org_id)
        .fetch_one(conn)
        .await?;
    Ok(seq as u64)
}

/// Advances the organization's sequence number; the new one.
pub async fn next_seq(conn: &mut Conn, org_id: OrgId) -> Result<i64, sqlx::Error> {
    query_scalar("UPDATE organizations SET seq = seq + 1 WHERE id = ? RETURNING seq")
        .bind(org_id)
        .fetch_one(conn)
        .await
}

/// Locks the organization's row until the transaction ends (PostgreSQL's writers take turns
/// per organization this way; see `change::begin`).
pub async fn lock_organization(conn: &mut Conn, org_id: OrgId) -> Result<(), sqlx::Error> {
    query("SELECT 1 FROM organizations WHERE id = ? FOR UPDATE")
        .bind(org_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Appends event `seq` (its JSON `body`) and forgets the events too old to keep.
pub async fn append(
    conn: &mut Conn,
    org_id: OrgId,
    seq: i64,
    body: String,
    now: i64,
) -> Result<(), sqlx::Error> {
    query("INSERT INTO change_events (org_id, seq, body, created_at) VALUES (?, ?, ?, ?)")
        .bind(org_id)
        .bind(seq)
        .bind(body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    query("DELETE FROM change_events WHERE org_id = ? AND seq <= ?")
        .bind(org_id)
        .bind(seq - RETAINED_EVENTS)
        .execute(conn)
        .await?;
    Ok(())
}

/// Up to `limit` events of the organization after `seen`, in order: (seq, JSON body).
pub async fn after(
    conn: &mut Conn,
    org_id: OrgId,
    seen: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    query_as(
        "SELECT seq, body FROM change_events WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    )
    .bind(org_id)
    .bind(seen)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// On PostgreSQL, tells every server's feeds of the organization to look once the
/// transaction commits (see `db::listen`).
pub async fn notify(conn: &mut Conn, org_id: OrgId) -> Result<(), sqlx::Error> {
    if conn.backend() == Backend::Postgres {
        query("SELECT pg_notify('allot_changes', ?)")
            .bind(org_id.to_string())
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// What kind of thing a mark says a transaction touched (the triggers write these names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// A member (its id): their row, licenses, groups or held licenses.
    Member,
    /// An invitation (its id), pending or no longer.
    Invitation,
    /// A group (its id), its rule or members.
    Group,
    /// The products' seats or their use (the product's id).
    Seats,
    /// Pools, activations or machines: License Management's lists.
    Licenses,
    /// The allocation errors.
    AllocationErrors,
    /// Teams or their members.
    Teams,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Invitation => "invitation",
            Self::Group => "group",
            Self::Seats => "seats",
            Self::Licenses => "licenses",
            Self::AllocationErrors => "allocation_errors",
            Self::Teams => "teams",
        }
    }

    fn parse(kind: &str) -> Option<Self> {
        [
            Self::Member,
            Self::Invitation,
            Self::Group,
            Self::Seats,
            Self::Licenses,
            Self::AllocationErrors,
            Self::Teams,
        ]
        .into_iter()
        .find(|known| known.as_str() == kind)
    }
}

/// What the current transaction touched, as (kind, entity id) marks.
pub async fn marks(conn: &mut Conn, org_id: OrgId) -> Result<Vec<(ChangeKind, i64)>, sqlx::Error> {
    let marks: Vec<(String, i64)> =
        query_as("SELECT kind, entity_id FROM change_dirty WHERE org_id = ?")
            .bind(org_id)
            .fetch_all(conn)
            .await?;
    marks
        .into_iter()
        .map(|(kind, id)| match ChangeKind::parse(&kind) {
            Some(kind) => Ok((kind, id)),
            None => Err(sqlx::Error::Decode(
                format!("unknown change mark kind {kind:?}").into(),
            )),
        })
        .collect()
}

/// Clears the organization's marks once its event is recorded.
pub async fn clear_marks(conn: &mut Conn, org_id: OrgId) -> Result<(), sqlx::Error> {
    query("DELETE FROM change_dirty WHERE org_id = ?")
        .bind(org_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the transaction touched anything it has not recorded yet.
pub async fn unrecorded(conn: &mut Conn) -> Result<bool, sqlx::Error> {
    query_scalar("SELECT EXISTS (SELECT 1 FROM change_dirty)")
        .fetch_one(conn)
        .await
}

/// The organizations that writes made outside the servers' write transactions touched.
pub async fn outside_marks(conn: &mut Conn) -> Result<Vec<OrgId>, sqlx::Error> {
    match conn.backend() {
        Backend::Sqlite => query_scalar("SELECT DISTINCT org_id FROM change_dirty"),
        Backend::Postgres => query_scalar("SELECT DISTINCT org_id FROM public.change_dirty"),
    }
    .fetch_all(conn)
    .await
}

/// On PostgreSQL, makes the rest of the transaction note its changes in the connection's own
/// table, and takes the organizations' outside marks into it, to record them.
pub async fn take_outside_marks(conn: &mut Conn, orgs: &[OrgId]) -> Result<(), sqlx::Error> {
    if conn.backend() != Backend::Postgres {
        return Ok(());
    }
    query("SELECT set_config('allot.writing', 'on', true)")
        .execute(&mut *conn)
        .await?;
    query(
        "WITH taken AS (DELETE FROM public.change_dirty
                        WHERE org_id IN (SELECT value FROM json_each(?)) RETURNING *)
         INSERT INTO change_dirty SELECT * FROM taken ON CONFLICT DO NOTHING",
    )
    .bind(id_list(orgs))
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets every mark, recorded or not: for data that starts a database (the demo), which no
/// change feed can have followed from before.
pub async fn clear_all_marks(conn: &mut Conn) -> Result<(), sqlx::Error> {
    // Not a server write transaction: on PostgreSQL the marks are in the shared table.
    let sql = match conn.backend() {
        Backend::Sqlite => "DELETE FROM change_dirty",
        Backend::Postgres => "DELETE FROM public.change_dirty",
    };
    query(sql).execute(conn).await?;
    Ok(())
}
