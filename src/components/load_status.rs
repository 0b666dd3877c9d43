use leptos::prelude::*;

use crate::{api::ApiError, components::ErrorPanel};

/// Server data a page shows: the organization's state, or a resource of a page.
pub trait Loadable: Copy + Send + Sync + 'static {
    fn is_loaded(&self) -> bool;
    /// Why the last load failed, if it did.
    fn error(&self) -> Option<ApiError>;
    fn retry(&self);
}

/// What to show instead of `source`'s data while there is none: loading, or the failure with
/// a retry. A failed reload while data is shown keeps the data and says so above it.
#[component]
pub fn LoadStatus<S: Loadable>(
    source: S,
    /// What is loading: "members".
    what: &'static str,
) -> impl IntoView {
    move || match (source.error(), source.is_loaded()) {
        (Some(error), false) => {
            view! { <ErrorPanel message=error.to_string() retry=move || source.retry() /> }
                .into_any()
        }
        (Some(error), true) => view! {
            <ErrorPanel
                message=format!("Could not refresh the {what}: {error}")
                retry=move || source.retry()
            />
        }
        .into_any(),
        (None, false) => {
            view! { <p class="loading" role="status">{format!("Loading {what}…")}</p> }.into_any()
        }
        (None, true) => ().into_any(),
    }
}
