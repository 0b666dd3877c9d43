//! The organization's state in the console: one snapshot, kept current by the server's change
//! feed, so that every page shows what every admin did without reloading; and the marks of
//! this admin's own changes while the server has not confirmed them.

use std::{collections::HashMap, time::Duration};

use allot_core::{Applied, ChangeEvent, MembersSnapshot, OrgId, sse::SseParser};
use leptos::{ev, prelude::*};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, ReadableStreamDefaultReader, TextDecoder};

use crate::{
    api::{self, ApiError},
    components::ErrorPanel,
};

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

/// What a pending change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Member(i64),
    Invitation(i64),
    Group(i64),
}

/// A change this admin made that the server's events have not reflected yet.
#[derive(Clone, Debug, PartialEq)]
struct Pending {
    label: String,
    /// The sequence number whose event confirms it, once the server answered.
    confirmed_at: Option<u64>,
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

#[derive(Clone, Copy)]
pub struct OrgState {
    pub org: OrgId,
    snapshot: RwSignal<Option<MembersSnapshot>>,
    error: RwSignal<Option<ApiError>>,
    connection: RwSignal<Connection>,
    licenses_version: RwSignal<u64>,
    allocation_errors_version: RwSignal<u64>,
    pending: RwSignal<HashMap<Subject, Pending>>,
    feed: StoredValue<Option<Feed>, LocalStorage>,
    failures: StoredValue<u32>,
    /// The reconnection waiting to happen, cleared when the pages go away.
    retry: StoredValue<Option<TimeoutHandle>>,
}

impl OrgState {
    /// Loads the organization's snapshot and follows its changes while the caller's owner
    /// lives (the organization's pages).
    pub fn new(org: OrgId) -> Self {
        let state = Self {
            org,
            snapshot: RwSignal::new(None),
            error: RwSignal::new(None),
            connection: RwSignal::new(Connection::Connecting),
            licenses_version: RwSignal::new(0),
            allocation_errors_version: RwSignal::new(0),
            pending: RwSignal::new(HashMap::new()),
            feed: StoredValue::new_local(None),
            failures: StoredValue::new(0),
            retry: StoredValue::new(None),
        };
        state.load();
        // The browser knows first: stop waiting on a dead connection, and catch up at once
        // when the network is back.
        let offline = window_event_listener(ev::offline, move |_| state.lost());
        let online = window_event_listener(ev::online, move |_| {
            state.failures.set_value(0);
            state.resume();
        });
        on_cleanup(move || {
            offline.remove();
            online.remove();
            state.feed.set_value(None);
            if let Some(retry) = state.retry.get_value() {
                retry.clear();
            }
        });
        state
    }

    pub fn get() -> Self {
        expect_context()
    }

    /// The organization as the last event left it.
    pub fn latest(&self) -> RwSignal<Option<MembersSnapshot>> {
        self.snapshot
    }

    /// Loads a fresh snapshot (the feed keeps it current; this is for a retry).
    pub fn reload(&self) {
        self.load();
    }

    /// What to show instead of the data while there is none: loading, or the failure with a
    /// retry. A failure while data is shown keeps the data and says so above it.
    pub fn status(self, what: &'static str) -> impl IntoView {
        move || match (self.error.get(), self.is_loaded()) {
            (Some(error), false) => {
                view! { <ErrorPanel message=error.to_string() retry=move || self.reload() /> }
                    .into_any()
            }
            (Some(error), true) => view! {
                <ErrorPanel
                    message=format!("Could not refresh the {what}: {error}")
                    retry=move || self.reload()
                />
            }
            .into_any(),
            (None, false) => {
                view! { <p class="loading" role="status">{format!("Loading {what}…")}</p> }
                    .into_any()
            }
            (None, true) => ().into_any(),
        }
    }

    pub fn connection(&self) -> Connection {
        self.connection.get()
    }

