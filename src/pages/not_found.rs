use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="notice">
            <h1>"Page not found"</h1>
            <p>"This page does not exist, or you cannot see it."</p>
            <A href="/">"Go to your organization"</A>
        </main>
    }
}
