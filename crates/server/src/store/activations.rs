//! Activations (licenses in use on machines: online sessions and offline licenses) and the
//! machines members registered.

use allot_core::{
    ActivationId, ActivationMode, MachineId, MemberId, OfflineActivation, OnlineActivation, OrgId,
    PoolId, ProductId, RegisteredMachine,
    licensing::{SESSION_TIMEOUT_SECS, Session},
};

use crate::db::{Arg, Conn, Executor, insert_all, query, query_as, query_scalar};

use super::id_list;

/// Live activations to end.
pub enum Live<'a> {
    /// One activation, by id (a session an admin removes, or one its product releases).
    Id(ActivationId),
    /// Members' online sessions of a product: a license they no longer hold.
    OfProduct {
        product: ProductId,
        members: &'a [MemberId],
    },
    /// A member's online sessions on a machine: its registration removed.
    OnMachine {
        member: MemberId,
        machine_id: &'a str,
    },
    /// These members' online sessions: removed from the organization or from their
    /// licenses.
    OfMembers(&'a [MemberId]),
}

/// Ends the live activations `which` names, as of `now`: their products' next heartbeat
/// answers that the session has ended. Offline licenses are only ended by id: the others stay
/// valid until they expire, as they cannot be reached. Answers how many ended.
pub async fn end(conn: &mut Conn, which: Live<'_>, now: i64) -> Result<u64, sqlx::Error> {
    let online = Arg::from(ActivationMode::Online);
    let (condition, args): (&str, Vec<Arg>) = match which {
        Live::Id(id) => ("id = ?", vec![id.into()]),
        Live::OfProduct { product, members } => (
            "mode = ? AND product_id = ? AND membership_id IN (SELECT value FROM json_each(?))",
            vec![online, product.into(), id_list(members).into()],
        ),
        Live::OnMachine { member, machine_id } => (
            "mode = ? AND membership_id = ? AND machine_id = ?",
            vec![online, member.into(), machine_id.into()],
        ),
        Live::OfMembers(members) => (
            "mode = ? AND membership_id IN (SELECT value FROM json_each(?))",
            vec![online, id_list(members).into()],
        ),
    };
    let sql = format!("UPDATE activations SET ended_at = ? WHERE ended_at IS NULL AND {condition}");
    Ok(query(&sql)
        .bind(now)
        .binds(args)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Forgets the members' registered machines and frees their inherited licenses' seats (the
/// rest of what removing a member, or all their licenses, does to their licensing).
pub async fn forget_machines_and_held(
    conn: &mut Conn,
    members: &[MemberId],
) -> Result<(), sqlx::Error> {
    let members = id_list(members);
    for sql in [
        "DELETE FROM machines WHERE membership_id IN (SELECT value FROM json_each(?))",
        "DELETE FROM held_licenses WHERE membership_id IN (SELECT value FROM json_each(?))",
    ] {
        query(sql).bind(&members).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A new activation: an online session, or an offline license until `expires_at`.
pub struct NewActivation<'a> {
    pub org_id: OrgId,
    pub member: MemberId,
    pub product: ProductId,
    /// The pool whose seat it takes; none when the member's allocation is the seat.
    pub pool_id: Option<PoolId>,
    pub mode: ActivationMode,
    pub machine_id: &'a str,
    pub hostname: &'a str,
    pub expires_at: Option<i64>,
}

/// Stores the activation as started at `now`; returns its id.
pub async fn insert(
    conn: &mut Conn,
    new: &NewActivation<'_>,
    now: i64,
) -> Result<ActivationId, sqlx::Error> {
    query_scalar(
        "INSERT INTO activations (org_id, membership_id, product_id, pool_id, mode,
           machine_id, hostname, started_at, last_heartbeat_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) RETURNING id",
    )
    .bind(new.org_id)
    .bind(new.member)
    .bind(new.product)
    .bind(new.pool_id)
    .bind(new.mode)
    .bind(new.machine_id)
    .bind(new.hostname)
    .bind(now)
    .bind(new.expires_at)
    .fetch_one(conn)
    .await
}

/// The member's activation of the product on the machine that still holds its license: a
/// live session, or an unexpired offline license. Its id, start and expiry.
pub async fn current(
    conn: &mut Conn,
    member: MemberId,
    product: ProductId,
    machine_id: &str,
    mode: ActivationMode,
    now: i64,
) -> Result<Option<(ActivationId, i64, Option<i64>)>, sqlx::Error> {
    let rows: Vec<(ActivationId, i64, i64, Option<i64>)> = query_as(
        "SELECT id, started_at, last_heartbeat_at, expires_at FROM activations
         WHERE membership_id = ? AND product_id = ? AND machine_id = ? AND mode = ?
           AND ended_at IS NULL ORDER BY id DESC",
    )
    .bind(member)
    .bind(product)
    .bind(machine_id)
    .bind(mode)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .find(|&(_, _, last_heartbeat_at, expires_at)| match mode {
            ActivationMode::Online => Session {
                last_heartbeat_at,
                ended_at: None,
            }
            .is_live(now, SESSION_TIMEOUT_SECS),
            ActivationMode::Offline => expires_at.is_some_and(|at| now < at),
        })
        .map(|(id, started_at, _, expires_at)| (id, started_at, expires_at)))
}

/// Activated again on the same machine: seen at `now`, under its current hostname.
pub async fn renew(
    conn: &mut Conn,
    id: ActivationId,
    hostname: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    query("UPDATE activations SET last_heartbeat_at = ?, hostname = ? WHERE id = ?")
        .bind(now)
        .bind(hostname)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps the member's online session `id` alive at `now`, unless it ended or timed out: one
/// statement, so a session that timed out cannot come back, even racing an activation that
/// counted it as ended. Returns its machine's id when it is alive.
pub async fn heartbeat(
    on: impl Executor<'_>,
    org_id: OrgId,
    member: MemberId,
    id: ActivationId,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar(
        "UPDATE activations SET last_heartbeat_at = ?1
         WHERE id = ?2 AND org_id = ?3 AND membership_id = ?4 AND mode = ?5
           AND ended_at IS NULL AND last_heartbeat_at > ?1 - ?6
         RETURNING machine_id",
    )
    .bind(now)
    .bind(id)
    .bind(org_id)
    .bind(member)
    .bind(ActivationMode::Online)
    .bind(SESSION_TIMEOUT_SECS)
    .fetch_optional(on)
    .await
}

/// Whether `id` is one of the member's online activations, live or ended.
pub async fn is_members_online(
    on: impl Executor<'_>,
    org_id: OrgId,
    member: MemberId,
    id: ActivationId,
) -> Result<bool, sqlx::Error> {
    query_scalar(
        "SELECT EXISTS (SELECT 1 FROM activations
         WHERE id = ? AND org_id = ? AND membership_id = ? AND mode = ?)",
    )
    .bind(id)
    .bind(org_id)
    .bind(member)
    .bind(ActivationMode::Online)
    .fetch_one(on)
    .await
}

/// Activation `id`'s mode, expiry and whether it ended, if it is the organization's.
pub async fn find(
    conn: &mut Conn,
    org_id: OrgId,
    id: ActivationId,
) -> Result<Option<(ActivationMode, Option<i64>, bool)>, sqlx::Error> {
    query_as(
        "SELECT mode, expires_at, ended_at IS NOT NULL FROM activations WHERE id = ? AND org_id = ?",
    )
    .bind(id)
    .bind(org_id)
    .fetch_optional(conn)
    .await
}

/// Forgets activation `id` (an expired offline license taken off the list); answers the
/// machine it was on, for the audit log to name.
pub async fn delete(conn: &mut Conn, id: ActivationId) -> Result<Option<String>, sqlx::Error> {
    query_scalar("DELETE FROM activations WHERE id = ? RETURNING machine_id")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The organization's live online sessions and unexpired-or-not offline licenses, newest
/// first.
pub async fn live(
    conn: &mut Conn,
    org_id: OrgId,
    now: i64,
) -> Result<(Vec<OnlineActivation>, Vec<OfflineActivation>), sqlx::Error> {
    type Row = (
        ActivationId,
        String,
        String,
        MemberId,
        String,
        ProductId,
        i64,
        i64,
        Option<i64>,
    );
    let rows: Vec<Row> = query_as(
        "SELECT x.id, x.machine_id, x.hostname, x.membership_id, a.full_name, x.product_id,
                x.started_at, x.last_heartbeat_at, x.expires_at
         FROM activations x
         JOIN memberships m ON m.id = x.membership_id JOIN accounts a ON a.id = m.account_id
         WHERE x.org_id = ?1 AND x.ended_at IS NULL
           AND (x.mode = ?2 OR x.last_heartbeat_at > ?3 - ?4)
         ORDER BY x.started_at DESC, x.id DESC",
    )
    .bind(org_id)
    .bind(ActivationMode::Offline)
    .bind(now)
    .bind(SESSION_TIMEOUT_SECS)
    .fetch_all(conn)
    .await?;
    let (mut online, mut offline) = (Vec::new(), Vec::new());
    for (id, machine_id, hostname, member_id, member_name, product_id, started_at, beat, expires) in
        rows
    {
        match expires {
            Some(expires_at) => offline.push(OfflineActivation {
                activation_id: id,
                machine_id,
                hostname,
                member_id,
                member_name,
                product_id,
                expires_at,
                removable: expires_at <= now,
            }),
            None => online.push(OnlineActivation {
                activation_id: id,
                machine_id,
                hostname,
                member_id,
                member_name,
                product_id,
                started_at,
                last_heartbeat_at: beat,
            }),
        }
    }
    Ok((online, offline))
}

/// Registers the machine for the member on first use, or notes it was seen again.
pub async fn register_machine(
    conn: &mut Conn,
    org_id: OrgId,
    member: MemberId,
    machine_id: &str,
    hostname: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO machines (org_id, membership_id, machine_id, hostname, registered_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (membership_id, machine_id)
         DO UPDATE SET hostname = excluded.hostname, last_seen_at = excluded.last_seen_at",
    )
    .bind(org_id)
    .bind(member)
    .bind(machine_id)
    .bind(hostname)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Notes that the member's machine was seen at `now`.
pub async fn machine_seen(
    on: impl Executor<'_>,
    member: MemberId,
    machine_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    query("UPDATE machines SET last_seen_at = ? WHERE membership_id = ? AND machine_id = ?")
        .bind(now)
        .bind(member)
        .bind(machine_id)
        .execute(on)
        .await?;
    Ok(())
}

/// Deletes the organization's registered machine `id`; returns its member and machine id.
pub async fn delete_machine(
    conn: &mut Conn,
    org_id: OrgId,
    id: MachineId,
) -> Result<Option<(MemberId, String)>, sqlx::Error> {
    query_as("DELETE FROM machines WHERE id = ? AND org_id = ? RETURNING membership_id, machine_id")
        .bind(id)
        .bind(org_id)
        .fetch_optional(conn)
        .await
}

/// The organization's registered machines, most recently seen first.
pub async fn machines(
    conn: &mut Conn,
    org_id: OrgId,
) -> Result<Vec<RegisteredMachine>, sqlx::Error> {
    let rows: Vec<(MachineId, String, String, MemberId, String, i64, i64)> = query_as(
        "SELECT x.id, x.machine_id, x.hostname, x.membership_id, a.full_name, x.registered_at,
                x.last_seen_at
         FROM machines x
         JOIN memberships m ON m.id = x.membership_id JOIN accounts a ON a.id = m.account_id
         WHERE x.org_id = ? ORDER BY x.last_seen_at DESC, x.id DESC",
    )
    .bind(org_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, machine_id, hostname, member_id, member_name, registered_at, last_seen_at)| {
                RegisteredMachine {
                    id,
                    machine_id,
                    hostname,
                    member_id,
                    member_name,
                    registered_at,
                    last_seen_at,
                }
            },
        )
        .collect())
}

/// Registers the activations' machines and stores the activations, all started at `now`:
/// many at once, for machines registered for the first time (the demo's).
pub async fn insert_many(
    conn: &mut Conn,
    activations: &[NewActivation<'_>],
    now: i64,
) -> Result<(), sqlx::Error> {
    insert_all(
        conn,
        "INSERT INTO machines (org_id, membership_id, machine_id, hostname, registered_at,
           last_seen_at)",
        activations,
        super::ROWS_PER_INSERT,
        |values, new| {
            values
                .push_bind(new.org_id)
                .push_bind(new.member)
                .push_bind(new.machine_id)
                .push_bind(new.hostname)
                .push_bind(now)
                .push_bind(now);
        },
    )
    .await?;
    insert_all(
        conn,
        "INSERT INTO activations (org_id, membership_id, product_id, pool_id, mode, machine_id,
           hostname, started_at, last_heartbeat_at, expires_at)",
        activations,
        super::ROWS_PER_INSERT,
        |values, new| {
            values
                .push_bind(new.org_id)
                .push_bind(new.member)
                .push_bind(new.product)
                .push_bind(new.pool_id)
                .push_bind(new.mode)
                .push_bind(new.machine_id)
                .push_bind(new.hostname)
                .push_bind(now)
                .push_bind(now)
                .push_bind(new.expires_at);
        },
    )
    .await
}
