//! Export Users: the organization's members as a CSV file, streamed as the rows are read so
//! that a hundred thousand members never sit in memory at once.

use allot_core::{
    OrgId,
    api::StatusFilter,
    audit::{AuditDetail, MembersExported},
    csv, paths,
    search::{SearchQuery, member_search_key},
};
use axum::{
    body::{Body, Bytes},
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use futures_util::{Stream, TryStreamExt};
use serde::Deserialize;
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouterExt},
    routes,
};

use crate::{
    AppState, change,
    db::{Db, now},
    error::ApiResult,
    http::auth::Manager,
    http::extract::QueryParams,
    http::security,
    store::{self, organizations},
};

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    status: StatusFilter,
    /// What is typed in the console's search box: only the rows it shows are exported.
    #[serde(default)]
    q: String,
}

/// Rows go out in chunks of about this many bytes rather than one tiny chunk each.
const CHUNK_BYTES: usize = 64 * 1024;

/// The members as `<org>-users-<date>.csv` (RFC 4180, UTF-8). Exporting personal data is
/// audited like a change.
#[utoipa::path(get, path = paths::MEMBERS_EXPORT_CSV, tag = "members",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("status" = Option<StatusFilter>, Query, description = "`active`, `removed` or `all` (the default)"),
           ("q" = Option<String>, Query, description = "Only members the console's search for this text finds")),
    responses((status = 200, content_type = "text/csv", body = String,
               description = "Full name, Email, Role, Status, Join date, Removed date, Removed by, \
                              Last access, Licenses; dates in ISO 8601 UTC"),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_query`")))]
pub async fn members_csv(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    QueryParams(mut query): QueryParams<ExportQuery>,
) -> ApiResult<Response> {
    // Control characters match nothing a member's search key holds (and PostgreSQL stores
    // no NUL in the audit entry's detail).
    query.q = allot_core::text::without_forbidden(&query.q);
    let mut tx = change::begin(&state.db, org_id).await?;
    let org_name = organizations::name(&mut *tx, org_id).await?;
    let detail = AuditDetail::MembersExported(MembersExported {
        status: query.status,
        q: query.q.clone(),
    });
    tx.finish(Some(caller.account_id), detail).await?;

    let disposition = format!(
        "attachment; filename=\"{}\"",
        csv::file_name(&org_name, "users", "csv", now())
    );
    let body = Body::from_stream(
        csv_rows(state.db.clone(), org_id, query)
            .inspect_err(|error| tracing::error!(%error, "members export failed")),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The file's bytes: the header, then each matching member's row as the database yields it.
/// A failure midway ends the body early, so the download is seen to fail.
fn csv_rows(
    db: Db,
    org_id: OrgId,
    query: ExportQuery,
) -> impl Stream<Item = Result<Bytes, BoxError>> + Send + 'static {
    async_stream::try_stream! {
        let search = SearchQuery::new(&query.q);
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.write_record(csv::HEADER)?;
        let mut rows = std::pin::pin!(store::export::members(db, org_id, query.status.status()));
        while let Some(row) = rows.try_next().await? {
            let (member, licenses) = row.into_member();
            if !search.matches(&member_search_key(&member)) {
                continue;
            }
            let licenses: Vec<&str> = licenses.iter().map(String::as_str).collect();
            writer.write_record(csv::member_row(&member, &licenses))?;
            if writer.get_ref().len() >= CHUNK_BYTES {
                yield take(&mut writer)?;
            }
        }
        yield take(&mut writer)?;
    }
}

/// Everything written so far, leaving `writer` empty.
fn take(writer: &mut ::csv::Writer<Vec<u8>>) -> Result<Bytes, BoxError> {
    let full = std::mem::replace(writer, ::csv::Writer::from_writer(Vec::new()));
    Ok(Bytes::from(full.into_inner()?))
}

/// Export Users: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(members_csv).layer(axum::middleware::from_fn(security::same_origin_reads)))
}
