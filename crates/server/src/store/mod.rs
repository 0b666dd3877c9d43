//! The store layer: one module per aggregate, owning the SQL of its tables. Stores take a
//! connection (usually a write transaction's), and know nothing of HTTP or of who asks.
//!
//! Moving the server's SQL here is under way (#12): `activations`, `allocation_errors`, `changes`, `memberships`,
//! `sessions` and `teams` have moved;
//! the rest of the SQL still lives beside its handlers.

pub mod activations;
pub mod allocation_errors;
pub mod changes;
pub mod memberships;
pub mod sessions;
pub mod teams;

/// `ids` as a JSON array, for `json_each(?)`: one statement for a whole batch, on both
/// databases.
pub fn id_list(ids: &[i64]) -> String {
    serde_json::Value::from(ids).to_string()
}
