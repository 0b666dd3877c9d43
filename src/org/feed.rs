//! The change feed: the organization's snapshot kept current by the server's events, so
//! that every page shows what every admin did without reloading.

use std::time::Duration;

use allot_core::{
    Applied, ChangeEvent,
    sse::{self, SseParser},
};
use leptos::{ev, prelude::*};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, ReadableStreamDefaultReader, TextDecoder};

use super::OrgState;
use crate::api;

/// Reconnection waits double from this, up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Whether the console hears about changes as they happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    /// The feed is down; it is tried again after `retry_in`.
    Offline {
        retry_in: Duration,
    },
}

/// An open feed; dropping it closes the connection.
struct Feed {
    controller: AbortController,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.controller.abort();
    }
}

/// Why reading the feed stopped, when it was not closed on purpose.
enum Ended {
    /// The server asked for a fresh snapshot, which is loading.
    Reset,
    /// The connection failed or the server ended it.
    Broken,
}

/// The feed's handles, owned by the organization's state.
#[derive(Clone, Copy)]
pub(super) struct FeedHandle {
    feed: StoredValue<Option<Feed>, LocalStorage>,
    failures: StoredValue<u32>,
    /// The reconnection waiting to happen, cleared when the pages go away.
    retry: StoredValue<Option<TimeoutHandle>>,
}

impl FeedHandle {
    pub(super) fn new() -> Self {
        Self {
            feed: StoredValue::new_local(None),
            failures: StoredValue::new(0),
            retry: StoredValue::new(None),
        }
    }
}

impl OrgState {
    /// Loads the snapshot and follows the feed while the caller's owner lives.
    pub(super) fn start(self) {
        self.load();
        // The browser knows first: stop waiting on a dead connection, and catch up at once
        // when the network is back.
        let offline = window_event_listener(ev::offline, move |_| self.lost());
        let online = window_event_listener(ev::online, move |_| {
            self.feed.failures.set_value(0);
            self.resume();
        });
        on_cleanup(move || {
            offline.remove();
            online.remove();
            self.feed.feed.set_value(None);
            if let Some(retry) = self.feed.retry.get_value() {
                retry.clear();
            }
        });
    }

    pub fn connection(&self) -> Connection {
        self.connection.get()
    }

    /// Loads a fresh snapshot, then follows the feed from it.
    pub fn load(self) {
        leptos::task::spawn_local(async move {
            match api::members(self.org).await {
                Ok(snapshot) => {
                    let seq = snapshot.seq;
                    let first = self.snapshot.with_untracked(Option::is_none);
                    self.snapshot.set(Some(snapshot));
                    if !first {
                        // Loaded again after missed events: they may have changed any list.
                        self.versions.changed(None);
                    }
                    self.error.set(None);
                    self.settle_pending();
                    self.connect(seq);
                }
                Err(error) => {
                    self.error.set(Some(error));
                    self.lost();
                }
            }
        });
    }

    fn resume(self) {
        match self.snapshot.with_untracked(|s| s.as_ref().map(|s| s.seq)) {
            Some(seq) => self.connect(seq),
            None => self.load(),
        }
    }

    /// Follows the feed from after the change `after`, over `fetch` (which can carry a bearer
    /// token, unlike `EventSource`).
    fn connect(self, after: u64) {
        self.feed.feed.set_value(None);
        let Ok(controller) = AbortController::new() else {
            self.lost();
            return;
        };
        let signal = controller.signal();
        self.feed.feed.set_value(Some(Feed { controller }));
        leptos::task::spawn_local(async move {
            let ended = self.follow(after, &signal).await;
            // Closed on purpose (a newer connection, or the pages went away): nothing to do,
            // and the state may already be gone.
            if signal.aborted() {
                return;
            }
            if let Ended::Broken = ended {
                self.lost();
            }
        });
    }

