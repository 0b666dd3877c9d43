//! Changes that time alone makes: an invitation expiring, an online session timing out
//! without heartbeats, an offline license or a pool expiring. A task of every server turns
//! each into its organization's change event, with an audit entry by the system (no actor),
//! so that open consoles show it live.
//!
//! Exactly once, with one server or several: an organization's expiries are noted inside its
//! write transaction (its lock, or SQLite's single writer), by statements that only touch
//! what is still unnoted, so a second server finds nothing left and records nothing.

use std::time::Duration;

use allot_core::{
    OrgId,
    audit::{
        AuditDetail, Ended, EndedActivation, ExpiredPool, InvitationRef, Invitations, PoolsExpired,
    },
};

use crate::{
    AppState, change,
    db::{Db, now},
    store::expiries,
};

/// How often a server looks for what came due: the delay before a console sees it.
const POLL: Duration = Duration::from_secs(1);

/// Notes what comes due, for as long as the server runs.
pub fn spawn(state: &AppState) {
    let (db, changes) = (state.db.clone(), state.changes.clone());
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(POLL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match note_due(&db).await {
                Ok(0) => {}
                // This server's change feeds look for the new events at once (other servers'
                // hear of them from the database).
                Ok(_) => changes.send_modify(|count| *count = count.wrapping_add(1)),
                Err(error) => tracing::error!(%error, "noting expiries failed"),
            }
        }
    });
}

/// Turns everything due by now into change events, organization by organization; returns
/// how many events it recorded.
pub async fn note_due(db: &Db) -> Result<usize, sqlx::Error> {
    let now = now();
    let mut recorded = 0;
    for org_id in expiries::due_organizations(db, now).await? {
        recorded += note_organization(db, org_id, now).await?;
    }
    Ok(recorded)
}

/// One event per kind of expiry the organization has due, in one transaction.
async fn note_organization(db: &Db, org_id: OrgId, now: i64) -> Result<usize, sqlx::Error> {
    let mut tx = change::begin(db, org_id).await?;
    let mut recorded = 0;
    let invitations = expiries::note_invitations(&mut tx, org_id, now).await?;
    if !invitations.is_empty() {
        let invitations = (invitations.into_iter())
            .map(|(id, email)| InvitationRef { id, email })
            .collect();
        let detail = AuditDetail::InvitationExpired(Invitations { invitations });
        tx.record(None, detail).await?;
        recorded += 1;
    }
    let sessions = expiries::end_timed_out_sessions(&mut tx, org_id, now).await?;
    if !sessions.is_empty() {
        let detail = AuditDetail::SessionTimedOut(ended(sessions));
        tx.record(None, detail).await?;
        recorded += 1;
    }
    let offline = expiries::note_offline_licenses(&mut tx, org_id, now).await?;
    if !offline.is_empty() {
        let detail = AuditDetail::OfflineLicenseExpired(ended(offline));
        tx.record(None, detail).await?;
        recorded += 1;
    }
    let pools = expiries::note_pools(&mut tx, org_id, now).await?;
    if !pools.is_empty() {
        let pools = (pools.into_iter())
            .map(|(id, product, seats)| ExpiredPool { id, product, seats })
            .collect();
        let detail = AuditDetail::PoolExpired(PoolsExpired { pools });
        tx.record(None, detail).await?;
        recorded += 1;
    }
    // Committed even with nothing left to note: `begin` may have recorded others' writes.
    tx.commit().await?;
    Ok(recorded)
}

fn ended(ended: Vec<expiries::EndedActivation>) -> Ended {
    let activations = (ended.into_iter())
        .map(|(id, member, product, machine_id)| EndedActivation {
            id,
            member,
            product,
            machine_id,
        })
        .collect();
    Ended { activations }
}
