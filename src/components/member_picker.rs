//! Picking a member by typing part of their name or email.

use std::sync::Arc;

use allot_core::{
    Member, MemberId,
    search::{SearchQuery, member_search_key},
};
use leptos::prelude::*;

/// Options the picker lists at once: typing narrows them.
const PICKER_OPTIONS: usize = 8;

/// A field that picks a member by name or email: a combobox listing the matching
/// `candidates` as one types, never all of them (an organization may have 100,000). Arrow
/// keys move through the list, Enter or a click picks, Escape closes the list (not the
/// dialog or panel around it). `id` is the field's, unique on the page.
#[component]
pub fn MemberPicker(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<String>,
    candidates: Signal<Vec<Arc<Member>>>,
    on_pick: Callback<MemberId>,
) -> impl IntoView {
    let list_id = format!("{id}-list");
    let option_prefix = StoredValue::new(format!("{id}-option-"));
    let query = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let matches = Memo::new(move |_| {
        let query = SearchQuery::new(&query.read());
        candidates.with(|candidates| {
            candidates
                .iter()
                .filter(|m| query.matches(&member_search_key(m)))
                .take(PICKER_OPTIONS)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let showing = move || open.get() && matches.with(|m| !m.is_empty());
    let option_id =
        move |member: MemberId| option_prefix.with_value(|prefix| format!("{prefix}{member}"));
    let choose = move |member: MemberId| {
        on_pick.run(member);
        query.set(String::new());
        active.set(0);
        // The list closes with the choice, so that it covers nothing; typing opens it again.
        open.set(false);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let len = matches.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if len > 0 => {
                ev.prevent_default();
                if open.get_untracked() {
                    active.update(|a| *a = (*a + 1) % len);
                } else {
                    open.set(true);
                }
            }
            "ArrowUp" if len > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = (*a + len - 1) % len);
            }
            // A name typed here is for adding, never for submitting the panel: also when the
            // list closed because the window lost focus meanwhile (or, in Firefox, because a
            // checker such as axe moved focus and back).
            "Enter" if !query.with_untracked(|query| query.trim().is_empty()) => {
                ev.prevent_default();
                let at = active.get_untracked().min(len.saturating_sub(1));
                if let Some(id) = matches.with_untracked(|m| m.get(at).map(|m| m.id)) {
                    choose(id);
                }
            }
            "Escape" if open.get_untracked() => {
                // Closes the list only; the panel stays.
                ev.prevent_default();
                ev.stop_propagation();
                open.set(false);
            }
            _ => {}
        }
    };
    let active_descendant = move || {
        showing()
            .then(|| matches.with(|m| m.get(active.get()).map(|m| option_id(m.id))))
            .flatten()
    };
    let options = move || {
        matches
            .get()
            .into_iter()
            .enumerate()
            .map(|(at, member)| {
                let id = member.id;
                let current = move || active.get() == at;
                view! {
                    <li
                        role="option"
                        id=option_id(id)
                        aria-selected=move || current().to_string()
                        class:active=current
                        // Before the field's blur, so that the click still lands.
                        on:mousedown=move |ev| ev.prevent_default()
                        on:click=move |_| choose(id)
                    >
                        {format!("{} ({})", member.full_name, member.email)}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <label for=id.clone()>{label}</label>
        <div class="picker">
            <input
                id=id
                type="text"
                role="combobox"
                autocomplete="off"
                aria-autocomplete="list"
                aria-controls=list_id.clone()
                aria-expanded=move || showing().to_string()
                aria-activedescendant=active_descendant
                placeholder="Type a name"
                prop:value=query
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    active.set(0);
                    open.set(true);
                }
                on:keydown=on_keydown
                on:blur=move |_| open.set(false)
            />
            <ul id=list_id role="listbox" aria-label="Matching members" hidden=move || !showing()>
                {options}
            </ul>
        </div>
    }
}
