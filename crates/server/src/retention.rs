//! Upkeep of the audit log. Keeping it for as long as the operator says
//! (`--audit-retention-days`): every server forgets the older entries once an hour; without
//! the flag, entries are kept forever. And at start, giving entries written before sentences
//! were stored theirs.

use std::time::Duration;

use crate::{
    db::{Db, now},
    store::audit,
};

pub use crate::change::describe_old_entries;

/// Describes the entries written before sentences were stored, in the background.
pub fn spawn_describing_old_entries(db: Db) {
    tokio::spawn(async move {
        match describe_old_entries(&db).await {
            Ok(0) => {}
            Ok(described) => tracing::info!(described, "described old audit entries"),
            Err(error) => tracing::error!(%error, "describing old audit entries failed"),
        }
    });
}

/// How often the older entries are forgotten.
const EVERY: Duration = Duration::from_secs(60 * 60);

const DAY_SECS: i64 = 24 * 60 * 60;

/// Forgets audit entries older than `days`, for as long as the server runs.
pub fn spawn(db: Db, days: u32) {
    tokio::spawn(async move {
        loop {
            match forget_older_than(&db, days).await {
                Ok(0) => {}
                Ok(forgotten) => tracing::info!(forgotten, days, "forgot old audit entries"),
                Err(error) => tracing::error!(%error, "forgetting old audit entries failed"),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// Forgets the audit entries made more than `days` ago; answers how many.
pub async fn forget_older_than(db: &Db, days: u32) -> Result<u64, sqlx::Error> {
    audit::forget_before(db, now() - i64::from(days) * DAY_SECS).await
}
