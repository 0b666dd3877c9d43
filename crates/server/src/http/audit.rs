//! The Audit Log: every change to the organization, newest first, a page at a time, with
//! filters by action, actor and time, and search over who, what and whom.

use allot_core::{
    AuditAction, AuditEntryId, AuditPage, OrgId,
    audit::{ActorFilter, Agent, AuditDetail, AuditExported},
    csv, paths, search,
};
use axum::{
    Json,
    body::{Body, Bytes},
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use futures_util::{Stream, TryStreamExt};
use serde::Deserialize;
use utoipa::IntoParams;

use axum::middleware::from_fn;
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouterExt},
    routes,
};

use crate::{
    AppState, change,
    db::{Db, now},
    error::{ApiError, ApiResult},
    http::security,
    http::{
        auth::{Caller, Manager},
        extract::QueryParams,
    },
    store::{
        audit::{self, Filter},
        organizations,
    },
};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

/// Which entries: the filters the list and its exports share.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilterQuery {
    /// Only these actions (their text), comma-separated
    action: Option<String>,
    /// Only this person's (account id), or `system`, `license_api`, `operator`
    actor: Option<String>,
    /// Only entries at or after (Unix seconds)
    from: Option<i64>,
    /// Only entries before (Unix seconds)
    until: Option<i64>,
    /// Who, what or whom, in any case or accent
    q: Option<String>,
}

/// Which page of the list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditPageQuery {
    /// Entries older than this entry id (the previous page's `next_before`)
    before: Option<i64>,
    /// Entries per page, 1 to 500 (100)
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

impl AuditFilterQuery {
    /// The filter it asks for, or why it cannot be one.
    pub fn filter(&self) -> ApiResult<Filter> {
        let actions = match self.action.as_deref().filter(|text| !text.is_empty()) {
            None => Vec::new(),
            Some(text) => text
                .split(',')
                .map(|action| {
                    AuditAction::parse(action.trim()).ok_or_else(|| {
                        ApiError::unprocessable(
                            "unknown_action",
                            format!("“{action}” is not an audit action."),
                        )
                    })
                })
                .collect::<ApiResult<_>>()?,
        };
        let actor = match self.actor.as_deref().filter(|text| !text.is_empty()) {
            None => None,
            Some(text) => Some(ActorFilter::parse(text).ok_or_else(|| {
                let agents = Agent::ALL.map(Agent::as_str).join(", ");
                ApiError::unprocessable(
                    "unknown_actor",
                    format!("The actor is an account id or one of {agents}."),
                )
            })?),
        };
        if let (Some(from), Some(until)) = (self.from, self.until)
            && from >= until
        {
            return Err(ApiError::unprocessable(
                "invalid_range",
                "The range ends before it starts: from must be earlier than until.",
            ));
        }
        // Control characters match nothing a sentence holds (and PostgreSQL takes no NUL).
        let search = self
            .q
            .as_deref()
            .map(|text| search::fold(&allot_core::text::without_forbidden(text)))
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty());
        Ok(Filter {
            actions,
            actor,
            from: self.from,
            until: self.until,
            search,
        })
    }
}

