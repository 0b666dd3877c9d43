use leptos::prelude::*;
use leptos_router::components::A;

/// Says that nothing is here; inside the organization shell, whose `<main>` holds it.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <div class="notice">
            <h1>"Page not found"</h1>
            <p>"This page does not exist, or you cannot see it."</p>
            <A href="/">"Go to your organization"</A>
        </div>
    }
}

/// [`NotFound`] as a page of its own, outside the shell.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <main>
            <NotFound />
        </main>
    }
}
