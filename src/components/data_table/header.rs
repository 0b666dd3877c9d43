//! The header row: each column's heading, and a button that sorts by it where it sorts.

use allot_core::sort::{Direction, Sort};
use leptos::prelude::*;

use super::model::Head;

/// The headings of `heads`; clicking a sortable one sorts by it, then the other way.
pub(super) fn header_cells(heads: &[Head], sort: RwSignal<Sort>) -> impl IntoView + use<> {
    heads
        .iter()
        .enumerate()
        .map(|(index, head)| {
            let Head {
                label,
                class,
                sortable,
            } = *head;
            if !sortable {
                return view! { <th scope="col" class=class>{label}</th> }.into_any();
            }
            let direction = move || sort.get().direction_of(index);
            let aria_sort = move || match direction() {
                Some(Direction::Ascending) => "ascending",
                Some(Direction::Descending) => "descending",
                None => "none",
            };
            let indicator = move || match direction() {
                Some(Direction::Ascending) => "▲",
                Some(Direction::Descending) => "▼",
                None => "",
            };
            view! {
                <th scope="col" class=class aria-sort=aria_sort>
                    <button type="button" class="sort" on:click=move |_| sort.update(|sort| *sort = sort.clicked(index))>
                        {label}
                        <span class="sort-indicator" aria-hidden="true">{indicator}</span>
                    </button>
                </th>
            }
            .into_any()
        })
        .collect_view()
}
