//! The organization's state in the console: one snapshot, kept current by the server's change
//! feed, so that every page shows what every admin did without reloading; and the marks of
//! this admin's own changes while the server has not confirmed them.

use std::{collections::HashMap, time::Duration};

use allot_core::{Applied, ChangeEvent, MembersSnapshot, OrgId};
use leptos::{ev, prelude::*};
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{EventSource, MessageEvent};

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

/// An open feed; dropping it closes the connection and its handlers.
struct Feed {
    source: EventSource,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.source.close();
    }
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

    fn connect(self, after: u64) {
        self.feed.set_value(None);
        let url = api::changes_url(self.org, after);
        let Ok(source) = EventSource::new(&url) else {
            self.lost();
            return;
        };
        let on_open = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
            self.failures.set_value(0);
            self.connection.set(Connection::Live);
        });
        let on_change = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let data = message.data().as_string().unwrap_or_default();
            match serde_json::from_str::<ChangeEvent>(&data) {
                Ok(event) => self.apply(&event),
                Err(_) => self.load(),
            }
        });
        let on_reset = Closure::<dyn FnMut(MessageEvent)>::new(move |_| self.load());
        let on_error = Closure::<dyn FnMut(MessageEvent)>::new(move |_| self.lost());
        let listen = |name: &str, handler: &Closure<dyn FnMut(MessageEvent)>| {
            let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        };
        listen("open", &on_open);
        listen("change", &on_change);
        listen("reset", &on_reset);
        listen("error", &on_error);
        self.feed.set_value(Some(Feed {
            source,
            _handlers: vec![on_open, on_change, on_reset, on_error],
        }));
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
        set_timeout(
            move || {
                if matches!(self.connection.get_untracked(), Connection::Offline { .. }) {
                    self.connection.set(Connection::Connecting);
                    self.resume();
                }
            },
            retry_in,
        );
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
