//! Text that may be very long (a 200-character name, an address), cut after two lines: whole
//! in its title on hover, and in a box over the page while it has keyboard focus. Neither
//! moves the page: a layout that grew under the pointer would move what it was about to click.

use leptos::prelude::*;

#[component]
pub fn Clamped(text: String) -> impl IntoView {
    view! {
        <span class="clamp-host" tabindex="0">
            <span class="clamp" title=text.clone()>{text.clone()}</span>
            <span class="clamp-full" aria-hidden="true">{text}</span>
        </span>
    }
}
