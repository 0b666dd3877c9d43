use allot_core::{
    Member, MemberStatus,
    sort::{Sort, SortKey},
};
use leptos::prelude::*;

use super::{TabState, Users, active::member_columns};
use crate::{
    components::{Column, DataTable},
    format,
};

#[component]
pub fn RemovedUsers(state: TabState) -> impl IntoView {
    let users: Users = expect_context();
    let mut columns = member_columns(users);
    columns.push(
        Column::new("Removed", |m: &Member| {
            m.removed_at.map(format::date).unwrap_or_default()
        })
        .sorted_by(|m| SortKey::Number(m.removed_at)),
    );
    columns.push(
        Column::new("Removed by", |m: &Member| {
            m.removed_by.clone().unwrap_or_default()
        })
        .sorted_by(|m| SortKey::text(m.removed_by.as_deref().unwrap_or_default())),
    );
    columns.push(Column::new("Actions", move |m: &Member| {
        let email = m.email.clone();
        view! {
            <button
                type="button"
                class="link"
                aria-label=format!("Invite back {}", m.full_name)
                on:click=move |_| users.inviting.set(Some(vec![email.clone()]))
            >
                "Invite back"
            </button>
        }
    }));
    let rows = users.members_with(MemberStatus::Removed);
    let invite_selected = move |_| {
        let ids = state.selected.get_untracked();
        let emails = rows.with_untracked(|rows| {
            rows.iter()
                .filter(|m| ids.contains(&m.id))
                .map(|m| m.email.clone())
                .collect()
        });
        users.inviting.set(Some(emails));
    };
    view! {
        <div class="bulk-actions">
            <button
                type="button"
                class="secondary"
                disabled=move || state.selected.with(|selected| selected.is_empty())
                on:click=invite_selected
            >
                "Invite back"
            </button>
        </div>
        {users.members.status("members")}
        <Show when=move || users.members.is_loaded()>
            // The product document: the list is sorted by join date by default.
            <DataTable
                rows
                columns=columns.clone()
                search=state.search
                selected=state.selected
                initial_sort=Sort::ascending(3)
                noun="removed users"
            />
        </Show>
    }
}
