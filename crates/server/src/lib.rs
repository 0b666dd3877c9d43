//! The Allot server: the JSON API under `/api/v1`, and the console's static files.
//!
//! Layers: `http` (one module per resource, with its routes) over `store` (one module per
//! aggregate, owning its tables' SQL) over `db` (SQLite or PostgreSQL) and `allot_core`'s
//! rules. `change` frames every write: the organization's lock, its audit event and its
//! change-feed event, in one transaction.

mod change;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod expiry;
pub mod http;
mod license_key;
pub mod links;
pub mod mailer;
pub mod pools;
pub mod retention;
pub mod secret;
pub mod simulate;
mod store;
mod throttle;
pub mod tls;

use std::{path::PathBuf, sync::Arc};

use axum::{Router, http::HeaderValue};

pub use http::{auth, error::ApiError, router};

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
}

/// Argon2 hashes at once for unauthenticated requests: each takes about 19 MiB.
const PASSWORD_WORK_AT_ONCE: usize = 4;

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

/// Serves `app` on `listener` until `shutdown` completes, telling handlers each client's
/// address: over HTTPS with `tls`, else plain HTTP.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let Some(tls) = tls else {
        return axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
    };
    let handle = axum_server::Handle::new();
    tokio::spawn({
        let handle = handle.clone();
        async move {
            shutdown.await;
            handle.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        }
    });
    axum_server::from_tcp_rustls(listener.into_std()?, tls)?
        .handle(handle)
        .serve(app)
        .await
}
