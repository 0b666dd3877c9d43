//! The members snapshot: the organization's state as the console holds it, from which the
//! change feed continues.

use allot_core::{MembersSnapshot, paths};
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    http::auth::Manager,
    store::snapshot,
};

/// Active and removed members with their licenses, stamped with the organization's sequence
/// number, with groups, pending invitations and seats. Read in one transaction so that the
/// parts agree with each other and the stamp; the change feed continues from the stamp.
#[utoipa::path(get, path = paths::MEMBERS, tag = "members",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = MembersSnapshot)))]
pub async fn list(
    State(state): State<AppState>,
    Manager { org_id, .. }: Manager,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // A few at a time: at 100,000 members each is ~20 MB, and a crowd of them must leave
    // connections for everything else.
    let _turn = state
        .snapshot_builds
        .acquire()
        .await
        .map_err(|_| ApiError::Internal)?;
    let mut tx = state.db.begin().await?;
    let snapshot: MembersSnapshot = snapshot::snapshot(&mut tx, org_id).await?;
    tx.commit().await?;
    // Written out, and compressed for a client that takes brotli, on a blocking thread: that
    // is most of the work, and the async workers must stay free to answer everyone else
    // (health among them) meanwhile.
    let brotli = accepts_brotli(&headers);
    let body = tokio::task::spawn_blocking(move || encode(&snapshot, brotli))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(|_| ApiError::Internal)?;
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if brotli {
        // Marked encoded, so the compression layer leaves it as it is.
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
    }
    Ok(response)
}

/// Whether `Accept-Encoding` takes brotli (and does not refuse it with `q=0`).
fn accepts_brotli(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("br"))
                && !parts.any(|parameter| {
                    parameter
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q == 0.0)
                })
        })
}

/// The snapshot as JSON, brotli-compressed at the quality on-the-fly compression uses (4).
fn encode(snapshot: &MembersSnapshot, brotli: bool) -> std::io::Result<Vec<u8>> {
    let json = serde_json::to_vec(snapshot)?;
    if !brotli {
        return Ok(json);
    }
    let mut compressed = Vec::with_capacity(json.len() / 8);
    let params = ::brotli::enc::BrotliEncoderParams {
        quality: 4,
        ..Default::default()
    };
    ::brotli::BrotliCompress(&mut json.as_slice(), &mut compressed, &params)?;
    Ok(compressed)
}

/// The members snapshot: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_taken_unless_refused() {
        let accepts = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_brotli(&headers)
        };
        assert!(accepts("gzip, deflate, br, zstd"));
        assert!(accepts("BR;q=0.5"));
        assert!(!accepts("gzip"));
        assert!(!accepts("br;q=0, gzip"));
        assert!(!accepts("brotli"));
        assert!(!accepts_brotli(&HeaderMap::new()));
    }
}
