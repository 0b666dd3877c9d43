use std::collections::BTreeSet;

use allot_core::{ProductId, ProductSeats};
use leptos::{html, prelude::*};

use crate::org::OrgState;

/// The organization's products as a fieldset of checkboxes (or switches), each with a hint
/// drawn from its seats as they change: "5 seats left".
#[component]
pub fn ProductPicker(
    legend: &'static str,
    ticked: RwSignal<BTreeSet<ProductId>>,
    /// The hint beside a product, from its seats.
    hint: Callback<ProductSeats, String>,
    /// Whether a product cannot be ticked now (no seat left for it).
    #[prop(optional)]
    full: Option<Callback<ProductSeats, bool>>,
    /// Drawn as switches ("grant on acceptance") rather than checkboxes.
    #[prop(optional)]
    switches: bool,
    /// Runs before each change of `ticked`.
    #[prop(optional)]
    on_toggle: Option<Callback<()>>,
    #[prop(optional)] node_ref: NodeRef<html::Fieldset>,
) -> impl IntoView {
    let state = OrgState::get();
    let seats = Memo::new(move |_| state.seats());
    let choices = untrack(|| seats.get())
        .into_iter()
        .map(|product| {
            let id = product.id;
            let current = move || seats.with(|seats| seats.iter().find(|s| s.id == id).cloned());
            let full =
                move || full.is_some_and(|full| current().is_some_and(|seats| full.run(seats)));
            let on_change = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                if let Some(on_toggle) = on_toggle {
                    on_toggle.run(());
                }
                ticked.update(|ticked| {
                    if on {
                        ticked.insert(id);
                    } else {
                        ticked.remove(&id);
                    }
                });
            };
            view! {
                <label class=if switches { "switch" } else { "checkbox" } class:disabled=full>
                    <input
                        type="checkbox"
                        role=switches.then_some("switch")
                        disabled=full
                        prop:checked=move || ticked.with(|t| t.contains(&id))
                        on:change=on_change
                    />
                    <span class:switch-label=switches>{product.name.clone()}</span>
                    <span class="hint">{move || current().map(|seats| hint.run(seats))}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset node_ref=node_ref>
            <legend>{legend}</legend>
            {choices}
        </fieldset>
    }
}
