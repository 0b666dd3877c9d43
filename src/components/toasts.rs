use std::{sync::Arc, time::Duration};

use leptos::prelude::*;

/// How long a notice stays before it goes by itself.
const TOAST_LIFETIME: Duration = Duration::from_secs(8);

#[derive(Clone)]
struct Toast {
    id: u64,
    message: String,
    is_error: bool,
    action: Option<(&'static str, ToastAction)>,
}

/// Held by the notice itself, not by whatever raised it: that may be gone (a closed dialog)
/// by the time someone clicks.
type ToastAction = Arc<dyn Fn() + Send + Sync>;

/// Short notices at the foot of the screen ("2 users removed", with Undo), read out by
/// screen readers as they appear.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
    /// The timer that takes each toast away, by toast id; cleared with the console.
    timers: StoredValue<Vec<(u64, TimeoutHandle)>>,
}

impl Toasts {
    pub fn provide() -> Self {
        let toasts = Self {
            list: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
            timers: StoredValue::new(Vec::new()),
        };
        on_cleanup(move || {
            for (_, timer) in toasts.timers.get_value() {
                timer.clear();
            }
        });
        provide_context(toasts);
        toasts
    }

    pub fn get() -> Self {
        expect_context()
    }

    pub fn info(&self, message: impl Into<String>) {
        self.push(message.into(), false, None);
    }

    pub fn error(&self, message: impl Into<String>) {
        self.push(message.into(), true, None);
    }

    /// A notice with a button (e.g. "Undo"); the action runs at most once.
    pub fn with_action(
        &self,
        message: impl Into<String>,
        label: &'static str,
        action: impl Fn() + Send + Sync + 'static,
    ) {
        self.push(message.into(), false, Some((label, Arc::new(action))));
    }

    /// Says why the items of a bulk answer that failed did; returns the ids that went through.
    pub fn report_failures(&self, response: &allot_core::BulkResponse) -> Vec<i64> {
        response
            .results
            .iter()
            .filter_map(|result| match &result.error {
                Some(error) => {
                    self.error(error.message.clone());
                    None
                }
                None => Some(result.id),
            })
            .collect()
    }

    /// Reports a bulk answer: what was done to the items that went through, in a sentence
    /// `done` makes of their ids ("Revoked 2 invitations."), and why the rest were not.
    pub fn report(&self, response: &allot_core::BulkResponse, done: impl FnOnce(&[i64]) -> String) {
        let succeeded = self.report_failures(response);
        if !succeeded.is_empty() {
            self.info(done(&succeeded));
        }
    }

    /// Reports a change to groups or allocations: `done` ("Saved group QA."), then what it
    /// did to members (`what` changed: "licenses", "role or licenses") and to seats.
    pub fn report_change(&self, done: &str, what: &str, change: &allot_core::GroupChange) {
        use allot_core::format::plural;
        let mut message = done.to_owned();
        if change.members_changed > 0 {
            message.push_str(&format!(
                " Changed the {what} of {}.",
                plural(change.members_changed as usize, "member", "members")
            ));
        }
        if change.seats_freed > 0 {
            message.push_str(&format!(
                " Freed {}.",
                plural(change.seats_freed as usize, "seat", "seats")
            ));
        }
        self.info(message);
    }

    fn push(&self, message: String, is_error: bool, action: Option<(&'static str, ToastAction)>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.list.update(|list| {
            list.push(Toast {
                id,
                message,
                is_error,
                action,
            })
        });
        let this = *self;
        if let Ok(timer) = set_timeout_with_handle(move || this.forget(id), TOAST_LIFETIME) {
            self.timers.update_value(|timers| timers.push((id, timer)));
        }
    }

    fn dismiss(&self, id: u64) {
        let timer = self.timers.with_value(|timers| {
            timers
                .iter()
                .find(|(of, _)| *of == id)
                .map(|(_, timer)| *timer)
        });
        if let Some(timer) = timer {
            timer.clear();
        }
        self.forget(id);
    }

    fn forget(&self, id: u64) {
        self.timers
            .update_value(|timers| timers.retain(|(of, _)| *of != id));
        self.list.update(|list| list.retain(|toast| toast.id != id));
    }
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = Toasts::get();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|toast| toast.id let:toast>
                <div class="toast" class:error=toast.is_error>
                    <span>{toast.message.clone()}</span>
                    {toast.action.map(|(label, action)| {
                        let id = toast.id;
                        view! {
                            <button type="button" class="secondary" on:click=move |_| {
                                toasts.dismiss(id);
                                action();
                            }>{label}</button>
                        }
                    })}
                    <button type="button" class="dismiss" aria-label="Dismiss" on:click=move |_| toasts.dismiss(toast.id)>"×"</button>
                </div>
            </For>
        </div>
    }
}
