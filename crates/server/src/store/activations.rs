//! Activations (licenses in use on machines: online sessions and offline licenses) and the
//! machines members registered.

use allot_core::{ActivationMode, MemberId, ProductId};

use crate::db::{Arg, Conn, query};

use super::id_list;

/// Live activations to end.
pub enum Live<'a> {
    /// One activation, by id (a session an admin removes, or one its product releases).
    Id(i64),
    /// A member's online sessions of a product: a license they no longer hold.
    OfProduct {
        member: MemberId,
        product: ProductId,
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
        Live::OfProduct { member, product } => (
            "mode = ? AND membership_id = ? AND product_id = ?",
            vec![online, member.into(), product.into()],
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
