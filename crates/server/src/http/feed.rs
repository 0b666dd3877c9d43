//! The change feed: server-sent events of an organization's changes, in sequence order,
//! resumable from the last one a client saw (`Last-Event-ID`, or `?after=` for the first
//! connection after loading a snapshot).

use std::{convert::Infallible, sync::Arc, time::Duration};

use allot_core::{OrgId, paths};
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
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    http::auth::{self, Manager},
    http::extract::QueryParams,
    store::changes::{self, RETAINED_EVENTS},
};

/// Checked again this often even when nothing woke the feed: changes made outside the servers
/// (the `pool` command on SQLite, an operator's SQL), a notification missed while another
/// server's could not be heard, and the caller's session (its expiry) and role.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Events sent per read; a client far behind gets them in batches.
const BATCH: i64 = 500;
/// How long a client waits before reconnecting after the stream ends.
const RETRY: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
pub struct FeedQuery {
    after: Option<i64>,
}

/// `change` events (`id` = sequence number, data = a `ChangeEvent`), and `reset` (data = the
/// current sequence number) when the client is too far behind for the log, ahead of it, or
/// did not say what it has: load a fresh snapshot then.
#[utoipa::path(get, path = paths::CHANGES, tag = "members",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("after" = Option<i64>, Query, minimum = 0, nullable = false,
            description = "The sequence number the client has"),
           ("Last-Event-ID" = Option<i64>, Header, minimum = 0, nullable = false,
            description = "On reconnection, the last event the client saw (wins over `after`)")),
    responses((status = 200, content_type = "text/event-stream", body = FeedEvent),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_position`")))]
pub async fn changes(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    QueryParams(query): QueryParams<FeedQuery>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let last_event_id = headers
        .get("last-event-id")
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|value| value.parse::<i64>().ok())
        })
        .map(|parsed| parsed.ok_or_else(bad_position));
    let last_event_id = last_event_id.transpose()?;
    if [last_event_id, query.after]
        .iter()
        .flatten()
        .any(|seq| *seq < 0)
    {
        return Err(bad_position());
    }
    // Without a position the client can only start from a snapshot: it is told to load one.
    let mut seen = last_event_id.or(query.after).unwrap_or(i64::MAX);
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
                yield Ok(FeedEvent::reset(current).into());
                break;
            }
            for (seq, body) in events {
                seen = seq;
                yield Ok(FeedEvent::change(seq, body).into());
            }
            if seen < current {
                continue;
            }
            let _ = tokio::time::timeout(POLL_INTERVAL, writes.changed()).await;
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(allot_core::sse::KEEP_ALIVE)))
}

/// One event of the feed, as the stream frames it.
#[derive(utoipa::ToSchema)]
pub struct FeedEvent {
    event: FeedEventKind,
    /// The sequence number of a `change`, for resuming with `Last-Event-ID`.
    id: Option<String>,
    /// A `change`: the `ChangeEvent` as JSON; a `reset`: the organization's current sequence
    /// number.
    data: String,
}

#[derive(Clone, Copy, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
enum FeedEventKind {
    Change,
    Reset,
}

impl FeedEvent {
    fn change(seq: i64, body: String) -> Self {
        Self {
            event: FeedEventKind::Change,
            id: Some(seq.to_string()),
            data: body,
        }
    }

    fn reset(current: i64) -> Self {
        Self {
            event: FeedEventKind::Reset,
            id: None,
            data: current.to_string(),
        }
    }
}

impl From<FeedEvent> for Event {
    fn from(feed_event: FeedEvent) -> Self {
        let name = match feed_event.event {
            FeedEventKind::Change => "change",
            FeedEventKind::Reset => "reset",
        };
        let event = Event::default().event(name).data(feed_event.data);
        match feed_event.id {
            Some(id) => event.id(id),
            None => event,
        }
    }
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
    let current = changes::current_seq(&mut tx, org_id).await? as i64;
    let events = changes::after(&mut tx, org_id, seen, BATCH).await?;
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

/// The change feed: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(changes))
}
