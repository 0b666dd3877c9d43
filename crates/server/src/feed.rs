//! The change feed: server-sent events of an organization's changes, in sequence order,
//! resumable from the last one a client saw (`Last-Event-ID`, or `?after=` for the first
//! connection after loading a snapshot).

use std::{convert::Infallible, sync::Arc, time::Duration};

use allot_core::OrgId;
use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method},
    middleware::Next,
    response::{
        Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::watch;

use crate::{
    AppState,
    auth::{self, Caller},
    change::RETAINED_EVENTS,
    error::{ApiError, ApiResult},
    extract::{PathParams, QueryParams},
};

/// Checked again this often even without a local write: changes made by another server
/// process (pool commands, a second server), and the caller's session (its expiry) and role.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Events sent per read; a client far behind gets them in batches.
const BATCH: i64 = 500;
/// How long a client waits before reconnecting after the stream ends.
const RETRY: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
pub struct FeedQuery {
    after: Option<i64>,
}

/// `change` events (`id` = sequence number, data = a `ChangeEvent`), and `reset` when the
/// client is too far behind for the log (or ahead of it): load a fresh snapshot then.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/changes", tag = "members",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("after" = Option<i64>, Query, minimum = 0, description = "The sequence number the client has")),
    responses((status = 200, content_type = "text/event-stream", body = allot_core::ChangeEvent),
              (status = 400, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
    QueryParams(query): QueryParams<FeedQuery>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    auth::manager(&state.db, &caller, org_id).await?;
    let last_event_id = headers
        .get("last-event-id")
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|value| value.parse::<i64>().ok())
        })
        .map(|parsed| parsed.ok_or_else(bad_position));
    let mut seen = match last_event_id.transpose()?.or(query.after) {
        Some(seq) if seq >= 0 => seq,
        Some(_) => return Err(bad_position()),
        None => {
            return Err(ApiError::bad_request(
                "missing_position",
                "Say which change you have: ?after=SEQ or a Last-Event-ID header.",
            ));
        }
    };
    let mut writes = state.changes.subscribe();
    let stream = async_stream::stream! {
        yield Ok(Event::default().retry(RETRY).comment("following"));
        loop {
            writes.borrow_and_update();
            // Stop as soon as the caller is signed out (signing out is a write, which wakes
            // this loop) or may no longer see the organization.
            if !caller.still_signed_in(&state.db).await.unwrap_or(false)
                || auth::manager(&state.db, &caller, org_id).await.is_err()
            {
                break;
            }
            let Ok((current, events)) = read(&state, org_id, seen).await else {
                break;
            };
            let first = events.first().map(|(seq, _)| *seq);
            let behind = current - seen;
            if seen > current || (behind > 0 && first != Some(seen + 1)) || behind > RETAINED_EVENTS {
                yield Ok(Event::default().event("reset").data(current.to_string()));
                break;
            }
            for (seq, body) in events {
                seen = seq;
                yield Ok(Event::default().event("change").id(seq.to_string()).data(body));
            }
            if seen < current {
                continue;
            }
            let _ = tokio::time::timeout(POLL_INTERVAL, writes.changed()).await;
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn bad_position() -> ApiError {
    ApiError::bad_request(
        "invalid_position",
        "The change you have (?after= or Last-Event-ID) must be a whole number from 0 to \
         9223372036854775807.",
    )
}

/// The organization's sequence number and the next events after `seen`.
async fn read(
    state: &AppState,
    org_id: OrgId,
    seen: i64,
) -> Result<(i64, Vec<(i64, String)>), sqlx::Error> {
    let mut tx = state.db.begin().await?;
    let current: i64 = sqlx::query_scalar("SELECT seq FROM organizations WHERE id = ?")
        .bind(org_id)
        .fetch_one(&mut *tx)
        .await?;
    let events = sqlx::query_as(
        "SELECT seq, body FROM change_events WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    )
    .bind(org_id)
    .bind(seen)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((current, events))
}

/// After a write request has been answered (and so committed), wakes the change feeds.
pub async fn wake_after_writes(
    changes: Arc<watch::Sender<u64>>,
    request: Request,
    next: Next,
) -> Response {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if writes {
        changes.send_modify(|count| *count = count.wrapping_add(1));
    }
    response
}
