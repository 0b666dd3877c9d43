//! The outbox: mails queued by the changes that send them, claimed by one server at a time
//! for delivery, then marked sent (their body emptied) or discarded.

use allot_core::InvitationId;

use crate::db::{Conn, Db, insert_all, query, query_as};

/// A mail to queue; an invitation's carries its id, and its link is made as it goes out.
pub struct QueuedMail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub invitation_id: Option<InvitationId>,
}

/// A mail a server claimed to send.
#[derive(sqlx::FromRow)]
pub struct ClaimedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub invitation_id: Option<InvitationId>,
}

/// Queues the mails as of `now`, in the caller's transaction.
pub async fn queue(conn: &mut Conn, mails: &[QueuedMail<'_>], now: i64) -> Result<(), sqlx::Error> {
    insert_all(
        conn,
        "INSERT INTO outbox (recipient, subject, body, invitation_id, created_at)",
        mails,
        super::ROWS_PER_INSERT,
        |values, mail| {
            values
                .push_bind(mail.recipient)
                .push_bind(mail.subject)
                .push_bind(mail.body)
                .push_bind(mail.invitation_id)
                .push_bind(now);
        },
    )
    .await
}

/// Claims the oldest mail that is due until `claimed_until`, in one statement, so that two
/// servers never both send it. Mails tried `max_attempts` times are left alone.
pub async fn claim(
    db: &Db,
    now: i64,
    claimed_until: i64,
    max_attempts: i64,
) -> Result<Option<ClaimedMail>, sqlx::Error> {
    query_as(
        "UPDATE outbox SET claimed_until = ?1, attempts = attempts + 1
         WHERE id = (SELECT id FROM outbox
                     WHERE sent_at IS NULL AND discarded_at IS NULL AND attempts < ?2
                       AND (claimed_until IS NULL OR claimed_until <= ?3)
                     ORDER BY id LIMIT 1)
         RETURNING id, recipient, subject, body, attempts, invitation_id",
    )
    .bind(claimed_until)
    .bind(max_attempts)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Sent: its body is no longer kept.
pub async fn mark_sent(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    query("UPDATE outbox SET sent_at = ?, last_error = NULL, body = '' WHERE id = ?")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Not to be sent (its invitation is no longer pending): its body is no longer kept.
pub async fn discard(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    query("UPDATE outbox SET discarded_at = ?, body = '' WHERE id = ?")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Not delivered: why, and no new try before `retry_at`.
pub async fn mark_failed(db: &Db, id: i64, error: &str, retry_at: i64) -> Result<(), sqlx::Error> {
    query("UPDATE outbox SET last_error = ?, claimed_until = ? WHERE id = ?")
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
