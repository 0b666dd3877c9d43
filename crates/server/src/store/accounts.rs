//! Accounts: people who can sign in (an address, a name, a password hash), whatever
//! organizations they belong to.

use allot_core::{AccountId, OrgId};

use crate::db::{Conn, Executor, insert_all, query_as, query_scalar};

/// The account of `email`, if there is one: its id and password hash (none for accounts that
/// never set a password, such as the demo's).
pub async fn find_by_email(
    on: impl Executor<'_>,
    email: &str,
) -> Result<Option<(AccountId, Option<String>)>, sqlx::Error> {
    query_as("SELECT id, password_hash FROM accounts WHERE email = ?")
        .bind(email)
        .fetch_optional(on)
        .await
}

pub async fn exists(on: impl Executor<'_>, email: &str) -> Result<bool, sqlx::Error> {
    query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE email = ?)")
        .bind(email)
        .fetch_one(on)
        .await
}

/// The account's address and full name.
pub async fn profile(
    on: impl Executor<'_>,
    id: AccountId,
) -> Result<(String, String), sqlx::Error> {
    query_as("SELECT email, full_name FROM accounts WHERE id = ?")
        .bind(id)
        .fetch_one(on)
        .await
}

pub async fn insert(
    on: impl Executor<'_>,
    email: &str,
    full_name: &str,
    password_hash: &str,
    now: i64,
) -> Result<AccountId, sqlx::Error> {
    query_scalar(
        "INSERT INTO accounts (email, full_name, password_hash, created_at)
         VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(email)
    .bind(full_name)
    .bind(password_hash)
    .bind(now)
    .fetch_one(on)
    .await
}

/// The full name of the account sending a mail and the name of its organization.
pub async fn sender_names(
    on: impl Executor<'_>,
    account_id: AccountId,
    org_id: OrgId,
) -> Result<(String, String), sqlx::Error> {
    query_as(
        "SELECT a.full_name, o.name FROM accounts a, organizations o WHERE a.id = ? AND o.id = ?",
    )
    .bind(account_id)
    .bind(org_id)
    .fetch_one(on)
    .await
}

/// An account to write with others at once, its id chosen beforehand (see
/// `Conn::next_id`).
pub struct AccountRow {
    pub id: AccountId,
    pub email: String,
    pub full_name: String,
}

/// Writes the accounts, all with the same password hash, as created at `now`.
pub async fn insert_many(
    conn: &mut Conn,
    rows: &[AccountRow],
    password_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    insert_all(
        conn,
        "INSERT INTO accounts (id, email, full_name, password_hash, created_at)",
        rows,
        super::ROWS_PER_INSERT,
        |values, row| {
            values
                .push_bind(row.id)
                .push_bind(row.email.as_str())
                .push_bind(row.full_name.as_str())
                .push_bind(password_hash)
                .push_bind(now);
        },
    )
    .await
}
