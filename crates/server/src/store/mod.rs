//! The store layer: one module per aggregate, owning the SQL of its tables. Stores take a
//! connection (usually a write transaction's), and know nothing of HTTP or of who asks.
//!
//! Moving the server's SQL here is under way (#12): `activations`, `allocation_errors`, `changes`, `memberships`,
//! `sessions` and `teams` have moved;
//! the rest of the SQL still lives beside its handlers.

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

/// Rows per multi-row INSERT: within SQLite's 32,766 bound values at ten columns, and
/// PostgreSQL's 65,535.
pub const ROWS_PER_INSERT: usize = 1000;

/// `(key, value)` rows as each key's values, in the rows' order.
pub fn group_pairs<K: std::hash::Hash + Eq, V>(
    pairs: Vec<(K, V)>,
) -> std::collections::HashMap<K, Vec<V>> {
    let mut grouped: std::collections::HashMap<K, Vec<V>> = Default::default();
    for (key, value) in pairs {
        grouped.entry(key).or_default().push(value);
    }
    grouped
}

/// `ids` as a JSON array, for `json_each(?)`: one statement for a whole batch, on both
/// databases.
pub fn id_list<Id: serde::Serialize>(ids: &[Id]) -> String {
    serde_json::to_string(ids).expect("ids serialize as numbers")
}
