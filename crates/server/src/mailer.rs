//! Email. Every message goes into the `outbox` table in the transaction of the change that
//! sends it, so a mail exists exactly when its change is committed, and is logged once it is,
//! so that an operator can read an activation link. With `--smtp-url`, `delivery` sends the
//! outbox by SMTP.

use allot_core::Role;
use sqlx::SqliteConnection;

use crate::db::now;

pub struct Mail {
    /// A validated address.
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
}

impl Mail {
    /// The invitation to join an organization, with its activation link.
    pub fn invitation(to: &str, inviter: &str, organization: &str, role: Role, link: &str) -> Self {
        let (inviter, organization) = (one_line(inviter), one_line(organization));
        Mail {
            to: to.to_owned(),
            subject: format!("{inviter} invited you to join {organization} on Allot"),
            body: format!(
                "{inviter} invited you to join {organization} on Allot as {}. Open this link \
                 within 24 hours to accept: {link}\n",
                role.label()
            ),
        }
    }
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
pub async fn queue(conn: &mut SqliteConnection, mails: &[Mail]) -> Result<(), sqlx::Error> {
    let now = now();
    for mail in mails {
        sqlx::query(
            "INSERT INTO outbox (recipient, subject, body, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Logs mails once their transaction has been committed.
pub fn log_queued(mails: &[Mail]) {
    for mail in mails {
        tracing::info!(to = %mail.to, subject = %mail.subject, "mail queued: {}", mail.body.trim_end());
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
            "https://allot.example/join/abc",
        );
        assert_eq!(mail.to, "ann@x.io");
        assert_eq!(
            mail.subject,
            "Olivia Owens invited you to join Acme QA on Allot"
        );
        assert_eq!(
            mail.body,
            "Olivia Owens invited you to join Acme QA on Allot as Billing Manager. Open this \
             link within 24 hours to accept: https://allot.example/join/abc\n"
        );
    }
}
