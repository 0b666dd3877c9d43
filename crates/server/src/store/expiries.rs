//! What time alone changes: invitations, offline licenses and pools reaching their expiry,
//! and online sessions going without heartbeats for too long. Each is noted once: an expiry
//! in its row's `expiry_noted`, a session by ending it when it timed out.
//!
//! The conditions repeat the partial indexes' (migration `expiries`) word for word, with the
//! encodings written in, so that SQLite uses them: what was noted is never read again.

use allot_core::{
    ActivationId, ActivationMode, InvitationId, InvitationStatus, MemberId, OrgId, PoolId,
    ProductId, licensing::SESSION_TIMEOUT_SECS,
};

use crate::db::{Conn, Db, query_as, query_scalar};

fn pending_invitation_due() -> String {
    format!(
        "status = '{}' AND expiry_noted IS DISTINCT FROM expires_at AND expires_at <= ?1",
        InvitationStatus::Pending.as_str()
    )
}

const POOL_DUE: &str = "expiry_noted IS DISTINCT FROM expires_at AND expires_at <= ?1";

fn offline_license_due() -> String {
    format!(
        "mode = '{}' AND ended_at IS NULL AND expiry_noted IS DISTINCT FROM expires_at
         AND expires_at <= ?1",
        ActivationMode::Offline.as_str()
    )
}

/// `?2` is the session timeout.
fn session_due() -> String {
    format!(
        "mode = '{}' AND ended_at IS NULL AND last_heartbeat_at <= ?1 - ?2",
        ActivationMode::Online.as_str()
    )
}

/// The organizations with something due at `now` and not yet noted, by id.
pub async fn due_organizations(db: &Db, now: i64) -> Result<Vec<OrgId>, sqlx::Error> {
    query_scalar(&format!(
        "SELECT org_id FROM invitations WHERE {}
         UNION SELECT org_id FROM license_pools WHERE {POOL_DUE}
         UNION SELECT org_id FROM activations WHERE {}
         UNION SELECT org_id FROM activations WHERE {}
         ORDER BY org_id",
        pending_invitation_due(),
        offline_license_due(),
        session_due(),
    ))
    .bind(now)
    .bind(SESSION_TIMEOUT_SECS)
    .fetch_all(db)
    .await
}

/// An invitation that expired: its id and address.
pub type ExpiredInvitation = (InvitationId, String);

/// Notes the organization's pending invitations that expired by `now`, by id.
pub async fn note_invitations(
    conn: &mut Conn,
    org_id: OrgId,
    now: i64,
) -> Result<Vec<ExpiredInvitation>, sqlx::Error> {
    let mut noted: Vec<ExpiredInvitation> = query_as(&format!(
        "UPDATE invitations SET expiry_noted = expires_at
         WHERE org_id = ?2 AND {} RETURNING id, email",
        pending_invitation_due()
    ))
    .bind(now)
    .bind(org_id)
    .fetch_all(conn)
    .await?;
    noted.sort_unstable();
    Ok(noted)
}

/// A pool that expired: its id, product and seats.
pub type ExpiredPool = (PoolId, ProductId, i64);

/// Notes the organization's pools that expired by `now`, by id.
pub async fn note_pools(
    conn: &mut Conn,
    org_id: OrgId,
    now: i64,
) -> Result<Vec<ExpiredPool>, sqlx::Error> {
    let mut noted: Vec<ExpiredPool> = query_as(&format!(
        "UPDATE license_pools SET expiry_noted = expires_at
         WHERE org_id = ?2 AND {POOL_DUE} RETURNING id, product_id, seats"
    ))
    .bind(now)
    .bind(org_id)
    .fetch_all(conn)
    .await?;
    noted.sort_unstable();
    Ok(noted)
}

/// An activation that time ended: its id, member, product and machine.
pub type EndedActivation = (ActivationId, MemberId, ProductId, String);

/// Notes the organization's offline licenses that expired by `now`, by id. They stay listed
/// (an admin removes them), but hold no seat any more.
pub async fn note_offline_licenses(
    conn: &mut Conn,
    org_id: OrgId,
    now: i64,
) -> Result<Vec<EndedActivation>, sqlx::Error> {
    let mut noted: Vec<EndedActivation> = query_as(&format!(
        "UPDATE activations SET expiry_noted = expires_at
         WHERE org_id = ?2 AND {} RETURNING id, membership_id, product_id, machine_id",
        offline_license_due()
    ))
    .bind(now)
    .bind(org_id)
    .fetch_all(conn)
    .await?;
    noted.sort_unstable();
    Ok(noted)
}

/// Ends the organization's online sessions that went without a heartbeat for the session
/// timeout by `now`, as of when they timed out (their product's next heartbeat would have
/// been refused from then on); by id.
pub async fn end_timed_out_sessions(
    conn: &mut Conn,
    org_id: OrgId,
    now: i64,
) -> Result<Vec<EndedActivation>, sqlx::Error> {
    let mut ended: Vec<EndedActivation> = query_as(&format!(
        "UPDATE activations SET ended_at = last_heartbeat_at + ?2
         WHERE org_id = ?3 AND {} RETURNING id, membership_id, product_id, machine_id",
        session_due()
    ))
    .bind(now)
    .bind(SESSION_TIMEOUT_SECS)
    .bind(org_id)
    .fetch_all(conn)
    .await?;
    ended.sort_unstable();
    Ok(ended)
}

/// Counts what expired by `now` as noted without an event: for data that starts a database
/// (the demo), whose past no console has seen happen.
pub async fn note_past_as_history(conn: &mut Conn, now: i64) -> Result<(), sqlx::Error> {
    for table in ["invitations", "license_pools", "activations"] {
        crate::db::query(&format!(
            "UPDATE {table} SET expiry_noted = expires_at WHERE expires_at <= ?"
        ))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
