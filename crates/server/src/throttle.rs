//! Sign-in throttling, kept in the database so that it holds across several servers and
//! cannot be raced: each attempt is counted by one atomic statement before its password is
//! checked.
//!
//! The policy slows guessing without handing anyone a lockout weapon:
//! - per address and client: 5 free attempts, then one attempt per delay that doubles from
//!   30 seconds up to 15 minutes. A stranger failing for an address slows only themselves;
//! - per client, whatever the addresses: 50 free attempts, then the same delays (guessing
//!   across many accounts);
//! - per address from anywhere: 50 free attempts, then the same delays, except for a client
//!   that has not failed for that address, so its owner still gets in from their own device.
//!
//! A right password refunds its attempt and clears its address-and-client count.
//!
//! Activations of licensed products are counted the same way ([`Activation`]), per member
//! and machine, so that a product that keeps asking for a seat it cannot have does not hold
//! the organization's write lock in a loop: 10 free attempts in a window of 10 minutes, then
//! the same doubling delays up to 10 minutes. A granted activation clears its count, so
//! products renewing their seat never wait, and a member's other machines (a fleet starting
//! at once) are never held back by one of them.

use std::time::Duration;

use crate::db::{Db, now};
use crate::store::throttle::{self, Policy};

/// A counter window: counts older than this start again.
const WINDOW_SECS: i64 = 15 * 60;
const FIRST_DELAY_SECS: i64 = 30;
const MAX_DELAY_SECS: i64 = 15 * 60;
const FREE_PER_PAIR: i64 = 5;
const FREE_PER_CLIENT: i64 = 50;
const FREE_PER_ACCOUNT: i64 = 50;

/// Why an attempt may not be made now, and for how long.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// This address from this client, or from everywhere.
    Address(Duration),
    /// This client, whatever the address.
    Client(Duration),
}

/// One sign-in attempt's keys: each a kind and a SHA-256 of what it counts, so that every
/// key has the same small size whatever was typed.
pub struct Attempt {
    pair: String,
    client: String,
    account: String,
}

impl Attempt {
    /// `email` as typed (case does not matter) from `client` (an IP address).
    pub fn new(email: &str, client: &str) -> Self {
        let email = email.trim().to_lowercase();
        Self {
            pair: key("pair", &format!("{email} {client}")),
            client: key("client", client),
            account: key("account", &email),
        }
    }

    /// Counts the attempt, or refuses it while one of its keys waits.
    pub async fn take(&self, db: &Db) -> Result<Result<(), Refusal>, sqlx::Error> {
        let now = now();
        forget_old(db, now).await?;
        if let Err(wait) = take(db, &self.client, FREE_PER_CLIENT, now).await? {
            return Ok(Err(Refusal::Client(wait)));
        }
        let earlier_failures = match take(db, &self.pair, FREE_PER_PAIR, now).await? {
            Ok(attempts) => attempts - 1,
            Err(wait) => return Ok(Err(Refusal::Address(wait))),
        };
        match take(db, &self.account, FREE_PER_ACCOUNT, now).await? {
            Err(wait) if earlier_failures > 0 => Ok(Err(Refusal::Address(wait))),
            _ => Ok(Ok(())),
        }
    }

    /// The password was right: the attempt was no guess.
    pub async fn succeeded(&self, db: &Db) -> Result<(), sqlx::Error> {
        throttle::forget(db, &self.pair).await?;
        throttle::refund(db, &self.client).await?;
        throttle::refund(db, &self.account).await
    }
}

