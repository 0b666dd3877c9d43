//! The store layer: one module per aggregate, owning the SQL of its tables. Stores take a
//! connection (usually a write transaction's), and know nothing of HTTP or of who asks.

pub mod accounts;
pub mod activations;
pub mod allocation_errors;
pub mod allocations;
pub mod audit;
pub mod changes;
pub mod expiries;
pub mod export;
pub mod groups;
pub mod invitations;
pub mod memberships;
pub mod organizations;
pub mod outbox;
pub mod pools;
pub mod products;
pub mod seats;
pub mod sessions;
pub mod snapshot;
pub mod teams;
pub mod throttle;
pub mod usage;

use std::collections::HashMap;

use allot_core::MemberId;

use crate::db::{Conn, Record, query_as};

/// Rows per multi-row INSERT: within SQLite's 32,766 bound values at ten columns, and
/// PostgreSQL's 65,535.
pub const ROWS_PER_INSERT: usize = 1000;

/// What `sql` selects for `members` as `(membership_id, value)` rows, as each member's values
/// in the rows' order. `sql` takes the members as its one parameter, an [`id_list`].
pub async fn by_member<V>(
    conn: &mut Conn,
    sql: &str,
    members: &[MemberId],
) -> Result<HashMap<MemberId, Vec<V>>, sqlx::Error>
where
    (MemberId, V): Record,
{
    let pairs: Vec<(MemberId, V)> = query_as(sql).bind(id_list(members)).fetch_all(conn).await?;
    let mut grouped: HashMap<MemberId, Vec<V>> = HashMap::new();
    for (member, value) in pairs {
        grouped.entry(member).or_default().push(value);
    }
    Ok(grouped)
}

/// `ids` as a JSON array, for `json_each(?)`: one statement for a whole batch, on both
/// databases.
pub fn id_list<Id: serde::Serialize>(ids: &[Id]) -> String {
    serde_json::to_string(ids).expect("ids serialize as numbers")
}
