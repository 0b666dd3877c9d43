//! The Ed25519 key that signs offline licenses, so that products verify them without the
//! server.

use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::{Signer, SigningKey};

use crate::links::InvitationLinks;

pub const ALGORITHM: &str = "ed25519";

pub struct LicenseKey(SigningKey);

impl LicenseKey {
    /// Derived from the server secret: every server of a deployment signs alike, and
    /// licenses stay valid across restarts.
    pub fn from_server_secret(links: &InvitationLinks) -> Self {
        Self(SigningKey::from_bytes(
            &links.derive_key("offline license signing"),
        ))
    }

    /// The base64 signature of `payload`'s bytes.
    pub fn sign(&self, payload: &str) -> String {
        STANDARD.encode(self.0.sign(payload.as_bytes()).to_bytes())
    }

    /// The base64 public key.
    pub fn public_key(&self) -> String {
        STANDARD.encode(self.0.verifying_key().to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    use super::*;

    fn key(secret: u8) -> LicenseKey {
        LicenseKey::from_server_secret(&InvitationLinks::new(vec![secret; 32], "https://a.example"))
    }

    #[test]
    fn the_same_secret_gives_the_same_key() {
        assert_eq!(key(1).public_key(), key(1).public_key());
        assert_ne!(key(1).public_key(), key(2).public_key());
    }

    #[test]
    fn signatures_verify_with_the_public_key() {
        let key = key(1);
        let public: [u8; 32] = STANDARD
            .decode(key.public_key())
            .unwrap()
            .try_into()
            .unwrap();
        let public = VerifyingKey::from_bytes(&public).unwrap();
        let signature: [u8; 64] = STANDARD.decode(key.sign("{}")).unwrap().try_into().unwrap();
        let signature = Signature::from_bytes(&signature);
        assert!(public.verify(b"{}", &signature).is_ok());
        assert!(public.verify(b"{ }", &signature).is_err());
    }
}
