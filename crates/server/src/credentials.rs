//! Secrets people and programs present: passwords (argon2id) and random tokens (sessions,
//! invitation links), stored only as hashes.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use sha2::{Digest, Sha256};

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source");
    bytes
}

/// Argon2id with the crate's default (OWASP) parameters and a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes is a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("default argon2 parameters are valid")
        .to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// How much of a password the strength estimate reads: past it a password that was not weak
/// already is long enough, and the estimate's work grows quickly with length.
const STRENGTH_READS_CHARS: usize = 64;

/// Why a new `password` would be guessed soon by someone who also knows `hints` (the
/// person's address and name, the organization's name), in words that say how to do better;
/// `None` when it stands up to an offline attack on its hash: zxcvbn's score of 3 or more,
/// over 10^8 guesses. Common passwords, keyboard runs, repeats, dates and the hints are what
/// a guesser tries first, whatever the length.
pub fn weakness(password: &str, hints: &[&str]) -> Option<String> {
    let read: String = password.chars().take(STRENGTH_READS_CHARS).collect();
    // Each hint whole, word by word and run together: "Ann Lee" is also "ann", "lee" and
    // "annlee", as guessers try them.
    let mut words = Vec::new();
    for hint in hints {
        let hint = hint.to_lowercase();
        let parts: Vec<&str> = (hint.split(|c: char| !c.is_alphanumeric()))
            .filter(|part| !part.is_empty())
            .collect();
        words.push(parts.concat());
        words.extend(parts.iter().map(|part| part.to_string()));
        words.push(hint);
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(&read, &words);
    if estimate.score() >= zxcvbn::Score::Three {
        return None;
    }
    let mut why = "This password would be easy to guess.".to_owned();
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            why = format!("{why} {warning}");
        }
        for suggestion in feedback.suggestions() {
            why = format!("{why} {suggestion}");
        }
    }
    Some(why)
}

/// A fresh secret of 256 random bits, hex-encoded.
pub fn new_token() -> String {
    random_bytes::<32>()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Tokens are stored only as their SHA-256, so a copy of the database opens no session.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "correct horse "));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[test]
    fn guessable_passwords_are_weak_whatever_their_length() {
        let hints = ["vera.v@example.com", "Vera Velasquez", "Acme QA"];
        for weak in [
            "password1234",
            "            ",
            "123456789012",
            "qwertyuiopas",
            "aaaaaaaaaaaaaaaa",
            "verav3lasquez",
            "acmeqa123456",
            "veravelasquez1",
            "vera.v@example.com",
        ] {
            let why = weakness(weak, &hints).unwrap_or_else(|| panic!("{weak:?} is weak"));
            assert!(
                why.starts_with("This password would be easy to guess."),
                "{why}"
            );
        }
        for strong in [
            "a long enough password",
            "correct horse battery staple",
            "Tr0ub4dor&3-plus-more",
        ] {
            assert_eq!(weakness(strong, &hints), None, "{strong:?} is strong");
        }
        // Only the first characters are read: a weak start stays weak.
        assert!(weakness(&"a".repeat(1000), &hints).is_some());
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 32);
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
