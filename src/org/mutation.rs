//! The one way the console sends a change: call the server, mark the rows it is about at
//! once, report the answer, and settle the marks with the server's event or roll them back.

use std::sync::Arc;

use allot_core::{BulkResponse, ItemResult};
use leptos::prelude::*;

use super::{OrgState, Subject};
use crate::{api::ApiError, components::Toasts};

type Send_<I> = Arc<dyn Fn(I) + Send + Sync>;

/// A change this admin sends. `busy()` holds while one is in flight (buttons wait on it); a
/// failure becomes an error notice and changes nothing on screen.
pub struct Mutation<I: 'static> {
    send: StoredValue<Send_<I>>,
    in_flight: RwSignal<u32>,
}

impl<I> Clone for Mutation<I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I> Copy for Mutation<I> {}

impl<I: 'static> Mutation<I> {
    /// Sends `call(input)`; `done` reports a success (a notice, closing a dialog...), unless
    /// what sent it has gone meanwhile (a dialog cancelled while waiting).
    pub fn new<T, F>(
        call: impl Fn(&I) -> F + Send + Sync + 'static,
        done: impl Fn(&I, T) + Send + Sync + 'static,
    ) -> Self
    where
        T: 'static,
        F: Future<Output = Result<T, ApiError>> + 'static,
    {
        let toasts = Toasts::get();
        Self::start(call, move |input, result, sender_alive| match result {
            Ok(value) if sender_alive => done(&input, value),
            Ok(_) => {}
            Err(error) => toasts.error(error.to_string()),
        })
    }

    /// As `new`, but a failure goes to `failed`, to be said where the person is (a form's
    /// own error line), not in a notice.
    pub fn with_failure<T, F>(
        call: impl Fn(&I) -> F + Send + Sync + 'static,
        done: impl Fn(&I, T) + Send + Sync + 'static,
        failed: impl Fn(&I, ApiError) + Send + Sync + 'static,
    ) -> Self
    where
        T: 'static,
        F: Future<Output = Result<T, ApiError>> + 'static,
    {
        Self::start(call, move |input, result, sender_alive| match result {
            Ok(value) if sender_alive => done(&input, value),
            Err(error) if sender_alive => failed(&input, error),
            _ => {}
        })
    }

    /// A change to many rows, shown on them at once as `label` ("Removing…"): the rows of
    /// the items the server did keep the mark until its event arrives (then they show the
    /// change), those it refused lose it now; `done` reports the answer, even when the dialog
    /// that sent it has closed (it closes at once).
    pub fn bulk<F>(
        marks: (fn(i64) -> Subject, &'static str),
        ids: fn(&I) -> Vec<i64>,
        call: impl Fn(&I) -> F + Send + Sync + 'static,
        done: impl Fn(&I, &BulkResponse) + Send + Sync + 'static,
    ) -> Self
    where
        F: Future<Output = Result<BulkResponse, ApiError>> + 'static,
    {
        let state = OrgState::get();
        let toasts = Toasts::get();
        let (subject, label) = marks;
        let subjects = move |input: &I| ids(input).into_iter().map(subject).collect::<Vec<_>>();
        let marked_call = move |input: &I| {
            state.mark_pending(&subjects(input), label);
            call(input)
        };
        Self::start(marked_call, move |input, result, _| match result {
            Ok(response) => {
                let (did, refused): (Vec<&ItemResult>, Vec<&ItemResult>) = response
                    .results
                    .iter()
                    .partition(|result| result.error.is_none());
                let of = |results: Vec<&ItemResult>| -> Vec<Subject> {
                    results.iter().map(|result| subject(result.id)).collect()
                };
                state.confirm(&of(did), response.seq);
                state.roll_back(&of(refused));
                done(&input, &response);
            }
            Err(error) => {
                state.roll_back(&subjects(&input));
                toasts.error(error.to_string());
            }
        })
    }

    fn start<T, F>(
        call: impl Fn(&I) -> F + Send + Sync + 'static,
        finish: impl Fn(I, Result<T, ApiError>, bool) + Send + Sync + 'static,
    ) -> Self
    where
        T: 'static,
        F: Future<Output = Result<T, ApiError>> + 'static,
    {
        let in_flight = RwSignal::new(0);
        // Disposed with the owner that made the mutation: whether the sender is still there.
        let sender = StoredValue::new(());
        let finish = Arc::new(finish);
        let send: Send_<I> = Arc::new(move |input: I| {
            let request = call(&input);
            let finish = finish.clone();
            in_flight.update(|n| *n += 1);
            leptos::task::spawn_local(async move {
                let result = request.await;
                // The page that sent it may be gone; its answer is reported all the same.
                in_flight.try_update(|n| *n -= 1);
                finish(input, result, !sender.is_disposed());
            });
        });
        Self {
            send: StoredValue::new(send),
            in_flight,
        }
    }

    pub fn run(&self, input: I) {
        if let Some(send) = self.send.try_get_value() {
            send(input);
        }
    }

    /// Whether a change sent is still waiting for the server's answer.
    pub fn busy(&self) -> bool {
        self.in_flight.get() > 0
    }
}

/// Sends one change now, with no handle to keep: for what outlives the view that offers
/// it (a notice's Undo, after its dialog closed).
pub fn send_once<T, F>(request: F, toasts: Toasts, done: impl FnOnce(T) + 'static)
where
    T: 'static,
    F: Future<Output = Result<T, ApiError>> + 'static,
{
    leptos::task::spawn_local(async move {
        match request.await {
            Ok(value) => done(value),
            Err(error) => toasts.error(error.to_string()),
        }
    });
}
