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

use crate::{
    db::{Db, now},
    links::InvitationLinks,
    mailer,
    store::{
        invitations,
        outbox::{self, ClaimedMail},
    },
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
    loop {
        let at = now();
        let Some(mail) = outbox::claim(db, at, at + CLAIM_SECS, MAX_ATTEMPTS).await? else {
            break;
        };
        let Some(body) = body(db, links, &mail).await? else {
            outbox::discard(db, mail.id, now()).await?;
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
                outbox::mark_sent(db, mail.id, now()).await?;
                sent += 1;
            }
            Err(error) => {
                let (recipient, attempts) = (&mail.recipient, mail.attempts);
                tracing::warn!(%recipient, %error, attempts, "mail not delivered; will retry");
                // Backs off: the claim itself keeps it from being tried again at once.
                let retry_at = now() + CLAIM_SECS * attempts;
                outbox::mark_failed(db, mail.id, &error, retry_at).await?;
            }
        }
    }
    Ok(sent)
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
    let nonce = invitations::live_nonce(db, invitation_id, now()).await?;
    Ok(nonce.map(|nonce| mailer::render(&mail.body, &links.link(invitation_id, &nonce))))
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
