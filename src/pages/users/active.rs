use std::sync::Arc;

use allot_core::{
    Member, MemberId, MemberStatus, Role,
    allocation::{describe_licenses, role_from_group},
    format::{ago, count, done_to},
    selection::Selection,
    sort::SortKey,
};
use leptos::prelude::*;

use super::TabState;
use crate::{
    api,
    components::{
        Clamped, Column, Dialog, DialogActions, Dialogs, SortBy, TablePage, Toasts, Toolbar,
        selected_rows,
    },
    context::{current_account, current_organization},
    format,
    org::{Mutation, OrgState, Subject, send_once},
    rows::member_identity_columns,
};

/// Columns shared by the Active and Removed tabs.
pub fn member_columns(state: OrgState) -> Vec<Column<Arc<Member>>> {
    let named_after = state.groups_and_products();
    let mut columns = member_identity_columns();
    columns.extend([
        Column::new("Role", move |m: &Arc<Member>| {
            // A role a group raises them to shows beside their own.
            state.read(|s| match role_from_group(m, &s.groups) {
                Some((role, group)) => {
                    format!("{} · {} via {}", m.role.label(), role.label(), group.name)
                }
                None => m.role.label().to_owned(),
            })
        })
        .sorted_by(|m| SortKey::Number(Some(m.role as i64)))
        .also_reads(named_after),
        Column::new("Join date", |m: &Arc<Member>| format::date(m.joined_at))
            .sorted_by(|m| SortKey::Number(Some(m.joined_at))),
        // A removed member's seats were freed when they left: they hold nothing now.
        Column::text("License access", move |m: &Arc<Member>| match m.status {
            MemberStatus::Removed => "None: freed on removal".to_owned(),
            MemberStatus::Active => state.read(|s| describe_licenses(m, &s.groups, &s.products)),
        })
        .sorted_by(move |m| {
            let n = match m.status {
                MemberStatus::Removed => 0,
                MemberStatus::Active => state.read(|s| m.effective_licenses(&s.groups).len()),
            };
            SortKey::Number(Some(n as i64))
        })
        .also_reads(named_after)
        .class("licenses"),
    ]);
    columns
}

#[component]
pub fn ActiveUsers(tab: TabState) -> impl IntoView {
    let state = OrgState::get();
    let now = format::now();
    let mut columns = member_columns(state);
    columns.push(
        Column::new("Last access", move |m: &Arc<Member>| {
            match m.last_access_at {
                Some(at) => view! { <span title=format::date(at)>{ago(now, at)}</span> }.into_any(),
                None => "Never".into_any(),
            }
        })
        .sorted_by(|m| SortKey::Number(m.last_access_at)),
    );
    let rows = state.members_with(MemberStatus::Active);
    let removing = RwSignal::new(false);
    let changing_role = RwSignal::new(false);
    let nothing_selected = move || tab.selected.with(Selection::is_empty);
    // Nobody changes their own role: with only themself selected there is nothing to change.
    let me = current_account().map(|account| account.email.to_lowercase());
    let only_me_selected = Memo::new(move |_| {
        tab.selected.with(Selection::single).is_some_and(|id| {
            rows.with(|rows| {
                rows.iter()
                    .any(|m| i64::from(m.id) == id && Some(m.email.to_lowercase()) == me)
            })
        })
    });
    let selected_members = move || selected_rows(rows, tab.selected);
    view! {
        <AllocationErrors />
        <TablePage
            source=state
            what="members"
            rows
            columns
            search=tab.search
            selected=tab.selected
            sort_by=SortBy::ascending("Full name")
            noun="active users"
            pending=state.pending(Subject::Member)
        >
            <Toolbar slot>
                <button type="button" class="danger" disabled=nothing_selected on:click=move |_| removing.set(true)>
                    "Remove Users"
                </button>
                <button
                    type="button"
                    class="secondary"
                    disabled=move || nothing_selected() || only_me_selected.get()
                    aria-describedby="change-role-why"
                    on:click=move |_| changing_role.set(true)
                >
                    "Change Role"
                </button>
                <span id="change-role-why" class="hint">
                    {move || only_me_selected.get().then_some("You cannot change your own role.")}
                </span>
            </Toolbar>
            <Dialogs slot>
                {move || removing.get().then(|| view! {
                    <RemoveUsersDialog members=untrack(selected_members) tab on_close=Callback::new(move |_| removing.set(false)) />
                })}
                {move || changing_role.get().then(|| view! {
                    <ChangeRoleDialog members=untrack(selected_members) tab on_close=Callback::new(move |_| changing_role.set(false)) />
                })}
            </Dialogs>
        </TablePage>
    }
}