    /// Changes whenever machines or activations changed, for views that load them.
    pub fn licenses_version(&self) -> u64 {
        self.licenses_version.get()
    }

    /// Changes whenever allocation errors changed.
    pub fn allocation_errors_version(&self) -> u64 {
        self.allocation_errors_version.get()
    }

    pub fn is_loaded(&self) -> bool {
        self.snapshot.with(Option::is_some)
    }

    /// Loads a fresh snapshot, then follows the feed from it.
    pub fn load(self) {
        leptos::task::spawn_local(async move {
            match api::members(self.org).await {
                Ok(snapshot) => {
                    let seq = snapshot.seq;
                    self.snapshot.set(Some(snapshot));
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
        self.feed.set_value(None);
        let Ok(controller) = AbortController::new() else {
            self.lost();
            return;
        };
        let signal = controller.signal();
        self.feed.set_value(Some(Feed { controller }));
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
        self.failures.set_value(0);
        self.connection.set(Connection::Live);
        let options = web_sys::TextDecodeOptions::new();
        options.set_stream(true);
        let mut parser = SseParser::new();
        loop {
            let Ok(chunk) = JsFuture::from(reader.read()).await else {
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
        self.feed.set_value(None);
        let failures = self.failures.get_value();
        self.failures.set_value(failures + 1);
        let retry_in = FIRST_BACKOFF
            .saturating_mul(1 << failures.min(5))
            .min(MAX_BACKOFF);
        self.connection.set(Connection::Offline { retry_in });
        if let Some(earlier) = self.retry.get_value() {
            earlier.clear();
        }
        let retry = set_timeout_with_handle(
            move || {
                self.retry.set_value(None);
                if matches!(self.connection.get_untracked(), Connection::Offline { .. }) {
                    self.connection.set(Connection::Connecting);
                    self.resume();
                }
            },
            retry_in,
        );
        self.retry.set_value(retry.ok());
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
                if event.licenses_changed {
                    self.licenses_version.update(|v| *v += 1);
                }
                if event.allocation_errors_changed {
                    self.allocation_errors_version.update(|v| *v += 1);
                }
                self.settle_pending();
            }
            Applied::Stale => {}
            Applied::Gap => self.load(),
        }
    }

    /// Marks subjects as changing, shown at once on their rows as `label`.
    pub fn mark_pending(&self, subjects: &[Subject], label: &str) {
        self.pending.update(|pending| {
            for subject in subjects {
                pending.insert(
                    *subject,
                    Pending {
                        label: label.to_owned(),
                        confirmed_at: None,
                    },
                );
            }
        });
    }

    /// The server did these: the marks go when the event of `seq` has arrived.
    pub fn confirm(&self, subjects: &[Subject], seq: u64) {
        self.pending.update(|pending| {
            for subject in subjects {
                if let Some(mark) = pending.get_mut(subject) {
                    mark.confirmed_at = Some(seq);
                }
            }
        });
        self.settle_pending();
    }

    /// The server refused these: nothing changed, so the marks go now.
    pub fn roll_back(&self, subjects: &[Subject]) {
        self.pending.update(|pending| {
            for subject in subjects {
                pending.remove(subject);
            }
        });
    }

    /// What is happening to `subject`, if this admin is changing it.
    pub fn pending_label(&self, subject: Subject) -> Option<String> {
        self.pending
            .with(|pending| pending.get(&subject).map(|mark| mark.label.clone()))
    }

    fn settle_pending(&self) {
        let Some(seq) = self.snapshot.with_untracked(|s| s.as_ref().map(|s| s.seq)) else {
            return;
        };
        let settled = self.pending.with_untracked(|pending| {
            pending
                .values()
                .any(|mark| mark.confirmed_at.is_some_and(|at| at <= seq))
        });
        if settled {
            self.pending.update(|pending| {
                pending.retain(|_, mark| mark.confirmed_at.is_none_or(|at| at > seq))
            });
        }
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
