use leptos::{html, prelude::*};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// What can take focus inside a dialog, in tab order.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
                         select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

/// A modal dialog on the native `<dialog>` element, which makes the page behind it inert.
/// Tab and Shift+Tab cycle inside it, Escape closes it, and focus goes back to whatever
/// had it before. The parent mounts it to open it and drops it to close it.
#[component]
pub fn Dialog(
    /// The heading, which also names the dialog.
    title: String,
    /// Runs when the dialog asks to close (Escape, or a Cancel button calling it).
    on_close: Callback<()>,
    /// Docks it at the right of the window, full height: the product document's panels
    /// ("The Edit Group panel opens at the right of the window").
    #[prop(optional)]
    panel: bool,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let opener =
        crate::dom::active_element().and_then(|element| element.dyn_into::<HtmlElement>().ok());
    dialog.on_load(|dialog| {
        let _ = dialog.show_modal();
        // Focus starts on the first control, not on a long name that takes focus only to be
        // read whole.
        if let Ok(Some(first)) = dialog
            .query_selector(&FOCUSABLE.replace(", [tabindex]", ", [tabindex]:not(.clamp-host)"))
            && let Ok(first) = first.dyn_into::<HtmlElement>()
        {
            let _ = first.focus();
        }
    });
    on_cleanup(move || {
        // Closed before it leaves the page: removing an open modal dialog would drop focus
        // on the body, after which the opener could not take it back.
        if let Some(dialog) = dialog.get_untracked() {
            dialog.close();
        }
        if let Some(opener) = &opener {
            let _ = opener.focus();
        }
    });
    // The native dialog lets Tab leave for the browser's own controls; keep it inside.
    let trap_tab = move |ev: leptos::ev::KeyboardEvent| {
        if crate::dom::key(&ev) != "Tab" {
            return;
        }
        let Some(dialog) = dialog.get_untracked() else {
            return;
        };
        let Ok(focusable) = dialog.query_selector_all(FOCUSABLE) else {
            return;
        };
        let element = |i: u32| {
            focusable
                .get(i)
                .and_then(|node| node.dyn_into::<HtmlElement>().ok())
        };
        let (Some(first), Some(last)) = (element(0), element(focusable.length().saturating_sub(1)))
        else {
            return;
        };
        let active = crate::dom::active_element();
        let at = |edge: &HtmlElement| {
            active
                .as_ref()
                .is_some_and(|active| active == edge.unchecked_ref::<web_sys::Element>())
        };
        if ev.shift_key() && at(&first) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && at(&last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    };
    let title_id = format!("dialog-{}", title.to_lowercase().replace(' ', "-"));
    let labelled_by = title_id.clone();
    view! {
        <dialog
            node_ref=dialog
            class="dialog"
            class:panel=panel
            aria-labelledby=labelled_by
            on:keydown=trap_tab
            on:cancel=move |ev: leptos::ev::Event| {
                // The parent decides: it drops the dialog, which closes it.
                ev.prevent_default();
                on_close.run(());
            }
        >
            <h2 id=title_id>{title}</h2>
            {children()}
        </dialog>
    }
}

/// A dialog's foot: Cancel (or Back), then its action. Without `on_confirm` the action
/// submits the dialog's form.
#[component]
pub fn DialogActions(
    on_cancel: Callback<()>,
    /// The action's name: "Remove".
    confirm: &'static str,
    #[prop(optional)] on_confirm: Option<Callback<()>>,
    #[prop(default = "Cancel")] cancel: &'static str,
    /// A removal: the action is drawn as dangerous.
    #[prop(optional)]
    danger: bool,
    /// While the action cannot run (nothing chosen yet, a change in flight).
    #[prop(optional, into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="dialog-actions">
            <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{cancel}</button>
            <button
                type=if on_confirm.is_some() { "button" } else { "submit" }
                class:danger=danger
                disabled=disabled
                on:click=move |_| {
                    if let Some(on_confirm) = on_confirm {
                        on_confirm.run(());
                    }
                }
            >
                {confirm}
            </button>
        </div>
    }
}