/// Licenses members should have had but could not get, each with why, a retry and a dismiss.
#[component]
fn AllocationErrors() -> impl IntoView {
    let state = OrgState::get();
    let toasts = Toasts::get();
    let org = state.org;
    let errors = state.allocation_errors();
    // (the error, whether to retry it rather than dismiss it)
    let act = Mutation::new(
        move |(error, retry): &(allot_core::AllocationError, bool)| {
            let (id, retry) = (error.id, *retry);
            async move {
                if retry {
                    api::retry_allocation(org, id).await
                } else {
                    api::dismiss_allocation_error(org, id).await
                }
            }
        },
        move |(error, retry), ()| {
            toasts.info(if *retry {
                format!("Allocated {} to {}.", error.product_name, error.member_name)
            } else {
                format!(
                    "Dismissed: {} stays without {}.",
                    error.member_name, error.product_name
                )
            })
        },
    );
    move || {
        let errors = errors.latest().get().unwrap_or_default();
        (!errors.is_empty()).then(|| {
            let items = errors
                .into_iter()
                .map(|error| {
                    let what = format!("{}: {}", error.member_name, error.product_name);
                    let (retried, dismissed) = (error.clone(), error.clone());
                    view! {
                        <li>
                            <strong>{what.clone()}</strong>
                            " — "
                            {error.reason}
                            <button type="button" class="link" aria-label=format!("Retry {what}") on:click=move |_| act.run((retried.clone(), true))>
                                "Retry"
                            </button>
                            <button type="button" class="link" aria-label=format!("Dismiss {what}") on:click=move |_| act.run((dismissed.clone(), false))>
                                "Dismiss"
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="allocation-errors" aria-labelledby="allocation-errors-title">
                    <h2 id="allocation-errors-title">"Licenses not allocated"</h2>
                    <ul>{items}</ul>
                </section>
            }
        })
    }
}

/// The noun of the users' messages: "Removed 3 users."
const USERS: (&str, &str) = ("user", "users");

/// "Ann Lee, Bo Dunn and 3 others": who an action is about, short enough to read.
fn list_names(members: &[Arc<Member>]) -> String {
    const SHOWN: usize = 5;
    let names: Vec<&str> = members
        .iter()
        .take(SHOWN)
        .map(|m| m.full_name.as_str())
        .collect();
    match members.len() {
        n if n > SHOWN => format!("{} and {} others", names.join(", "), count(n - SHOWN)),
        _ => names.join(", "),
    }
}

#[component]
fn RemoveUsersDialog(
    members: Vec<Arc<Member>>,
    tab: TabState,
    on_close: Callback<()>,
) -> impl IntoView {
    let state = OrgState::get();
    let toasts = Toasts::get();
    let org = state.org;
    let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    // Undo restores the members exactly as they were.
    let undo = move |ids: Vec<MemberId>| {
        send_once(api::restore_members(org, ids), toasts, move |response| {
            toasts.report(&response, |done| {
                done_to("Restored", &state.names_of(done), USERS, "")
            })
        })
    };
    let remove = Mutation::bulk(
        (Subject::Member, "Removing…"),
        |ids: &Vec<MemberId>| ids.iter().map(|&id| id.into()).collect(),
        move |ids: &Vec<MemberId>| api::remove_members(org, ids.clone()),
        move |_, response| {
            let removed = toasts.report_failures(response);
            if !removed.is_empty() {
                let message = done_to("Removed", &state.names_of(&removed), USERS, "");
                let removed: Vec<MemberId> = removed.into_iter().map(MemberId).collect();
                toasts.with_action(message, "Undo", move || undo(removed.clone()));
            }
        },
    );
    let who = list_names(&members);
    view! {
        <Dialog title="Remove Users".into() on_close>
            {
                let organization = current_organization().map(|o| o.name).unwrap_or_default();
                let question = format!("Remove {who} from {organization}?");
                view! { <p><Clamped text=question /></p> }
            }
            <ul class="notes">
                <li>"They can no longer sign in to this organization; their sessions here end at once."</li>
                <li>"Their registered machine IDs are removed and their license seats freed."</li>
                <li>"Their data stays, and you can invite them back at any time."</li>
            </ul>
            <DialogActions
                on_cancel=on_close
                confirm="Remove"
                danger=true
                on_confirm=Callback::new(move |_| {
                    remove.run(ids.clone());
                    tab.selected.set(Selection::default());
                    on_close.run(());
                })
            />
        </Dialog>
    }
}

#[component]
fn ChangeRoleDialog(
    members: Vec<Arc<Member>>,
    tab: TabState,
    on_close: Callback<()>,
) -> impl IntoView {
    let state = OrgState::get();
    let toasts = Toasts::get();
    let org = state.org;
    let actor_role = current_organization().map_or(Role::Member, |o| o.role);
    let me = current_account().map(|account| account.email.to_lowercase());
    let includes_me = members.iter().any(|m| Some(m.email.to_lowercase()) == me);
    let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    let role = RwSignal::new(None::<Role>);
    let change = Mutation::bulk(
        (Subject::Member, "Changing role…"),
        |(ids, _): &(Vec<MemberId>, Role)| ids.iter().map(|&id| id.into()).collect(),
        move |(ids, role): &(Vec<MemberId>, Role)| api::change_role(org, ids.clone(), *role),
        move |(_, role): &(Vec<MemberId>, Role), response| {
            toasts.report(response, |done| {
                let to = format!(" to {}", role.label());
                done_to("Changed the role of", &state.names_of(done), USERS, &to)
            })
        },
    );
    // Who a group keeps at a higher role than each choice: the server refuses those, and
    // says so here before anything is sent.
    let raised: Vec<(String, Role, String)> = state.read(|s| {
        members
            .iter()
            .filter_map(|m| {
                role_from_group(m, &s.groups)
                    .map(|(role, group)| (m.full_name.clone(), role, group.name.clone()))
            })
            .collect()
    });
    let kept_by_group = move || {
        let chosen = role.get()?;
        let kept: Vec<String> = raised
            .iter()
            .filter(|(_, granted, _)| *granted < chosen)
            .map(|(name, granted, group)| {
                format!("{name} stays {} through the group {group}", granted.label())
            })
            .collect();
        (!kept.is_empty()).then(|| {
            format!(
                "{}: take them out of that group (Groups tab) to change their role.",
                kept.join("; ")
            )
        })
    };
    // Only the roles this admin may grant are offered (the server's rule: only an Owner grants
    // Owner), so nothing offered is refused afterwards.
    let options = Role::ALL
        .into_iter()
        .filter(|option| actor_role.may_grant(*option))
        .map(|option| view! { <option value=option.as_str()>{option.label()}</option> })
        .collect_view();
    let who = list_names(&members);
    view! {
        <Dialog title="Change User Role".into() on_close>
            <p><Clamped text=format!("New role for {who}:") /></p>
            <label for="change-role">"Role"</label>
            <select
                id="change-role"
                on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)))
            >
                <option value="" selected>"Select a role"</option>
                {options}
            </select>
            {(actor_role != Role::Owner).then(|| view! { <p class="hint">"Only an Owner can make someone Owner."</p> })}
            {includes_me.then(|| view! { <p class="hint">"Your own role stays as it is: nobody changes their own role."</p> })}
            {move || (role.get() == Some(Role::BillingManager)).then(|| view! {
                <p class="warning">"Billing Managers cannot be in a team: making someone Billing Manager removes them from their teams."</p>
            })}
            {move || kept_by_group().map(|why| view! { <p class="warning" role="status">{why}</p> })}
            <p class="hint">"There must always be at least one Owner."</p>
            <DialogActions
                on_cancel=on_close
                confirm="Change Role"
                disabled=Signal::derive(move || role.get().is_none())
                on_confirm=Callback::new(move |_| {
                    if let Some(role) = role.get_untracked() {
                        change.run((ids.clone(), role));
                        tab.selected.set(Selection::default());
                        on_close.run(());
                    }
                })
            />
        </Dialog>
    }
}
