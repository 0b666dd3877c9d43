//! The database: SQLite in WAL mode on one machine, or PostgreSQL shared by several servers,
//! each with its migrations embedded in the binary.
//!
//! Both run the same SQL wherever they accept it (most of it: `?` placeholders are numbered
//! for PostgreSQL as a query is sent), through [`query`], [`query_as`] and [`query_scalar`],
//! which mirror sqlx's but run on either pool. A query the two write differently asks
//! [`Backend`] which to send. sqlx's `Any` driver would do the dispatch too, but it decodes
//! only a few types and cannot LISTEN, which several servers need (see [`listen`]).

mod listen;
mod query;

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    Connection, Executor as _, PgPool, Postgres, Sqlite, SqlitePool, Transaction,
    pool::PoolConnection,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use listen::listen;
pub use query::{
    Arg, Executor, Record, Scalar, Target, Values, insert_all, query, query_as, query_scalar,
};

/// A pool of connections to the server's database.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which database a [`Db`] is, for the few queries written differently for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection taken from the pool, in a transaction or not. Stores take `&mut Conn` and
/// do not care which.
pub enum Conn {
    Sqlite(Handle<Sqlite>),
    Postgres(Handle<Postgres>),
}

pub enum Handle<DB: sqlx::Database> {
    Transaction(Transaction<'static, DB>),
    Connection(PoolConnection<DB>),
}

impl<DB: sqlx::Database> Handle<DB> {
    fn connection(&mut self) -> &mut DB::Connection {
        match self {
            Handle::Transaction(tx) => tx,
            Handle::Connection(conn) => conn,
        }
    }
}

/// A transaction: a [`Conn`] that ends by [`Tx::commit`], or is rolled back when dropped.
pub struct Tx(Conn);

impl Db {
    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        query("SELECT 1").execute(self).await?;
        Ok(())
    }

    /// Whether every connection the pool may hold is open and at work: a query now waits for
    /// one to come back.
    pub fn saturated(&self) -> bool {
        fn saturated<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> bool {
            pool.size() >= pool.options().get_max_connections() && pool.num_idle() == 0
        }
        match self {
            Db::Sqlite(pool) => saturated(pool),
            Db::Postgres(pool) => saturated(pool),
        }
    }

