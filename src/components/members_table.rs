use std::collections::{HashMap, HashSet};

use allot_core::{
    Member, MemberId, Product, ProductId, Timestamp,
    format::{ago, count},
    search::{SearchQuery, member_search_key},
    selection::{SelectAll, select_all_state, toggle, toggle_all},
    sort::{Direction, MemberColumn, MemberSort, sort_members},
    window::RowWindow,
};
use leptos::prelude::*;

use crate::format;

/// Must equal `--allot-row-height` in style/main.css: the window math counts in rows.
const ROW_HEIGHT: f64 = 44.0;
/// The scroll area's height before it is first measured.
const DEFAULT_VIEWPORT: f64 = 640.0;

const COLUMNS: [(MemberColumn, &str); 6] = [
    (MemberColumn::Name, "Full name"),
    (MemberColumn::Email, "Email"),
    (MemberColumn::Role, "Role"),
    (MemberColumn::Joined, "Join date"),
    (MemberColumn::Licenses, "License access"),
    (MemberColumn::LastAccess, "Last access"),
];

/// Members with a search bar, sortable columns and row selection. Only the rows in view are
/// in the DOM, so it stays fast however many members there are.
#[component]
pub fn MembersTable(
    members: Vec<Member>,
    /// Names the licenses in `members` refer to.
    products: Vec<Product>,
    /// The time "last access" is counted back from.
    now: Timestamp,
    /// What the rows are, for the counts: "active members".
    noun: &'static str,
) -> impl IntoView {
    let product_names: HashMap<ProductId, String> = products
        .into_iter()
        .map(|product| (product.id, product.name))
        .collect();
    // Folded once, so each keystroke only folds the query.
    let keys = StoredValue::new(members.iter().map(member_search_key).collect::<Vec<_>>());
    let members = StoredValue::new(members);
    let product_names = StoredValue::new(product_names);

    let query = RwSignal::new(String::new());
    let sort = RwSignal::new(MemberSort::ascending(MemberColumn::Name));
    let selected = RwSignal::new(HashSet::<MemberId>::new());
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new(DEFAULT_VIEWPORT);

    let sorted =
        Memo::new(move |_| members.with_value(|members| sort_members(members, sort.get())));
    let matching = Memo::new(move |_| {
        let query = SearchQuery::new(&query.read());
        sorted.with(|sorted| {
            if query.is_empty() {
                return sorted.clone();
            }
            keys.with_value(|keys| {
                sorted
                    .iter()
                    .copied()
                    .filter(|&i| query.matches(&keys[i]))
                    .collect()
            })
        })
    });
    let matching_ids = Memo::new(move |_| {
        members.with_value(|members| {
            matching.with(|rows| rows.iter().map(|&i| members[i].id).collect::<Vec<_>>())
        })
    });
    let all_state = Memo::new(move |_| {
        matching_ids.with(|ids| selected.with(|selected| select_all_state(ids, selected)))
    });
    let window = Memo::new(move |_| {
        RowWindow::new(
            matching.with(Vec::len),
            ROW_HEIGHT,
            scroll_top.get(),
            viewport.get(),
        )
    });
    // (position among the matching rows, member) for the rows in the DOM.
    let rows_in_view = move || {
        let window = window.get();
        matching.with(|rows| {
            members.with_value(|members| {
                (window.start..window.end)
                    .map(|position| (position, members[rows[position]].clone()))
                    .collect::<Vec<_>>()
            })
        })
    };

    let total = members.with_value(Vec::len);
    let summary = move || {
        let shown = matching.with(Vec::len);
        if query.read().trim().is_empty() {
            format!("{} {noun}", count(total))
        } else {
            format!("{} of {} {noun} match", count(shown), count(total))
        }
    };
    let selected_count = move || selected.with(HashSet::len);

    let header_cells = COLUMNS
        .into_iter()
        .map(|(column, label)| {
            let aria_sort = move || match sort.get().direction_of(column) {
                Some(Direction::Ascending) => "ascending",
                Some(Direction::Descending) => "descending",
                None => "none",
            };
            let indicator = move || match sort.get().direction_of(column) {
                Some(Direction::Ascending) => "▲",
                Some(Direction::Descending) => "▼",
                None => "",
            };
            view! {
                <th scope="col" aria-sort=aria_sort>
                    <button type="button" class="sort" on:click=move |_| sort.update(|sort| *sort = sort.clicked(column))>
                        {label}
                        <span class="sort-indicator" aria-hidden="true">{indicator}</span>
                    </button>
                </th>
            }
        })
        .collect_view();

    let row = move |(position, member): (usize, Member)| {
        let id = member.id;
        let checked = Memo::new(move |_| selected.with(|selected| selected.contains(&id)));
        let licenses = product_names.with_value(|names| {
            member
                .licenses
                .iter()
                .filter_map(|id| names.get(id).cloned())
                .collect::<Vec<_>>()
                .join(", ")
        });
        let (last_access, last_access_title) = match member.last_access_at {
            Some(at) => (ago(now, at), format::date(at)),
            None => ("Never".to_owned(), String::new()),
        };
        view! {
            <tr aria-rowindex=position + 2 class:selected=checked>
                <td class="check">
                    <input
                        type="checkbox"
                        aria-label=format!("Select {}", member.full_name)
                        prop:checked=checked
                        on:change=move |_| selected.update(|selected| toggle(id, selected))
                    />
                </td>
                <td class="name">{member.full_name}</td>
                <td class="email">{member.email}</td>
                <td>{member.role.label()}</td>
                <td>{format::date(member.joined_at)}</td>
                <td class="licenses">{if licenses.is_empty() { "No license".to_owned() } else { licenses }}</td>
                <td title=last_access_title>{last_access}</td>
            </tr>
        }
    };

    let on_scroll = move |ev: leptos::ev::Event| {
        let area = event_target::<web_sys::Element>(&ev);
        scroll_top.set(area.scroll_top() as f64);
        viewport.set(area.client_height() as f64);
    };
    let empty = move || {
        (matching.with(Vec::is_empty)).then(|| {
            let text = if query.read().trim().is_empty() {
                format!("There are no {noun}.")
            } else {
                format!("No {noun} match “{}”.", query.get().trim())
            };
            view! { <p class="empty">{text}</p> }
        })
    };

    view! {
        <div class="table-toolbar">
            <input
                type="search"
                class="search"
                aria-label=format!("Search {noun}")
                placeholder="Search by name or email"
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                }
                prop:value=query
            />
            <p class="summary" role="status">{summary}</p>
            <p class="selection" role="status">
                {move || (selected_count() > 0).then(|| format!("{} selected", count(selected_count())))}
            </p>
            <button
                type="button"
                class="secondary"
                hidden=move || selected_count() == 0
                on:click=move |_| selected.update(HashSet::clear)
            >
                "Clear selection"
            </button>
        </div>
        <div class="table-scroll" on:scroll=on_scroll>
            <table class="members" aria-label=noun aria-rowcount=move || matching.with(Vec::len) + 1>
                <thead>
                    <tr aria-rowindex="1">
                        <th scope="col" class="check">
                            <input
                                type="checkbox"
                                aria-label=format!("Select all matching {noun}")
                                prop:checked=move || all_state.get() == SelectAll::Checked
                                prop:indeterminate=move || all_state.get() == SelectAll::Mixed
                                on:change=move |_| {
                                    let ids = matching_ids.get();
                                    selected.update(|selected| toggle_all(&ids, selected));
                                }
                            />
                        </th>
                        {header_cells}
                    </tr>
                </thead>
                <tbody>
                    <tr class="spacer" aria-hidden="true" style:height=move || format!("{}px", window.get().rows_above() as f64 * ROW_HEIGHT)></tr>
                    <For each=rows_in_view key=|(position, member)| (member.id, *position) children=row />
                    <tr class="spacer" aria-hidden="true" style:height=move || format!("{}px", window.get().rows_below() as f64 * ROW_HEIGHT)></tr>
                </tbody>
            </table>
            {empty}
        </div>
    }
}
