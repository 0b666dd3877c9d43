//! Sending the outbox by SMTP, when the operator configures it. The outbox stays the record:
//! a server claims one unsent mail at a time for a while, sends it, and marks it sent (its
//! body emptied), or notes the failure and leaves it for a later try. Claims expire, so that
//! mails a stopped server had claimed go out from another. An invitation's link is made here,
//! as the mail goes out; a mail whose invitation is no longer pending is discarded.

use std::{sync::Arc, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};

use crate::db::{query, query_as, query_scalar};
use crate::{
    db::{Db, now},
    invitations::InvitationLinks,
    mailer,
};

/// How long a claim keeps other servers off a mail.
const CLAIM_SECS: i64 = 120;
/// Tries before a mail is left for an operator to look at (`last_error` says why).
const MAX_ATTEMPTS: i64 = 8;
/// How often the outbox is looked at.
const POLL: Duration = Duration::from_secs(2);

pub type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The transport for an SMTP URL: `smtps://user:password@host:465`, or
/// `smtp://host:587?tls=required` (see lettre's `from_url`).
pub fn transport(url: &str) -> Result<Transport, lettre::transport::smtp::Error> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build())
}

/// Delivers the outbox for as long as the server runs.
pub fn spawn(db: Db, links: Arc<InvitationLinks>, transport: Transport, from: Mailbox) {
    tokio::spawn(async move {
        loop {
            if let Err(error) = deliver_pending(&db, &links, &transport, &from).await {
                tracing::error!(%error, "reading the outbox failed");
            }
            tokio::time::sleep(POLL).await;
        }
    });
}

/// Sends every mail that is due; returns how many went out.
pub async fn deliver_pending(
    db: &Db,
    links: &InvitationLinks,
    transport: &Transport,
    from: &Mailbox,
) -> Result<usize, sqlx::Error> {
    let mut sent = 0;
    while let Some(mail) = claim(db).await? {
        let Some(body) = body(db, links, &mail).await? else {
            query("UPDATE outbox SET discarded_at = ?, body = '' WHERE id = ?")
                .bind(now())
                .bind(mail.id)
                .execute(db)
                .await?;
            continue;
        };
        let outcome = match message(from, &mail.recipient, mail.subject, body) {
            Ok(message) => transport
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => {
                query("UPDATE outbox SET sent_at = ?, last_error = NULL, body = '' WHERE id = ?")
                    .bind(now())
                    .bind(mail.id)
                    .execute(db)
                    .await?;
                sent += 1;
            }
            Err(error) => {
                let (recipient, attempts) = (&mail.recipient, mail.attempts);
                tracing::warn!(%recipient, %error, attempts, "mail not delivered; will retry");
                // Backs off: the claim itself keeps it from being tried again at once.
                let retry_at = now() + CLAIM_SECS * attempts;
                query("UPDATE outbox SET last_error = ?, claimed_until = ? WHERE id = ?")
                    .bind(error)
                    .bind(retry_at)
                    .bind(mail.id)
                    .execute(db)
                    .await?;
            }
        }
    }
    Ok(sent)
}

#[derive(sqlx::FromRow)]
struct ClaimedMail {
    id: i64,
    recipient: String,
    subject: String,
    body: String,
    attempts: i64,
    invitation_id: Option<i64>,
}

/// The body to send, with the invitation's current link; `None` when its invitation is no
/// longer pending, or has expired, so the mail would only carry a dead link.
async fn body(
    db: &Db,
    links: &InvitationLinks,
    mail: &ClaimedMail,
) -> Result<Option<String>, sqlx::Error> {
    let Some(invitation_id) = mail.invitation_id else {
        return Ok(Some(mail.body.clone()));
    };
    let nonce: Option<String> = query_scalar(
        "SELECT token_nonce FROM invitations
         WHERE id = ? AND status = 'pending' AND expires_at > ?",
    )
    .bind(invitation_id)
    .bind(now())
    .fetch_optional(db)
    .await?;
    Ok(nonce.map(|nonce| mailer::render(&mail.body, &links.link(invitation_id, &nonce))))
}

/// Claims the oldest mail that is due, atomically, so that two servers never both send it.
async fn claim(db: &Db) -> Result<Option<ClaimedMail>, sqlx::Error> {
    let now = now();
    query_as(
        "UPDATE outbox SET claimed_until = ?1, attempts = attempts + 1
         WHERE id = (SELECT id FROM outbox
                     WHERE sent_at IS NULL AND discarded_at IS NULL AND attempts < ?2
                       AND (claimed_until IS NULL OR claimed_until <= ?3)
                     ORDER BY id LIMIT 1)
         RETURNING id, recipient, subject, body, attempts, invitation_id",
    )
    .bind(now + CLAIM_SECS)
    .bind(MAX_ATTEMPTS)
    .bind(now)
    .fetch_optional(db)
    .await
}

fn message(
    from: &Mailbox,
    recipient: &str,
    subject: String,
    body: String,
) -> Result<Message, String> {
    let to: Mailbox = recipient
        .parse()
        .map_err(|e| format!("bad recipient {recipient}: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())
}
