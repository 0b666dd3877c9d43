//! Sign-in throttling's counters (see `crate::throttle` for the policy): per key, the
//! attempts in the current window and until when the key waits.

use crate::db::{Db, query, query_scalar};

/// How a key's attempts are counted and delayed.
pub struct Policy {
    /// Counts older than this start again.
    pub window_secs: i64,
    /// Attempts before the first wait.
    pub free: i64,
    pub first_delay_secs: i64,
    pub max_delay_secs: i64,
}

/// Counts an attempt on `key` in one statement, so that concurrent attempts cannot slip
/// past the count: none is counted while the key waits, and the attempt that uses up the free
/// ones (or any later one) sets the next wait, doubling up to the cap. Answers the attempts
/// counted in the window, or `None` while the key waits.
pub async fn count(
    db: &Db,
    key: &str,
    policy: &Policy,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    // In SET, the table's columns are the row's values before the update. (Named with the
    // table, as PostgreSQL needs; LEAST and GREATEST written as CASE, which SQLite lacks.)
    query_scalar(
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
    .bind(policy.window_secs)
    .bind(policy.free)
    .bind(policy.first_delay_secs)
    .bind(policy.max_delay_secs)
    .fetch_optional(db)
    .await
}

/// Until when `key` waits (0 when it does not).
pub async fn blocked_until(db: &Db, key: &str) -> Result<i64, sqlx::Error> {
    query_scalar("SELECT blocked_until FROM sign_in_throttle WHERE key = ?")
        .bind(key)
        .fetch_one(db)
        .await
}

/// Forgets `key`'s count.
pub async fn forget(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    query("DELETE FROM sign_in_throttle WHERE key = ?")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Gives back one attempt to `key`.
pub async fn refund(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    query(
        "UPDATE sign_in_throttle
         SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
         WHERE key = ?",
    )
    .bind(key)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets counts whose window began, and whose wait ended, over `keep_secs` ago.
pub async fn forget_old(db: &Db, now: i64, keep_secs: i64) -> Result<(), sqlx::Error> {
    query(
        "DELETE FROM sign_in_throttle
         WHERE window_start < ?1 - ?2 AND blocked_until < ?1",
    )
    .bind(now)
    .bind(keep_secs)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends `key`'s wait without forgetting its count (for tests of the policy).
#[cfg(test)]
pub async fn unblock(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    query("UPDATE sign_in_throttle SET blocked_until = 0 WHERE key = ?")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}