    /// Opens (creating if missing) and migrates the database at `url`: `sqlite://allot.db` or
    /// `postgres://user@host/allot`.
    pub async fn open(url: &str) -> Result<Db, Box<dyn std::error::Error + Send + Sync>> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            open_postgres(url).await
        } else {
            open_sqlite(url).await
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// A connection outside any transaction: each statement commits on its own.
    pub async fn acquire(&self) -> Result<Conn, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Conn::Sqlite(Handle::Connection(pool.acquire().await?)),
            Db::Postgres(pool) => Conn::Postgres(Handle::Connection(pool.acquire().await?)),
        })
    }

    /// A transaction whose reads all see the database as it was at its first: the parts of a
    /// snapshot agree with each other and with its sequence number. (SQLite's transactions
    /// always do; PostgreSQL's default, READ COMMITTED, would not.)
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(Tx(match self {
            Db::Sqlite(pool) => {
                Conn::Sqlite(Handle::Transaction(begin_detached(pool, "BEGIN").await?))
            }
            Db::Postgres(pool) => Conn::Postgres(Handle::Transaction(
                begin_detached(pool, "BEGIN ISOLATION LEVEL REPEATABLE READ").await?,
            )),
        }))
    }

    /// A write transaction, begun as [`crate::change::begin`] needs: SQLite's write lock taken
    /// at once (`BEGIN IMMEDIATE`); on PostgreSQL a plain transaction, which then locks what it
    /// counts on (see `change::begin`).
    pub(crate) async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(Tx(match self {
            Db::Sqlite(pool) => Conn::Sqlite(Handle::Transaction(
                begin_detached(pool, "BEGIN IMMEDIATE").await?,
            )),
            Db::Postgres(pool) => {
                Conn::Postgres(Handle::Transaction(begin_detached(pool, "BEGIN").await?))
            }
        }))
    }

    /// The SQLite file, for keeping one queue of writers per file; `None` on PostgreSQL.
    pub(crate) fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        match self {
            Db::Sqlite(pool) => Some(pool.connect_options().get_filename().to_path_buf()),
            Db::Postgres(_) => None,
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Conn {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// The next id `table` would give: for writers that choose ids themselves, to write many
    /// rows at once that refer to each other (the demo's bulk seeding).
    pub async fn next_id(&mut self, table: &str) -> Result<i64, sqlx::Error> {
        query_scalar(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))
            .fetch_one(self)
            .await
    }

    /// After rows were written with ids chosen by the writer (the demo's bulk seeding),
    /// PostgreSQL's id sequences continue after them; SQLite's always take the largest id.
    pub async fn continue_ids_after(&mut self, tables: &[&str]) -> Result<(), sqlx::Error> {
        if self.backend() == Backend::Postgres {
            for table in tables {
                query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                   (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                ))
                .execute(&mut *self)
                .await?;
            }
        }
        Ok(())
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Conn::Sqlite(Handle::Transaction(tx)) => tx.commit().await,
            Conn::Postgres(Handle::Transaction(tx)) => tx.commit().await,
            _ => unreachable!("a Tx holds a transaction"),
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Conn::Sqlite(Handle::Transaction(tx)) => tx.rollback().await,
            Conn::Postgres(Handle::Transaction(tx)) => tx.rollback().await,
            _ => unreachable!("a Tx holds a transaction"),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}

async fn open_sqlite(url: &str) -> Result<Db, Box<dyn std::error::Error + Send + Sync>> {
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
    sqlx::migrate!("migrations/sqlite").run(&pool).await?;
    Ok(Db::Sqlite(pool))
}

/// The table the change triggers write to, one per connection: a transaction's marks are
/// its own, never another server's or connection's (`change::WriteTx::record` reads and clears them).
/// It shadows the shared `public.change_dirty`, where writes made outside the servers leave
/// their marks.
const CONNECTION_CHANGE_DIRTY: &str = "CREATE TEMPORARY TABLE IF NOT EXISTS change_dirty (
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind, entity_id))";

async fn open_postgres(url: &str) -> Result<Db, Box<dyn std::error::Error + Send + Sync>> {
    let options = PgConnectOptions::from_str(url)?;
    // Migrate on a connection of its own, before any connection creates its temporary table:
    // several servers starting at once take turns (sqlx holds an advisory lock meanwhile).
    let mut conn = sqlx::PgConnection::connect_with(&options).await?;
    sqlx::migrate!("migrations/postgres").run(&mut conn).await?;
    conn.close().await?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(CONNECTION_CHANGE_DIRTY).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(Db::Postgres(pool))
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

/// Opens the database at `url`; see [`Db::open`].
pub async fn open(url: &str) -> Result<Db, Box<dyn std::error::Error + Send + Sync>> {
    Db::open(url).await
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Begins a transaction with `statement` in a task of its own. A request whose client goes
/// away is dropped wherever it waits; dropped while its BEGIN was on its way, sqlx had not
/// counted the transaction yet, so the connection went back to the pool inside a transaction
/// nobody would end, and the writes of its next users never committed (a PostgreSQL test run
/// saw rows it had just inserted missing, after change feeds were closed mid-read). Detached,
/// the begin completes; a transaction nobody takes is rolled back as it is dropped.
async fn begin_detached<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    statement: &'static str,
) -> Result<sqlx::Transaction<'static, DB>, sqlx::Error> {
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin_with(statement).await })
        .await
        .map_err(|error| sqlx::Error::Io(std::io::Error::other(error)))?
}
