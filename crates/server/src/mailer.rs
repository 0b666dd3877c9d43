//! Email. Every message goes into the `outbox` table in the transaction of the change that
//! sends it, so a mail exists exactly when its change is committed, and is logged once it is.
//! With `--smtp-url`, `delivery` sends the outbox by SMTP.
//!
//! An activation link is never stored or logged: an invitation's mail keeps a placeholder and
//! the invitation's id, and `delivery` makes the link from the server secret as it sends the
//! mail. `--dev-log-links` is the explicit way for a demo operator to read links in the log.

use allot_core::{InvitationId, Role};

use crate::db::Conn;
use crate::store::outbox::{self, QueuedMail};
use crate::{db::now, links::InvitationLinks};

/// Stands where an invitation mail's activation link goes, until the mail is sent.
pub const LINK_PLACEHOLDER: &str = "{activation_link}";

pub struct Mail {
    /// A validated address.
    pub to: String,
    pub subject: String,
    /// Plain text, with [`LINK_PLACEHOLDER`] for an invitation's link.
    pub body: String,
    /// The invitation whose link the body needs.
    pub invitation_id: Option<InvitationId>,
    /// The link as issued with the mail, for `--dev-log-links` only: never stored.
    link: Option<String>,
}

impl Mail {
    /// The invitation to join an organization, with a placeholder for its activation link.
    pub fn invitation(
        to: &str,
        inviter: &str,
        organization: &str,
        role: Role,
        invitation_id: InvitationId,
        link: String,
    ) -> Self {
        let (inviter, organization) = (one_line(inviter), one_line(organization));
        Mail {
            to: to.to_owned(),
            subject: format!("{inviter} invited you to join {organization} on Allot"),
            body: format!(
                "{inviter} invited you to join {organization} on Allot as {}. Open this link \
                 within 24 hours to accept: {LINK_PLACEHOLDER}\n",
                role.label()
            ),
            invitation_id: Some(invitation_id),
            link: Some(link),
        }
    }
}

/// The body as sent: the placeholder replaced by the link.
pub fn render(body: &str, link: &str) -> String {
    body.replace(LINK_PLACEHOLDER, link)
}

/// `text` as one line of plain text: control characters (line breaks among them) and the
/// invisible characters that reorder text become spaces, and runs of spaces one space. A name
/// people chose can then neither add lines or headers to a mail nor disguise its link.
pub fn one_line(text: &str) -> String {
    let breaks = |c: char| c.is_whitespace() || c.is_control() || reorders_text(c);
    text.split(breaks)
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Unicode's bidirectional formatting characters ("Trojan Source").
fn reorders_text(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Queues mails inside the transaction of the change that sends them.
pub async fn queue(conn: &mut Conn, mails: &[Mail]) -> Result<(), sqlx::Error> {
    let queued: Vec<QueuedMail> = mails
        .iter()
        .map(|mail| QueuedMail {
            recipient: &mail.to,
            subject: &mail.subject,
            body: &mail.body,
            invitation_id: mail.invitation_id,
        })
        .collect();
    outbox::queue(conn, &queued, now()).await
}

/// Logs mails once their transaction has been committed: who and what, without the link
/// unless the operator asked for links in the log.
pub fn log_queued(mails: &[Mail], links: &InvitationLinks) {
    for mail in mails {
        match mail.link.as_deref().filter(|_| links.logs_links()) {
            Some(link) => tracing::info!(
                to = %mail.to, subject = %mail.subject,
                "mail queued (--dev-log-links): {}", render(&mail.body, link).trim_end()
            ),
            None => tracing::info!(to = %mail.to, subject = %mail.subject, "mail queued"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_one_plain_line() {
        assert_eq!(one_line("  Ann \t Lee "), "Ann Lee");
        assert_eq!(
            one_line("Ann\r\nBcc: x@evil.example\u{0}\u{1b}[31m"),
            "Ann Bcc: x@evil.example [31m"
        );
        assert_eq!(one_line("Ann\u{202E}moc.live"), "Ann moc.live");
        assert_eq!(one_line("Zoë Ångström 李"), "Zoë Ångström 李");
        assert_eq!(one_line("\n\t"), "");
    }

    #[test]
    fn the_invitation_says_who_where_as_what_and_how_long() {
        let mail = Mail::invitation(
            "ann@x.io",
            "Olivia\nOwens",
            "Acme QA",
            Role::BillingManager,
            InvitationId(7),
            "https://allot.example/join/abc".into(),
        );
        assert_eq!(mail.to, "ann@x.io");
        assert_eq!(
            mail.subject,
            "Olivia Owens invited you to join Acme QA on Allot"
        );
        assert!(
            !mail.body.contains("/join/"),
            "no link is stored: {}",
            mail.body
        );
        assert_eq!(mail.invitation_id, Some(InvitationId(7)));
        assert_eq!(
            render(&mail.body, "https://allot.example/join/abc"),
            "Olivia Owens invited you to join Acme QA on Allot as Billing Manager. Open this \
             link within 24 hours to accept: https://allot.example/join/abc\n"
        );
    }
}
