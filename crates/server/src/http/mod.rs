//! The HTTP layer: one module per resource, each with its own `router()`, adapting requests
//! to operations (`crate::ops`) and stores, and their results to answers; the extractors
//! (`auth::Caller`, `auth::Manager`, `extract`), every bulk change's frame (`bulk`), the
//! security middleware and the OpenAPI document.

pub(crate) mod allocation_errors;
pub(crate) mod audit;
pub mod auth;
pub(crate) mod bulk;
pub(crate) mod export;
pub(crate) mod extract;
pub(crate) mod feed;
pub(crate) mod groups;
pub(crate) mod invitations;
pub(crate) mod license_api;
pub(crate) mod licenses;
pub(crate) mod member_changes;
pub(crate) mod members;
pub(crate) mod openapi;
pub(crate) mod security;
pub(crate) mod session;
pub(crate) mod teams;
pub(crate) mod web;

use allot_core::{Health, HealthStatus, paths};
use axum::{
    Json, Router,
    http::{HeaderValue, header},
    middleware,
    routing::get,
};
use tower_http::{
    compression::CompressionLayer, set_header::SetResponseHeaderLayer, trace::TraceLayer,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::ApiError;
use crate::{AppState, WebConfig};

/// The whole server: the API under `/api/v1` (every resource's routes), the console's files
/// when `config` has them, and the middleware every answer goes through.
pub fn router(state: AppState, config: &WebConfig) -> Router {
    let changes = state.changes.clone();
    let (api, document) = OpenApiRouter::new()
        .routes(routes!(health))
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
        .merge(licenses::router())
        .merge(audit::router())
        .split_for_parts();
    let document = Json(openapi::document(document));
    let api = api
        .route("/openapi.json", get(move || async move { document }))
        .route_layer(middleware::from_fn(record_route))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
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

    let mut app = Router::new().nest(paths::API, api);
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
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// A request's span names its method and, once routed, its route: never the URI, whose path
/// and query can hold invitation tokens and search terms.
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        route = tracing::field::Empty
    )
}

/// Records the matched route (`/api/v1/invitations/{token}/accept`) in the request's span.
async fn record_route(
    route: axum::extract::MatchedPath,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    tracing::Span::current().record("route", route.as_str());
    next.run(request).await
}

/// How long health waits for a connection when every one is at work before it answers
/// `busy`: a load balancer must not take a server out exactly when it is working hardest.
const HEALTH_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// Whether the server and its database answer: `ok`, or `busy` when every connection is at
/// work and none came back at once (still up); 500 when the database fails.
#[utoipa::path(get, path = paths::HEALTH, tag = "health",
    responses((status = 200, body = Health), (status = 500, body = allot_core::ErrorBody)))]
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Json<Health>, ApiError> {
    // Only a full pool earns `busy`: a database that is down must answer as down.
    let status = if state.db.saturated() {
        match tokio::time::timeout(HEALTH_WAIT, state.db.ping()).await {
            Ok(answered) => answered.map(|()| HealthStatus::Ok)?,
            Err(_) => HealthStatus::Busy,
        }
    } else {
        state.db.ping().await?;
        HealthStatus::Ok
    };
    Ok(Json(Health {
        status,
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
