//! Ticking rows: one by one, all that match the search, and what the table says about it.

use std::collections::HashSet;

use allot_core::{
    format::count,
    selection::{SelectAll, Selection},
};
use leptos::prelude::*;

use super::derived::{Derived, SharedModel};

/// A table's ticks, with what it derived from its rows.
#[derive(Clone, Copy)]
pub(super) struct Ticks {
    selected: RwSignal<Selection>,
    model: SharedModel,
    derived: Derived,
    /// Whether some rows may not be ticked.
    has_unselectable: bool,
    count: Memo<usize>,
    all: Memo<SelectAll>,
}

impl Ticks {
    pub fn new(selected: RwSignal<Selection>, model: SharedModel, derived: Derived) -> Self {
        // Nothing selected needs no keys: the table's first paint does not wait for them.
        let count = Memo::new(move |_| {
            selected.with(|s| match s.is_empty() {
                true => 0,
                false => derived.with(|rows| s.count(rows)),
            })
        });
        let all = Memo::new(move |_| {
            selected.with(|s| match s.is_empty() {
                true => SelectAll::Unchecked,
                false => derived.with(|rows| s.state(rows)),
            })
        });
        // Rows that went away (removed elsewhere, revoked...) leave the selection too.
        Effect::new(move |_| {
            derived.version.track();
            if selected.with_untracked(Selection::is_empty) {
                return;
            }
            let model = model.get_value();
            let present: HashSet<i64> = (0..model.len())
                .filter(|&i| model.why_not(i).is_none())
                .map(|i| model.id(i))
                .collect();
            selected.update(|s| derived.with_untracked(|rows| s.retain(&present, rows)));
        });
        Self {
            selected,
            model,
            derived,
            has_unselectable: model.with_value(|model| model.has_unselectable()),
            count,
            all,
        }
    }

    /// The matching rows select-all applies to, when some rows cannot be ticked.
    fn selectable_matching(self) -> Vec<i64> {
        let model = self.model.get_value();
        self.derived.matching.with_untracked(|m| {
            m.iter()
                .filter(|&&i| model.why_not(i).is_none())
                .map(|&i| model.id(i))
                .collect()
        })
    }

    /// Whether the row `id`, at `index` in this version of the rows, is ticked.
    pub fn checked(self, id: i64, index: usize) -> Memo<bool> {
        let Self {
            selected, derived, ..
        } = self;
        Memo::new(move |_| {
            selected.with(|s| match s {
                Selection::Ids(ids) => ids.contains(&id),
                Selection::Matching { .. } => {
                    derived.keys.with(|keys| s.contains(id, &keys[index]))
                }
            })
        })
    }

    /// The row's tick box, named after the row, disabled with the reason when it cannot be
    /// ticked; `pending` is what is happening to the row.
    pub fn check_cell(
        self,
        (id, index): (i64, usize),
        checked: Memo<bool>,
        pending: Signal<Option<String>>,
    ) -> impl IntoView {
        let Self {
            selected, derived, ..
        } = self;
        let model = self.model.get_value();
        let why_not = model.why_not(index);
        let label = model.label(index);
        let name = match why_not {
            Some(why) => format!("Select {label} ({why})"),
            None => format!("Select {label}"),
        };
        let toggle = move |_| {
            selected
                .update(|s| derived.with_untracked(|rows| s.toggle(id, &rows.keys[index], rows)))
        };
        view! {
            <td class="check" title=why_not>
                <label class="hit">
                    <input
                        type="checkbox"
                        aria-label=name
                        disabled=why_not.is_some()
                        prop:checked=checked
                        on:change=toggle
                    />
                </label>
                {move || pending.get().map(|label| view! { <span class="pending-label">{label}</span> })}
            </td>
        }
    }

    /// The header's box that ticks every matching row, or none.
    pub fn select_all_cell(self, noun: &'static str) -> impl IntoView {
        let Self {
            selected,
            derived,
            has_unselectable,
            all,
            ..
        } = self;
        view! {
            <th scope="col" class="check"><label class="hit">
                <input
                    type="checkbox"
                    aria-label=format!("Select all matching {noun}")
                    prop:checked=move || all.get() == SelectAll::Checked
                    prop:indeterminate=move || all.get() == SelectAll::Mixed
                    disabled=move || has_unselectable && self.selectable_matching().is_empty()
                    on:change=move |_| {
                        let only = has_unselectable.then(|| self.selectable_matching());
                        selected.update(|s| derived.with_untracked(|rows| s.toggle_all(rows, only)));
                    }
                />
            </label></th>
        }
    }

    /// How many rows are ticked, and the button that clears them.
    pub fn status(self) -> impl IntoView {
        let Self {
            selected,
            count: ticked,
            ..
        } = self;
        view! {
            <p class="selection" role="status">
                {move || (ticked.get() > 0).then(|| format!("{} selected", count(ticked.get())))}
            </p>
            <button
                type="button"
                class="secondary"
                hidden=move || ticked.get() == 0
                on:click=move |_| selected.set(Selection::default())
            >
                "Clear selection"
            </button>
        }
    }
}
