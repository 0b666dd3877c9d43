use leptos::prelude::*;
use leptos_router::components::A;

/// Says that nothing is here: an unknown address, or an organization the account cannot see.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <div class="notice">
            <h1>"Page not found"</h1>
            <p>"This page does not exist, or you cannot see it."</p>
            <A href=crate::context::Placement::get().href("/")>"Go to your organization"</A>
        </div>
    }
}
