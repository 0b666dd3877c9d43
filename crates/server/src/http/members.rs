//! The members snapshot: the organization's state as the console holds it, from which the
//! change feed continues.

use allot_core::MembersSnapshot;
use axum::{
    Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing,
};

use crate::{
    AppState,
    http::auth::Manager,
    http::error::{ApiError, ApiResult},
    store::snapshot,
};

/// Active and removed members with their licenses, stamped with the organization's sequence
/// number, with groups, pending invitations and seats. Read in one transaction so that the
/// parts agree with each other and the stamp; the change feed continues from the stamp.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/members", tag = "members",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = MembersSnapshot)))]
pub async fn list(
    State(state): State<AppState>,
    Manager { org_id, .. }: Manager,
) -> ApiResult<Response> {
    // A few at a time, read and written out: at 100,000 members each is ~20 MB, and a crowd
    // of them must leave connections for everything else.
    let _turn = state
        .snapshot_builds
        .acquire()
        .await
        .map_err(|_| ApiError::Internal)?;
    let mut tx = state.db.begin().await?;
    let snapshot: MembersSnapshot = snapshot::snapshot(&mut tx, org_id).await?;
    tx.commit().await?;
    let body = serde_json::to_vec(&snapshot).map_err(|_| ApiError::Internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The members snapshot: this resource's routes, under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route("/orgs/{org_id}/members", routing::get(list))
}
