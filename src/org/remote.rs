//! Server data of one page that stays on screen while it reloads.

use leptos::prelude::*;

use crate::{api::ApiError, components::Loadable};

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
    /// Loads with `fetch`, and again whenever `version` changes (another admin's change to
    /// what it shows, heard from the change feed).
    pub fn following<F>(
        fetch: impl Fn() -> F + 'static,
        version: impl Fn() -> u64 + 'static,
    ) -> Self
    where
        F: Future<Output = Result<T, ApiError>> + 'static,
    {
        let resource = LocalResource::new(fetch);
        let latest = RwSignal::new(None);
        let error = RwSignal::new(None);
        // The resource's answer is kept outside it, so that a reload keeps the last value.
        Effect::new(move |_| match resource.get() {
            Some(Ok(value)) => {
                latest.set(Some(value));
                error.set(None);
            }
            Some(Err(failure)) => error.set(Some(failure)),
            None => {}
        });
        Effect::new(move |previous: Option<u64>| {
            let current = version();
            if previous.is_some_and(|previous| previous != current) {
                resource.refetch();
            }
            current
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
}

impl<T: Clone + Send + Sync + 'static> Loadable for Remote<T> {
    fn is_loaded(&self) -> bool {
        self.latest.with(Option::is_some)
    }

    fn error(&self) -> Option<ApiError> {
        self.error.get()
    }

    fn retry(&self) {
        self.reload();
    }
}
