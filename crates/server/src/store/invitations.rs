//! Invitations: who was invited, with what role and products, their links (a nonce and the
//! token's hash; made by `crate::links::issue_token`), and the links Resend replaced.

use allot_core::{AccountId, InvitationId, InvitationStatus, OrgId, ProductId, Role};

use crate::db::{Conn, Db, insert_all, query, query_as, query_scalar};

/// An invitation as the Pending Invitations tab's actions need it.
#[derive(sqlx::FromRow)]
pub struct StoredInvitation {
    pub status: InvitationStatus,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
    pub token_nonce: String,
}

/// The invitation behind a link, with what accepting it needs.
#[derive(sqlx::FromRow)]
pub struct LinkedInvitation {
    pub id: InvitationId,
    pub org_id: OrgId,
    pub organization: String,
    pub inviter_id: AccountId,
    pub invited_by: String,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    pub expires_at: i64,
}

/// A new pending invitation.
pub struct NewInvitation<'a> {
    pub org_id: OrgId,
    pub email: &'a str,
    pub role: Role,
    pub invited_by: AccountId,
    pub created_at: i64,
    pub expires_at: i64,
    /// Until the link is issued (its token needs the id): a random placeholder hash.
    pub placeholder_hash: Vec<u8>,
}

/// Invitation `id` of `org_id`, whatever its status.
pub async fn find(
    conn: &mut Conn,
    org_id: OrgId,
    id: InvitationId,
) -> Result<Option<StoredInvitation>, sqlx::Error> {
    query_as(
        "SELECT status, email, role, expires_at, token_nonce FROM invitations
         WHERE id = ? AND org_id = ?",
    )
    .bind(id)
    .bind(org_id)
    .fetch_optional(conn)
    .await
}

/// The pending invitation (expired or not) of `email` to `org_id`: its id and expiry.
pub async fn pending_for(
    conn: &mut Conn,
    org_id: OrgId,
    email: &str,
) -> Result<Option<(InvitationId, i64)>, sqlx::Error> {
    query_as("SELECT id, expires_at FROM invitations WHERE org_id = ? AND email = ? AND status = ?")
        .bind(org_id)
        .bind(email)
        .bind(InvitationStatus::Pending)
        .fetch_optional(conn)
        .await
}

/// Stores a pending invitation promising `products`; returns its id.
pub async fn insert(
    conn: &mut Conn,
    new: NewInvitation<'_>,
    products: &[ProductId],
) -> Result<InvitationId, sqlx::Error> {
    let id: InvitationId = query_scalar(
        "INSERT INTO invitations
           (org_id, email, role, invited_by, created_at, expires_at, status, token_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.org_id)
    .bind(new.email)
    .bind(new.role)
    .bind(new.invited_by)
    .bind(new.created_at)
    .bind(new.expires_at)
    .bind(InvitationStatus::Pending)
    .bind(new.placeholder_hash)
    .fetch_one(&mut *conn)
    .await?;
    insert_all(
        conn,
        "INSERT INTO invitation_products (invitation_id, product_id)",
        products,
        super::ROWS_PER_INSERT,
        |values, product_id| {
            values.push_bind(id).push_bind(*product_id);
        },
    )
    .await?;
    Ok(id)
}

/// The products invitation `id` promises.
pub async fn products(conn: &mut Conn, id: InvitationId) -> Result<Vec<ProductId>, sqlx::Error> {
    query_scalar("SELECT product_id FROM invitation_products WHERE invitation_id = ?")
        .bind(id)
        .fetch_all(conn)
        .await
}

pub async fn set_status(
    conn: &mut Conn,
    id: InvitationId,
    status: InvitationStatus,
) -> Result<(), sqlx::Error> {
    query("UPDATE invitations SET status = ? WHERE id = ?")
        .bind(status)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sent again: a new expiry, and whoever resent it vouches for its role from now on.
pub async fn renew(
    conn: &mut Conn,
    id: InvitationId,
    expires_at: i64,
    invited_by: AccountId,
) -> Result<(), sqlx::Error> {
    query("UPDATE invitations SET expires_at = ?, invited_by = ? WHERE id = ?")
        .bind(expires_at)
        .bind(invited_by)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives invitation `id` a new link (`nonce`, and the token's hash); the link it replaces, if
/// it had one, is remembered as replaced at `now`.
pub async fn set_link(
    conn: &mut Conn,
    id: InvitationId,
    nonce: &str,
    token_hash: &[u8],
    now: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO replaced_invitation_links (token_hash, invitation_id, replaced_at)
         SELECT token_hash, id, ? FROM invitations WHERE id = ? AND token_nonce <> ''
         ON CONFLICT DO NOTHING",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    query("UPDATE invitations SET token_nonce = ?, token_hash = ? WHERE id = ?")
        .bind(nonce)
        .bind(token_hash)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The invitation whose current link hashes to `token_hash`.
pub async fn linked(
    conn: &mut Conn,
    token_hash: &[u8],
) -> Result<Option<LinkedInvitation>, sqlx::Error> {
    query_as(
        "SELECT i.id, i.org_id, o.name AS organization, i.invited_by AS inviter_id,
                a.full_name AS invited_by, i.email, i.role, i.status, i.expires_at
         FROM invitations i
         JOIN organizations o ON o.id = i.org_id
         JOIN accounts a ON a.id = i.invited_by
         WHERE i.token_hash = ?",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// A link Resend replaced: the invitation's address, its organization's name, and when.
pub async fn replaced_link(
    conn: &mut Conn,
    token_hash: &[u8],
) -> Result<Option<(String, String, i64)>, sqlx::Error> {
    query_as(
        "SELECT i.email, o.name, r.replaced_at FROM replaced_invitation_links r
         JOIN invitations i ON i.id = r.invitation_id
         JOIN organizations o ON o.id = i.org_id
         WHERE r.token_hash = ?",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// The nonce of invitation `id`'s current link, while it is pending and unexpired at `now`.
pub async fn live_nonce(
    db: &Db,
    id: InvitationId,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar(
        "SELECT token_nonce FROM invitations WHERE id = ? AND status = ? AND expires_at > ?",
    )
    .bind(id)
    .bind(InvitationStatus::Pending)
    .bind(now)
    .fetch_optional(db)
    .await
}
