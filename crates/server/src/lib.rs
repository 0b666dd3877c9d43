//! The Allot server: the JSON API under `/api/v1`, and the console's static files.

mod allocation_errors;
pub mod auth;
mod bulk;
mod change;
pub mod db;
pub mod delivery;
pub mod demo;
mod error;
mod export;
mod extract;
mod feed;
mod groups;
pub mod invitations;
mod license_admin;
mod license_api;
mod license_key;
pub mod mailer;
mod member_changes;
mod members;
mod openapi;
pub mod pools;
pub mod secret;
mod security;
mod session;
pub mod simulate;
mod store;
mod teams;
mod throttle;
pub mod tls;
mod web;

use std::{path::PathBuf, sync::Arc};

use allot_core::Health;
use axum::{
    Json, Router,
    http::{HeaderValue, header},
    middleware,
    routing::get,
};
use tower_http::{
    compression::CompressionLayer, set_header::SetResponseHeaderLayer, trace::TraceLayer,
};

pub use error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    /// Signs invitation links with the server secret.
    pub links: Arc<invitations::InvitationLinks>,
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
    pub fn new(db: db::Db, links: invitations::InvitationLinks) -> Self {
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

pub fn router(state: AppState, config: &WebConfig) -> Router {
    let changes = state.changes.clone();
    let api = Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi::document))
        .merge(session::router())
        .merge(members::router())
        .merge(feed::router())
        .merge(member_changes::router())
        .merge(export::router())
        .merge(teams::router())
        .merge(groups::router())
        .merge(allocation_errors::router())
        .merge(invitations::router())
        .merge(license_api::router())
        .merge(license_admin::router())
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "This address does not accept that method.",
            )
        })
        .with_state(state)
        .layer(security::cors(&config.cors_origins))
        // Answers carry sessions, links and personal data: no cache keeps a copy.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let index_html = config
        .static_dir
        .as_ref()
        .and_then(|dir| std::fs::read_to_string(dir.join("index.html")).ok());
    let csp = security::content_security_policy(
        index_html.as_deref(),
        config.frame_ancestors.as_deref().unwrap_or("'none'"),
    );
    let csp = HeaderValue::from_str(&csp).expect("the CSP is plain ASCII");

    let mut app = Router::new().nest("/api/v1", api);
    if let Some(dir) = &config.static_dir {
        app = app.merge(web::console(dir));
    }
    let trust_forwarded_for = config.trust_forwarded_for;
    app.layer(middleware::from_fn(security::same_origin_writes))
        .layer(middleware::from_fn(move |request, next| {
            feed::wake_after_writes(changes.clone(), request, next)
        }))
        .layer(middleware::from_fn(move |request, next| {
            security::headers(csp.clone(), request, next)
        }))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(move |request, next| {
            extract::client_addr(trust_forwarded_for, request, next)
        }))
        .layer(TraceLayer::new_for_http())
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

/// Whether the server and its database answer.
#[utoipa::path(get, path = "/api/v1/health", tag = "health",
    responses((status = 200, body = Health), (status = 500, body = allot_core::ErrorBody)))]
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Json<Health>, ApiError> {
    state.db.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
