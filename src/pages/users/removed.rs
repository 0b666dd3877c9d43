use std::sync::Arc;

use allot_core::{Member, MemberStatus, sort::SortKey};
use leptos::prelude::*;

use super::{Inviting, TabState, active::member_columns};
use crate::{
    components::{Column, SortBy, TablePage, Toolbar, selected_rows},
    format,
    org::OrgState,
};

#[component]
pub fn RemovedUsers(tab: TabState) -> impl IntoView {
    let state = OrgState::get();
    let inviting = Inviting::get();
    let mut columns = member_columns(state);
    columns.push(
        Column::new("Removed", |m: &Arc<Member>| {
            m.removed_at.map(format::date).unwrap_or_default()
        })
        .sorted_by(|m| SortKey::Number(m.removed_at)),
    );
    columns.push(
        Column::new("Removed by", |m: &Arc<Member>| {
            m.removed_by.clone().unwrap_or_default()
        })
        .sorted_by(|m| SortKey::text(m.removed_by.as_deref().unwrap_or_default())),
    );
    columns.push(Column::new("Actions", move |m: &Arc<Member>| {
        let email = m.email.clone();
        view! {
            <button
                type="button"
                class="link"
                aria-label=format!("Invite back {}", m.full_name)
                on:click=move |_| inviting.start(vec![email.clone()])
            >
                "Invite back"
            </button>
        }
    }));
    let rows = state.members_with(MemberStatus::Removed);
    let invite_selected = move |_| {
        let emails = untrack(|| selected_rows(rows, tab.selected))
            .into_iter()
            .map(|m| m.email.clone())
            .collect();
        inviting.start(emails);
    };
    // The product document: the list is sorted by join date by default.
    view! {
        <TablePage
            source=state
            what="members"
            rows
            columns
            search=tab.search
            selected=tab.selected
            sort_by=SortBy::ascending("Join date")
            noun="removed users"
        >
            <Toolbar slot>
                <button
                    type="button"
                    class="secondary"
                    disabled=move || tab.selected.with(|selected| selected.is_empty())
                    on:click=invite_selected
                >
                    "Invite back"
                </button>
            </Toolbar>
        </TablePage>
    }
}
