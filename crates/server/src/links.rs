//! Invitation links and the keys derived from the server secret.
//!
//! A link's token is derived, never stored: `hex(HMAC-SHA256(secret, "invitation:{id}:{nonce}"))`
//! with a random nonce per invitation. The database keeps the nonce and the token's SHA-256, so
//! a copy of it opens nothing, while "Copy link" can still show the link.

use allot_core::InvitationId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{
    credentials,
    db::{Conn, now},
    store::invitations,
};

/// Makes invitation links: the server's secret, which every server of a deployment shares, and
/// the address the console is reached at.
pub struct InvitationLinks {
    secret: Vec<u8>,
    public_url: String,
    /// `--dev-log-links`: queued mails are logged with their links, for demos.
    log_links: bool,
}

impl InvitationLinks {
    /// `public_url` as people open it, e.g. `https://allot.example`.
    pub fn new(secret: Vec<u8>, public_url: &str) -> Self {
        Self {
            secret,
            public_url: public_url.trim_end_matches('/').to_owned(),
            log_links: false,
        }
    }

    /// Logs queued mails with their activation links (`--dev-log-links`).
    pub fn logging_links(self, log_links: bool) -> Self {
        Self { log_links, ..self }
    }

    pub fn logs_links(&self) -> bool {
        self.log_links
    }

    /// The activation link of invitation `id` as it stands (its current nonce).
    pub fn link(&self, id: InvitationId, nonce: &str) -> String {
        self.url(&self.token(id, nonce))
    }

    pub fn token(&self, id: InvitationId, nonce: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        mac.update(format!("invitation:{id}:{nonce}").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// A 32-byte key for `purpose`, derived from the server secret, so every server of a
    /// deployment derives the same one; purposes give unrelated keys.
    pub(crate) fn derive_key(&self, purpose: &str) -> [u8; 32] {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        mac.update(format!("key:{purpose}").as_bytes());
        mac.finalize().into_bytes().into()
    }

    pub fn url(&self, token: &str) -> String {
        format!("{}{}", self.public_url, join_path(token))
    }
}

/// The console's route for accepting an invitation.
pub fn join_path(token: &str) -> String {
    format!("/join/{token}")
}

/// Gives the invitation a new nonce, and so a new token; the old link stops working. Returns
/// the token.
pub async fn issue_token(
    conn: &mut Conn,
    links: &InvitationLinks,
    id: InvitationId,
) -> Result<String, sqlx::Error> {
    let nonce = credentials::new_token();
    let token = links.token(id, &nonce);
    invitations::set_link(conn, id, &nonce, &credentials::token_hash(&token), now()).await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_secret_id_and_nonce() {
        let links = InvitationLinks::new(vec![7; 32], "https://allot.example/");
        let token = links.token(InvitationId(1), "n");
        assert_eq!(token.len(), 64);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            token,
            links.token(InvitationId(1), "n"),
            "derived again for Copy link"
        );
        assert_ne!(token, links.token(InvitationId(2), "n"));
        assert_ne!(token, links.token(InvitationId(1), "m"));
        let other_secret = InvitationLinks::new(vec![8; 32], "https://allot.example");
        assert_ne!(token, other_secret.token(InvitationId(1), "n"));
        assert_eq!(
            links.url("abc"),
            "https://allot.example/join/abc",
            "no double slash"
        );
    }
}