    /// Reads the feed's events and applies them until the stream ends.
    async fn follow(self, after: u64, signal: &AbortSignal) -> Ended {
        let Ok(response) = crate::api::changes(self.org, after, signal).await else {
            return Ended::Broken;
        };
        let (Some(body), Ok(decoder)) = (response.body(), TextDecoder::new()) else {
            return Ended::Broken;
        };
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        self.feed.failures.set_value(0);
        self.connection.set(Connection::Live);
        let options = web_sys::TextDecodeOptions::new();
        options.set_stream(true);
        let mut parser = SseParser::new();
        loop {
            let Some(Ok(chunk)) = within(reader.read(), sse::SILENCE).await else {
                return Ended::Broken;
            };
            let field = |name: &str| js_sys::Reflect::get(&chunk, &name.into()).ok();
            if field("done").and_then(|done| done.as_bool()) != Some(false) {
                return Ended::Broken;
            }
            let Some(bytes) =
                field("value").and_then(|value| value.dyn_into::<js_sys::Uint8Array>().ok())
            else {
                return Ended::Broken;
            };
            let text = decoder
                .decode_with_js_u8_array_and_options(&bytes, &options)
                .unwrap_or_default();
            for event in parser.push(&text) {
                match event.event.as_str() {
                    "change" => match serde_json::from_str::<ChangeEvent>(&event.data) {
                        Ok(change) => self.apply(&change),
                        Err(_) => {
                            self.load();
                            return Ended::Reset;
                        }
                    },
                    "reset" => {
                        self.load();
                        return Ended::Reset;
                    }
                    _ => {}
                }
            }
        }
    }

    /// The feed broke: close it (the browser's own retry would not back off) and try again
    /// later, waiting longer after each failure.
    fn lost(self) {
        self.feed.feed.set_value(None);
        let failures = self.feed.failures.get_value();
        self.feed.failures.set_value(failures + 1);
        let retry_in = FIRST_BACKOFF
            .saturating_mul(1 << failures.min(5))
            .min(MAX_BACKOFF);
        self.connection.set(Connection::Offline { retry_in });
        if let Some(earlier) = self.feed.retry.get_value() {
            earlier.clear();
        }
        let retry = set_timeout_with_handle(
            move || {
                self.feed.retry.set_value(None);
                if matches!(self.connection.get_untracked(), Connection::Offline { .. }) {
                    self.connection.set(Connection::Connecting);
                    self.resume();
                }
            },
            retry_in,
        );
        self.feed.retry.set_value(retry.ok());
    }

    fn apply(self, event: &ChangeEvent) {
        let mut applied = Applied::Stale;
        self.snapshot.update(|snapshot| {
            if let Some(snapshot) = snapshot {
                applied = snapshot.apply(event);
            }
        });
        match applied {
            Applied::Applied => {
                self.versions.changed(Some(event));
                if let Some(entry) = &event.audit {
                    self.audit.update(|entries| {
                        entries.push(entry.clone());
                        let excess = entries.len().saturating_sub(super::LIVE_AUDIT_ENTRIES);
                        entries.drain(..excess);
                    });
                }
                self.settle_pending();
            }
            Applied::Stale => {}
            Applied::Gap => self.load(),
        }
    }
}

/// What `promise` settles to, or None when `limit` passes first.
async fn within(promise: js_sys::Promise, limit: Duration) -> Option<Result<JsValue, JsValue>> {
    let timed_out = JsValue::from(js_sys::Object::new());
    let mut timer = None;
    let timeout = js_sys::Promise::new(&mut |resolve, _| {
        timer = window()
            .set_timeout_with_callback_and_timeout_and_arguments_1(
                &resolve,
                i32::try_from(limit.as_millis()).unwrap_or(i32::MAX),
                &timed_out,
            )
            .ok();
    });
    let settled = JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(
        &promise, &timeout,
    )))
    .await;
    if let Some(timer) = timer {
        window().clear_timeout_with_handle(timer);
    }
    match settled {
        Ok(value) if value == timed_out => None,
        settled => Some(settled),
    }
}

/// "Live", or "Offline" with when the console tries again: beside the organization's name.
#[component]
pub fn ConnectionStatus() -> impl IntoView {
    let state = OrgState::get();
    let text = move || match state.connection() {
        Connection::Connecting => "Connecting…".to_owned(),
        Connection::Live => "Live".to_owned(),
        Connection::Offline { retry_in } => format!(
            "Offline: changes will show when the connection is back (retrying in {} s)",
            retry_in.as_secs()
        ),
    };
    let class = move || match state.connection() {
        Connection::Live => "connection live",
        Connection::Connecting => "connection connecting",
        Connection::Offline { .. } => "connection offline",
    };
    view! {
        <p class=class role="status" aria-live="polite">
            {text}
        </p>
    }
}
