//! The database: SQLite in WAL mode, migrations embedded in the binary.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub type Db = SqlitePool;

/// Opens (creating if missing) and migrates the database at `url`, e.g. `sqlite://allot.db`.
pub async fn open(url: &str) -> Result<Db, Box<dyn std::error::Error + Send + Sync>> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Rows cross from SQLite's worker thread to the query in a bounded channel; at the
        // default 50 a snapshot's 100,000s of rows bounce between the two threads a few rows
        // at a time.
        .row_buffer_size(4096);
    create_private(options.get_filename())?;
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!().run(&pool).await?;
    Ok(pool)
}

/// Creates the database file readable by its owner only (SQLite gives its -wal and -shm files
/// the same mode), unless it exists or the database lives in memory.
fn create_private(file: &Path) -> std::io::Result<()> {
    if file.as_os_str().is_empty() || file.to_str() == Some(":memory:") {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => Err(error),
        _ => Ok(()),
    }
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}
