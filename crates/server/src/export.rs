//! Export Users: the organization's members as a CSV file, streamed as the rows are read so
//! that a hundred thousand members never sit in memory at once.

use allot_core::{
    Member, MemberStatus, OrgId, Role, csv,
    search::{SearchQuery, member_search_key},
};
use axum::{Router, routing};
use axum::{
    body::{Body, Bytes},
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use futures_util::{Stream, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::{Backend, query_as, query_scalar};
use crate::{
    AppState,
    auth::Manager,
    change,
    db::{Db, now},
    error::ApiResult,
    extract::QueryParams,
};

/// Which members to export: the Active Users tab, the Removed Users tab, or both.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Active,
    Removed,
    #[default]
    All,
}

impl StatusFilter {
    /// The `memberships.status` to keep, or `None` for every member.
    fn stored(self) -> Option<&'static str> {
        match self {
            StatusFilter::Active => Some("active"),
            StatusFilter::Removed => Some("removed"),
            StatusFilter::All => None,
        }
    }
}

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

/// Active members first, then removed ones, each by name. Licenses are the effective ones
/// (`allot_core::allocation`: direct, plus the groups' rules unless Allocate to User), as
/// product names joined with U+001F, which no name contains, for `csv::member_row` to join.
const MEMBERS_SQL: &str = "
    SELECT m.id, a.full_name, a.email, m.role, m.status, m.joined_at, m.removed_at,
           r.full_name AS removed_by, m.last_access_at,
           (SELECT {names} FROM products p
             WHERE p.id IN (SELECT product_id FROM direct_allocations WHERE membership_id = m.id)
                OR (NOT m.allocate_to_user AND p.id IN (
                      SELECT gp.product_id FROM group_members gm
                        JOIN group_products gp ON gp.group_id = gm.group_id
                       WHERE gm.membership_id = m.id))) AS licenses
    FROM memberships m
    JOIN accounts a ON a.id = m.account_id
    LEFT JOIN accounts r ON r.id = m.removed_by
    WHERE m.org_id = ?1 AND (?2 IS NULL OR m.status = ?2)
    ORDER BY m.status, a.full_name COLLATE NOCASE, m.id";

/// [`MEMBERS_SQL`] for `backend`: the product names joined with U+001F.
fn members_sql(backend: Backend) -> String {
    let names = match backend {
        Backend::Sqlite => "GROUP_CONCAT(p.name, char(31) ORDER BY p.name)",
        Backend::Postgres => "string_agg(p.name, chr(31) ORDER BY p.name)",
    };
    MEMBERS_SQL.replace("{names}", names)
}

/// The members as `<org>-users-<date>.csv` (RFC 4180, UTF-8). Exporting personal data is
/// audited like a change.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/members/export.csv", tag = "members",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("status" = Option<StatusFilter>, Query, description = "`active`, `removed` or `all` (the default)"),
           ("q" = Option<String>, Query, description = "Only members the console's search for this text finds")),
    responses((status = 200, content_type = "text/csv", body = String,
               description = "Full name, Email, Role, Status, Join date, Removed date, Removed by, \
                              Last access, Licenses; dates in ISO 8601 UTC"),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_query`"),
              (status = 401, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn members_csv(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    QueryParams(query): QueryParams<ExportQuery>,
) -> ApiResult<Response> {
    let mut tx = change::begin(&state.db, org_id).await?;
    let org_name: String = query_scalar("SELECT name FROM organizations WHERE id = ?")
        .bind(org_id)
        .fetch_one(&mut *tx)
        .await?;
    let detail = json!({ "status": query.status, "q": query.q });
    change::record(
        &mut tx,
        org_id,
        Some(caller.account_id),
        "members.exported",
        detail,
    )
    .await?;
    tx.commit().await?;

    let disposition = format!(
        "attachment; filename=\"{}\"",
        csv::file_name(&org_name, now())
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
        let sql = members_sql(db.backend());
        let mut rows = query_as::<ExportRow>(&sql)
            .bind(org_id)
            .bind(query.status.stored())
            .fetch(&db);
        while let Some(row) = rows.try_next().await? {
            let licenses = row.licenses.clone();
            let member = row.member()?;
            if !search.matches(&member_search_key(&member)) {
                continue;
            }
            let licenses: Vec<&str> = licenses.iter().flat_map(|names| names.split('\u{1f}')).collect();
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

/// A row of [`MEMBERS_SQL`].
#[derive(sqlx::FromRow)]
struct ExportRow {
    id: i64,
    full_name: String,
    email: String,
    role: Role,
    status: MemberStatus,
    joined_at: i64,
    removed_at: Option<i64>,
    removed_by: Option<String>,
    last_access_at: Option<i64>,
    licenses: Option<String>,
}

impl ExportRow {
    /// The member as the console sees it; the licenses, which the file lists by name, are
    /// left out.
    fn member(self) -> Result<Member, BoxError> {
        Ok(Member {
            id: self.id,
            full_name: self.full_name,
            email: self.email,
            role: self.role,
            status: self.status,
            joined_at: self.joined_at,
            removed_at: self.removed_at,
            removed_by: self.removed_by,
            last_access_at: self.last_access_at,
            licenses: Vec::new(),
            allocate_to_user: false,
            groups: Vec::new(),
            held: Vec::new(),
        })
    }
}

/// Export Users: this resource's routes, under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/orgs/{org_id}/members/export.csv",
        routing::get(members_csv),
    )
}
