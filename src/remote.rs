//! Server data that stays on screen while it reloads.

use leptos::prelude::*;

use crate::{api::ApiError, components::ErrorPanel};

/// A resource plus the last value it loaded. Pages render from `latest`, so a reload after a
/// change updates tables in place (keeping their sort, scroll and selection) instead of
/// replacing them with a loading state.
pub struct Remote<T: Send + Sync + 'static> {
    resource: LocalResource<Result<T, ApiError>>,
    latest: RwSignal<Option<T>>,
    error: RwSignal<Option<ApiError>>,
}

impl<T: Send + Sync + 'static> Clone for Remote<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Remote<T> {}

impl<T: Clone + Send + Sync + 'static> Remote<T> {
    pub fn new<F>(fetch: impl Fn() -> F + 'static) -> Self
    where
        F: Future<Output = Result<T, ApiError>> + 'static,
    {
        let resource = LocalResource::new(fetch);
        let latest = RwSignal::new(None);
        let error = RwSignal::new(None);
        Effect::new(move |_| match resource.get() {
            Some(Ok(value)) => {
                latest.set(Some(value));
                error.set(None);
            }
            Some(Err(failure)) => error.set(Some(failure)),
            None => {}
        });
        Self {
            resource,
            latest,
            error,
        }
    }

    pub fn reload(&self) {
        self.resource.refetch();
    }

    /// The last value loaded, if any.
    pub fn latest(&self) -> RwSignal<Option<T>> {
        self.latest
    }

    pub fn is_loaded(&self) -> bool {
        self.latest.with(Option::is_some)
    }

    /// What to show instead of the data while there is none: loading, or the failure with a
    /// retry. A failed reload while data is shown keeps the data and says so above it.
    pub fn status(self, what: &'static str) -> impl IntoView {
        move || {
            match (self.error.get(), self.is_loaded()) {
            (Some(error), false) => {
                view! { <ErrorPanel message=error.to_string() retry=move || self.reload() /> }.into_any()
            }
            (Some(error), true) => view! {
                <ErrorPanel message=format!("Could not refresh the {what}: {error}") retry=move || self.reload() />
            }
            .into_any(),
            (None, false) => {
                view! { <p class="loading" role="status">{format!("Loading {what}…")}</p> }.into_any()
            }
            (None, true) => ().into_any(),
        }
        }
    }
}
