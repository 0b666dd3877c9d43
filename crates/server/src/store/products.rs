//! Products: what an organization licenses, by name.

use allot_core::{OrgId, ProductId};

use crate::db::{Conn, Executor, query_as, query_scalar};

/// Whether `product` is one of the organization's.
pub async fn exists(
    conn: &mut Conn,
    org_id: OrgId,
    product: ProductId,
) -> Result<bool, sqlx::Error> {
    query_scalar("SELECT EXISTS (SELECT 1 FROM products WHERE id = ? AND org_id = ?)")
        .bind(product)
        .bind(org_id)
        .fetch_one(conn)
        .await
}

/// The product's name, if it is one of the organization's.
pub async fn name(
    conn: &mut Conn,
    org_id: OrgId,
    product: ProductId,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT name FROM products WHERE id = ? AND org_id = ?")
        .bind(product)
        .bind(org_id)
        .fetch_optional(conn)
        .await
}

/// The organization's products by name: id and name.
pub async fn list(conn: &mut Conn, org_id: OrgId) -> Result<Vec<(ProductId, String)>, sqlx::Error> {
    query_as("SELECT id, name FROM products WHERE org_id = ? ORDER BY name")
        .bind(org_id)
        .fetch_all(conn)
        .await
}

/// Every product (of `org_id`, when given), by organization and name: id, organization, name.
pub async fn all(
    on: impl Executor<'_>,
    org_id: Option<OrgId>,
) -> Result<Vec<(ProductId, OrgId, String)>, sqlx::Error> {
    query_as(
        "SELECT id, org_id, name FROM products WHERE ?1 IS NULL OR org_id = ?1
         ORDER BY org_id, name",
    )
    .bind(org_id)
    .fetch_all(on)
    .await
}

/// The organization's product named `name`, created if it is new.
pub async fn find_or_create(
    conn: &mut Conn,
    org_id: OrgId,
    name: &str,
) -> Result<ProductId, sqlx::Error> {
    query_scalar(
        "INSERT INTO products (org_id, name) VALUES (?, ?)
         ON CONFLICT (org_id, name) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(org_id)
    .bind(name)
    .fetch_one(conn)
    .await
}

/// The organization's product named `name`, if there is one.
pub async fn find_by_name(
    conn: &mut Conn,
    org_id: OrgId,
    name: &str,
) -> Result<Option<ProductId>, sqlx::Error> {
    query_scalar("SELECT id FROM products WHERE org_id = ? AND name = ?")
        .bind(org_id)
        .bind(name)
        .fetch_optional(conn)
        .await
}
