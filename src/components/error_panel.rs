use leptos::prelude::*;

/// A failed load: what went wrong and a way to try again, never a blank page.
#[component]
pub fn ErrorPanel(
    /// What went wrong, in words for people.
    #[prop(into)]
    message: String,
    /// Runs when the admin asks to try again.
    retry: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <div class="error-panel" role="alert">
            <p>{message}</p>
            <button type="button" on:click=move |_| retry()>"Retry"</button>
        </div>
    }
}
