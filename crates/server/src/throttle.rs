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

use std::time::Duration;

use crate::db::{Db, now};
use crate::db::{query, query_scalar};

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

/// One sign-in attempt's keys.
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
            pair: format!("pair:{email} {client}"),
            client: format!("client:{client}"),
            account: format!("account:{email}"),
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
        query("DELETE FROM sign_in_throttle WHERE key = ?")
            .bind(&self.pair)
            .execute(db)
            .await?;
        query(
            "UPDATE sign_in_throttle
             SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
             WHERE key IN (?, ?)",
        )
        .bind(&self.client)
        .bind(&self.account)
        .execute(db)
        .await?;
        Ok(())
    }
}

/// Counts an attempt on `key` in one statement, so that concurrent attempts cannot slip
/// past the count: none is counted while the key waits, and the attempt that uses up the free
/// ones (or any later one) sets the next wait. Answers the attempts counted in the window, or
/// how long to wait.
async fn take(
    db: &Db,
    key: &str,
    free: i64,
    now: i64,
) -> Result<Result<i64, Duration>, sqlx::Error> {
    // In SET, the table's columns are the row's values before the update. (Named with the
    // table, as PostgreSQL needs; LEAST and GREATEST written as CASE, which SQLite lacks.)
    let counted: Option<i64> = query_scalar(
        "INSERT INTO sign_in_throttle AS t (key, attempts, window_start, blocked_until)
         VALUES (?1, 1, ?2, 0)
         ON CONFLICT (key) DO UPDATE SET
           attempts = CASE WHEN t.window_start <= ?2 - ?3 THEN 1 ELSE t.attempts + 1 END,
           window_start = CASE WHEN t.window_start <= ?2 - ?3 THEN ?2 ELSE t.window_start END,
           blocked_until = CASE
             WHEN t.window_start > ?2 - ?3 AND t.attempts + 1 >= ?4
             THEN ?2 + CASE WHEN t.attempts + 1 - ?4 >= 16
                              OR (?5 << CAST(t.attempts + 1 - ?4 AS INTEGER)) > ?6
                            THEN ?6 ELSE ?5 << CAST(t.attempts + 1 - ?4 AS INTEGER) END
             ELSE 0 END
         WHERE t.blocked_until <= ?2
         RETURNING attempts",
    )
    .bind(key)
    .bind(now)
    .bind(WINDOW_SECS)
    .bind(free)
    .bind(FIRST_DELAY_SECS)
    .bind(MAX_DELAY_SECS)
    .fetch_optional(db)
    .await?;
    match counted {
        Some(attempts) => Ok(Ok(attempts)),
        None => {
            let blocked_until: i64 =
                query_scalar("SELECT blocked_until FROM sign_in_throttle WHERE key = ?")
                    .bind(key)
                    .fetch_one(db)
                    .await?;
            Ok(Err(
                Duration::from_secs((blocked_until - now).max(1) as u64),
            ))
        }
    }
}

/// Counts whose window and wait are both over say nothing any more.
async fn forget_old(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    query(
        "DELETE FROM sign_in_throttle
         WHERE window_start < ?1 - 2 * ?2 AND blocked_until < ?1",
    )
    .bind(now)
    .bind(MAX_DELAY_SECS.max(WINDOW_SECS))
    .execute(db)
    .await?;
    Ok(())
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
            query("UPDATE sign_in_throttle SET blocked_until = 0 WHERE key = ?")
                .bind(key)
                .execute(db)
                .await
                .unwrap();
            last = Some(take(db, key, free, now).await.unwrap());
        }
        let blocked_until: i64 =
            query_scalar("SELECT blocked_until FROM sign_in_throttle WHERE key = ?")
                .bind(key)
                .fetch_one(db)
                .await
                .unwrap();
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
}
