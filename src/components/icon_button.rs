//! A button drawn as an icon, with its name in a tooltip that shows on hover and on keyboard
//! focus, and, when it cannot act, why.

use std::sync::atomic::{AtomicU32, Ordering};

use leptos::prelude::*;

use super::Toasts;

/// Makes the ids that tie each button to its tooltip.
static NEXT_TOOLTIP: AtomicU32 = AtomicU32::new(0);

#[component]
pub fn IconButton(
    /// What the button does, as the product document words it: "Edit group allocation rule".
    /// The tooltip shows it.
    action: &'static str,
    /// Its accessible name, which says on what too: "Edit group allocation rule for QA Leads".
    label: String,
    icon: AnyView,
    on_click: Callback<()>,
    /// Why it cannot act now. It stays focusable, so that keyboard users can read why; a
    /// click says why too.
    #[prop(default = None)]
    disabled: Option<&'static str>,
    /// `danger` for removals, `edit` for the rest.
    #[prop(default = "edit")]
    tone: &'static str,
) -> impl IntoView {
    let id = format!("tooltip-{}", NEXT_TOOLTIP.fetch_add(1, Ordering::Relaxed));
    let toasts = use_context::<Toasts>();
    let click = move |_| match disabled {
        Some(why) => {
            if let Some(toasts) = toasts {
                toasts.info(why);
            }
        }
        None => on_click.run(()),
    };
    let tip = match disabled {
        Some(why) => format!("{action}: {why}"),
        None => action.to_owned(),
    };
    view! {
        <span class="has-tooltip">
            <button
                type="button"
                class=format!("icon {tone}")
                aria-label=label
                aria-disabled=disabled.map(|_| "true")
                aria-describedby=disabled.map(|_| id.clone())
                on:click=click
            >
                {icon}
            </button>
            <span class="tooltip" role="tooltip" id=id>{tip}</span>
        </span>
    }
}
