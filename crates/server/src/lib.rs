//! The Allot server: the JSON API under `/api/v1`, and the console's static files.
//!
//! Layers: `http` (one module per resource, with its routes) over `ops` (the domain's verbs:
//! allocate, activate, sign in) over `store` (one module per aggregate, owning its tables'
//! SQL) over `db` (SQLite or PostgreSQL) and `allot_core`'s rules; no layer imports one above
//! it. `error::ApiError` is every layer's refusal; `credentials` hashes passwords and tokens.
//! `change` frames every write: the organization's lock, its audit event and its change-feed
//! event, in one transaction. `serve` runs the router on a listener, with the limits that
//! keep slow or greedy clients from holding it.

mod change;
pub mod credentials;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod error;
pub mod expiry;
pub mod http;
mod license_key;
pub mod links;
pub mod mailer;
pub mod ops;
pub mod pools;
pub mod retention;
pub mod secret;
pub mod serve;
pub mod simulate;
mod store;
mod throttle;
pub mod tls;

use std::{path::PathBuf, sync::Arc};

use axum::http::HeaderValue;

pub use error::ApiError;
pub use http::{auth, router};
pub use serve::serve;

#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    /// Signs invitation links with the server secret.
    pub links: Arc<links::InvitationLinks>,
    /// Bumped after every write request, and on PostgreSQL after every other server's
    /// change, so that change feeds look for new events at once.
    pub changes: Arc<tokio::sync::watch::Sender<u64>>,
    /// Password hashing that requests without a session can start (signing in, joining):
    /// this many at once, so that a flood cannot exhaust memory or the blocking threads.
    pub password_work: Arc<tokio::sync::Semaphore>,
    /// Members snapshots built at once: each holds a connection and tens of MB while it is
    /// read and written out.
    pub snapshot_builds: Arc<tokio::sync::Semaphore>,
}

/// Argon2 hashes at once for unauthenticated requests: each takes about 19 MiB.
const PASSWORD_WORK_AT_ONCE: usize = 4;

/// Members snapshots built at once: half of SQLite's connections (PostgreSQL has more), so
/// the other half serve everything else.
const SNAPSHOT_BUILDS_AT_ONCE: usize = 4;

impl AppState {
    /// The state of a server on `db`; on PostgreSQL it starts listening for the changes
    /// other servers make (see [`db::listen`]).
    pub fn new(db: db::Db, links: links::InvitationLinks) -> Self {
        let changes = Arc::new(tokio::sync::watch::Sender::new(0));
        db::listen(&db, changes.clone());
        Self {
            db,
            links: Arc::new(links),
            changes,
            password_work: Arc::new(tokio::sync::Semaphore::new(PASSWORD_WORK_AT_ONCE)),
            snapshot_builds: Arc::new(tokio::sync::Semaphore::new(SNAPSHOT_BUILDS_AT_ONCE)),
        }
    }
}

/// How the server presents itself on the web.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// The built console (Trunk's `dist/`), served with index.html for deep links.
    pub static_dir: Option<PathBuf>,
    /// CSP `frame-ancestors`: `'none'` unless the console may be embedded.
    pub frame_ancestors: Option<String>,
    /// Behind a load balancer: the client is the last address of `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    /// Origins (`https://portal.example`) whose pages may call the API with bearer tokens.
    pub cors_origins: Vec<HeaderValue>,
}