/// A page of the organization's audit log, newest first: keyset pages (`before` the last
/// entry seen), so that a page costs the same at any depth and new entries never shift one.
#[utoipa::path(get, path = paths::AUDIT, tag = "audit",
    params(("org_id" = i64, Path, description = "Organization id"), AuditPageQuery,
           AuditFilterQuery),
    responses((status = 200, body = AuditPage),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_query`"),
              (status = 422, body = allot_core::ErrorBody, description = "`invalid_range`, `unknown_action`, `unknown_actor`")))]
pub async fn list(
    State(state): State<AppState>,
    Manager { org_id, .. }: Manager,
    QueryParams(page): QueryParams<AuditPageQuery>,
    QueryParams(query): QueryParams<AuditFilterQuery>,
) -> ApiResult<Json<AuditPage>> {
    let filter = query.filter()?;
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("A page holds 1 to {MAX_LIMIT} entries."),
        ));
    }
    let entries = audit::page(
        &state.db,
        org_id,
        &filter,
        page.before.map(AuditEntryId),
        limit,
    )
    .await?;
    let next_before = (entries.len() == limit as usize)
        .then(|| entries.last().map(|entry| entry.id))
        .flatten();
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}

/// The export formats of the log.
#[derive(Clone, Copy)]
enum Format {
    Csv,
    JsonLines,
}

/// What the filters let through, every page, newest first: as CSV (a spreadsheet's, cells
/// that would run as formulas neutralised) or as JSON lines (one entry per line, for a SIEM).
/// Streamed as the database yields the rows. Exporting is audited like a change.
async fn export(
    state: AppState,
    caller: &Caller,
    org_id: OrgId,
    query: AuditFilterQuery,
    format: Format,
) -> ApiResult<Response> {
    let filter = query.filter()?;
    let mut tx = change::begin(&state.db, org_id).await?;
    let org_name = organizations::name(&mut *tx, org_id).await?;
    let extension = match format {
        Format::Csv => "csv",
        Format::JsonLines => "jsonl",
    };
    let detail = AuditDetail::AuditExported(AuditExported {
        format: extension.to_owned(),
        action: query.action,
        actor: query.actor,
        from: query.from,
        until: query.until,
        q: query.q.as_deref().map(allot_core::text::without_forbidden),
    });
    tx.finish(Some(caller.account_id), detail).await?;
    let name = csv::file_name(&org_name, "audit", extension, now());
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::JsonLines => "application/jsonl; charset=utf-8",
    };
    let body = Body::from_stream(
        lines(state.db.clone(), org_id, filter, format)
            .inspect_err(|error| tracing::error!(%error, "audit export failed")),
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Rows go out in chunks of about this many bytes rather than one tiny chunk each.
const CHUNK_BYTES: usize = 64 * 1024;

/// The file's bytes, entry by entry; a failure midway ends the body early, so the download is
/// seen to fail.
fn lines(
    db: Db,
    org_id: OrgId,
    filter: Filter,
    format: Format,
) -> impl Stream<Item = Result<Bytes, BoxError>> + Send + 'static {
    async_stream::try_stream! {
        let mut buffer = Vec::new();
        if let Format::Csv = format {
            write_record(&mut buffer, &csv::AUDIT_HEADER)?;
        }
        let mut entries = std::pin::pin!(audit::all(db, org_id, filter));
        while let Some(entry) = entries.try_next().await? {
            match format {
                Format::Csv => write_record(&mut buffer, &csv::audit_row(&entry))?,
                Format::JsonLines => {
                    serde_json::to_writer(&mut buffer, &entry)?;
                    buffer.push(b'\n');
                }
            }
            if buffer.len() >= CHUNK_BYTES {
                yield Bytes::from(std::mem::take(&mut buffer));
            }
        }
        yield Bytes::from(buffer);
    }
}

/// Appends one CSV record (RFC 4180) to `buffer`.
fn write_record(buffer: &mut Vec<u8>, record: &[impl AsRef<[u8]>]) -> Result<(), BoxError> {
    let mut writer = ::csv::Writer::from_writer(buffer);
    writer.write_record(record)?;
    writer.flush()?;
    Ok(())
}

/// The Audit Log as CSV: the list's filters, every page.
#[utoipa::path(get, path = paths::AUDIT_EXPORT_CSV, tag = "audit",
    params(("org_id" = i64, Path, description = "Organization id"), AuditFilterQuery),
    responses((status = 200, content_type = "text/csv", body = String,
               description = "Time (ISO 8601 UTC), Actor, Actor email, Action, What, Touched"),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_query`"),
              (status = 422, body = allot_core::ErrorBody, description = "`invalid_range`, `unknown_action`, `unknown_actor`")))]
pub async fn export_csv(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    QueryParams(query): QueryParams<AuditFilterQuery>,
) -> ApiResult<Response> {
    export(state, &caller, org_id, query, Format::Csv).await
}

/// The Audit Log as JSON lines (one entry per line, as the list gives it), for a SIEM.
#[utoipa::path(get, path = paths::AUDIT_EXPORT_JSONL, tag = "audit",
    params(("org_id" = i64, Path, description = "Organization id"), AuditFilterQuery),
    responses((status = 200, content_type = "application/jsonl", body = String,
               description = "One audit entry (as the list gives it) per line"),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_query`"),
              (status = 422, body = allot_core::ErrorBody, description = "`invalid_range`, `unknown_action`, `unknown_actor`")))]
pub async fn export_jsonl(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    QueryParams(query): QueryParams<AuditFilterQuery>,
) -> ApiResult<Response> {
    export(state, &caller, org_id, query, Format::JsonLines).await
}

/// The Audit Log: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(export_csv).layer(from_fn(security::same_origin_reads)))
        .routes(routes!(export_jsonl).layer(from_fn(security::same_origin_reads)))
}
