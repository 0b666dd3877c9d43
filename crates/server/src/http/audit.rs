//! The Audit Log: every change to the organization, newest first, a page at a time, with
//! filters by action, actor and time, and search over who, what and whom.

use allot_core::{AccountId, AuditAction, AuditPage, audit::Agent, search};
use axum::{Json, Router, extract::State, routing};
use serde::Deserialize;

use crate::{
    AppState,
    http::{
        auth::Manager,
        error::{ApiError, ApiResult},
        extract::QueryParams,
    },
    store::audit::{self, ActorFilter, Filter},
};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

/// The Audit Log's query string.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// The last entry of the previous page: entries older than it.
    before: Option<i64>,
    limit: Option<u32>,
    /// Actions, by their text, comma-separated.
    action: Option<String>,
    /// A person's account id, or `system`, `license_api` or `operator`.
    actor: Option<String>,
    /// Unix seconds: entries at or after it.
    from: Option<i64>,
    /// Unix seconds: entries before it.
    until: Option<i64>,
    /// Who, what or whom, in any case, with or without accents.
    q: Option<String>,
}

impl AuditQuery {
    /// The filter it asks for, or why it cannot be one.
    pub fn filter(&self) -> ApiResult<Filter> {
        let actions = match self.action.as_deref().filter(|text| !text.is_empty()) {
            None => Vec::new(),
            Some(text) => text
                .split(',')
                .map(|action| {
                    AuditAction::parse(action.trim()).ok_or_else(|| {
                        ApiError::bad_request(
                            "invalid_query",
                            format!("“{action}” is not an audit action."),
                        )
                    })
                })
                .collect::<ApiResult<_>>()?,
        };
        let actor = match self.actor.as_deref().filter(|text| !text.is_empty()) {
            None => None,
            Some("system") => Some(ActorFilter::Agent(Agent::System)),
            Some("license_api") => Some(ActorFilter::Agent(Agent::LicenseApi)),
            Some("operator") => Some(ActorFilter::Agent(Agent::Operator)),
            Some(account) => Some(ActorFilter::Person(AccountId(account.parse().map_err(
                |_| {
                    ApiError::bad_request(
                        "invalid_query",
                        "The actor is an account id, system, license_api or operator.",
                    )
                },
            )?))),
        };
        if let (Some(from), Some(until)) = (self.from, self.until)
            && from >= until
        {
            return Err(ApiError::bad_request(
                "invalid_query",
                "The range starts before it ends: from must be earlier than until.",
            ));
        }
        let search = self
            .q
            .as_deref()
            .map(search::fold)
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
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/audit", tag = "audit",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("before" = Option<i64>, Query, description = "Entries older than this entry id"),
           ("limit" = Option<u32>, Query, description = "Entries per page, 1 to 500 (100)"),
           ("action" = Option<String>, Query, description = "Only these actions, comma-separated"),
           ("actor" = Option<String>, Query,
            description = "Only this person's (account id), or `system`, `license_api`, `operator`"),
           ("from" = Option<i64>, Query, description = "Only entries at or after (Unix seconds)"),
           ("until" = Option<i64>, Query, description = "Only entries before (Unix seconds)"),
           ("q" = Option<String>, Query, description = "Who, what or whom, in any case or accent")),
    responses((status = 200, body = AuditPage),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_query`")))]
pub async fn list(
    State(state): State<AppState>,
    Manager { org_id, .. }: Manager,
    QueryParams(query): QueryParams<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let filter = query.filter()?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("A page holds 1 to {MAX_LIMIT} entries."),
        ));
    }
    let entries = audit::page(&state.db, org_id, &filter, query.before, limit).await?;
    let next_before = (entries.len() == limit as usize)
        .then(|| entries.last().map(|entry| entry.id))
        .flatten();
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}

/// The Audit Log: this resource's routes, under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route("/orgs/{org_id}/audit", routing::get(list))
}