fn key(kind: &str, counted: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest: String = Sha256::digest(counted.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{kind}:{digest}")
}

const ACTIVATION_WINDOW_SECS: i64 = 10 * 60;
const ACTIVATION_MAX_DELAY_SECS: i64 = 10 * 60;
const FREE_PER_MACHINE: i64 = 10;

/// One activation attempt's key: the member on one machine.
pub struct Activation {
    key: String,
}

impl Activation {
    pub fn new(member: allot_core::MemberId, machine_id: &str) -> Self {
        Self {
            key: key("activation", &format!("{member} {machine_id}")),
        }
    }

    /// Counts the attempt, or answers how long to wait.
    pub async fn take(&self, db: &Db) -> Result<Result<(), Duration>, sqlx::Error> {
        let now = now();
        forget_old(db, now).await?;
        let policy = Policy {
            window_secs: ACTIVATION_WINDOW_SECS,
            free: FREE_PER_MACHINE,
            first_delay_secs: FIRST_DELAY_SECS,
            max_delay_secs: ACTIVATION_MAX_DELAY_SECS,
        };
        Ok(take_with(db, &self.key, &policy, now).await?.map(drop))
    }

    /// The activation was granted: the count starts again.
    pub async fn succeeded(&self, db: &Db) -> Result<(), sqlx::Error> {
        throttle::forget(db, &self.key).await
    }
}

/// Counts an attempt on `key` (see [`throttle::count`]), with `free` attempts before the
/// first wait. Answers the attempts counted in the window, or how long to wait.
async fn take(
    db: &Db,
    key: &str,
    free: i64,
    now: i64,
) -> Result<Result<i64, Duration>, sqlx::Error> {
    let policy = Policy {
        window_secs: WINDOW_SECS,
        free,
        first_delay_secs: FIRST_DELAY_SECS,
        max_delay_secs: MAX_DELAY_SECS,
    };
    take_with(db, key, &policy, now).await
}

async fn take_with(
    db: &Db,
    key: &str,
    policy: &Policy,
    now: i64,
) -> Result<Result<i64, Duration>, sqlx::Error> {
    match throttle::count(db, key, policy, now).await? {
        Some(attempts) => Ok(Ok(attempts)),
        None => {
            let blocked_until = throttle::blocked_until(db, key).await?;
            Ok(Err(
                Duration::from_secs((blocked_until - now).max(1) as u64),
            ))
        }
    }
}

/// Counts whose window and wait are both over say nothing any more.
async fn forget_old(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    throttle::forget_old(db, now, 2 * MAX_DELAY_SECS.max(WINDOW_SECS)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = crate::db::open(&url).await.unwrap();
        (dir, db)
    }

    async fn wait_after(db: &Db, key: &str, attempts: usize, free: i64) -> Option<i64> {
        let now = 1_000_000;
        let mut last = None;
        for _ in 0..attempts {
            throttle::unblock(db, key).await.unwrap();
            last = Some(take(db, key, free, now).await.unwrap());
        }
        let blocked_until = throttle::blocked_until(db, key).await.unwrap();
        assert!(last.unwrap().is_ok());
        (blocked_until > 0).then(|| blocked_until - now)
    }

    #[tokio::test]
    async fn waits_start_after_the_free_attempts_and_double_up_to_a_cap() {
        let (_dir, db) = db().await;
        assert_eq!(wait_after(&db, "a", 4, 5).await, None);
        assert_eq!(wait_after(&db, "b", 5, 5).await, Some(30));
        assert_eq!(wait_after(&db, "c", 6, 5).await, Some(60));
        assert_eq!(wait_after(&db, "d", 9, 5).await, Some(480));
        assert_eq!(wait_after(&db, "e", 10, 5).await, Some(MAX_DELAY_SECS));
        assert_eq!(wait_after(&db, "f", 60, 5).await, Some(MAX_DELAY_SECS));
    }

    #[tokio::test]
    async fn a_waiting_key_counts_nothing_and_says_how_long() {
        let (_dir, db) = db().await;
        for _ in 0..5 {
            assert!(take(&db, "k", 5, 100).await.unwrap().is_ok());
        }
        assert_eq!(
            take(&db, "k", 5, 110).await.unwrap(),
            Err(Duration::from_secs(20))
        );
        assert_eq!(take(&db, "k", 5, 130).await.unwrap(), Ok(6));
    }

    #[test]
    fn keys_ignore_the_case_of_the_address() {
        let a = Attempt::new(" Ann@Example.com", "127.0.0.1");
        let b = Attempt::new("ann@example.com", "127.0.0.1");
        assert_eq!((a.pair, a.account), (b.pair, b.account));
    }

    #[test]
    fn keys_have_one_size_whatever_was_typed() {
        let long = Attempt::new(&"a".repeat(2_000_000), &"1".repeat(10_000));
        let short = Attempt::new("a@b.co", "127.0.0.1");
        for (long, short) in [
            (long.pair, short.pair),
            (long.client, short.client),
            (long.account, short.account),
        ] {
            assert_eq!(long.len(), short.len());
            assert!(long.len() < 80, "{long}");
        }
    }
}
