//! Organizations: a name, and the sequence number of their last change (see `changes`).

use allot_core::OrgId;

use crate::db::{Executor, query_scalar};

pub async fn exists(on: impl Executor<'_>, id: OrgId) -> Result<bool, sqlx::Error> {
    query_scalar("SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?)")
        .bind(id)
        .fetch_one(on)
        .await
}

pub async fn name(on: impl Executor<'_>, id: OrgId) -> Result<String, sqlx::Error> {
    query_scalar("SELECT name FROM organizations WHERE id = ?")
        .bind(id)
        .fetch_one(on)
        .await
}

/// The organization named `name`, if there is one.
pub async fn find_by_name(on: impl Executor<'_>, name: &str) -> Result<Option<OrgId>, sqlx::Error> {
    query_scalar("SELECT id FROM organizations WHERE name = ?")
        .bind(name)
        .fetch_optional(on)
        .await
}

pub async fn insert(on: impl Executor<'_>, name: &str, now: i64) -> Result<OrgId, sqlx::Error> {
    query_scalar("INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id")
        .bind(name)
        .bind(now)
        .fetch_one(on)
        .await
}

/// How many organizations there are.
pub async fn count(on: impl Executor<'_>) -> Result<i64, sqlx::Error> {
    query_scalar("SELECT COUNT(*) FROM organizations")
        .fetch_one(on)
        .await
}
