//! Groups (the document's Accounts & Groups page): create, rename and delete groups, and the
//! Edit Group panel that adds and removes members, saying what each one leaving loses.

use std::{collections::HashMap, sync::Arc};

use allot_core::{
    Group, GroupId, GroupRequest, Member, MemberId, MemberStatus, Role,
    allocation::{GROUP_ROLES, loss_on_leaving},
    rules::GROUP_NAME_MAX_CHARS,
    sort::SortKey,
};
use leptos::prelude::*;

use super::TabState;
use crate::{
    api,
    components::{
        Column, Dialog, DialogActions, Dialogs, MemberPicker, SortBy, TablePage, Toasts, Toolbar,
        icons,
    },
    org::{Mutation, OrgState},
    rows::{GroupAction, GroupRow},
};

/// "Admin", or "None" for a group that grants no role.
fn role_label(role: Option<Role>) -> &'static str {
    role.map_or("None", Role::label)
}

/// A group's own fields in its dialogs: its name and the role it grants (none, or one of the
/// roles a group may grant). `form` names the fields' ids: `new-group-name`...
fn group_fields(
    form: &'static str,
    name: RwSignal<String>,
    role: RwSignal<Option<Role>>,
) -> impl IntoView {
    let options = GROUP_ROLES
        .into_iter()
        .map(|option| {
            view! {
                <option value=option.as_str() selected=move || role.get() == Some(option)>
                    {option.label()}
                </option>
            }
        })
        .collect_view();
    let (name_id, role_id) = (format!("{form}-group-name"), format!("{form}-group-role"));
    view! {
        <label for=name_id.clone()>"Group name"</label>
        <input id=name_id type="text" maxlength=GROUP_NAME_MAX_CHARS required bind:value=name />
        <label for=role_id.clone()>"Role it grants"</label>
        <select id=role_id on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)))>
            <option value="" selected=move || role.get().is_none()>"None"</option>
            {options}
        </select>
    }
}

#[component]
pub fn Groups(tab: TabState) -> impl IntoView {
    let state = OrgState::get();
    let creating = RwSignal::new(false);
    let editing = RwSignal::new(None::<GroupId>);
    let deleting = RwSignal::new(None::<GroupId>);
    let rows = GroupRow::rows(state);
    let columns = vec![
        GroupRow::name_column(),
        Column::new("Role", |g: &GroupRow| role_label(g.group.role))
            .sorted_by(|g| SortKey::Number(g.group.role.map(|r| r as i64))),
        GroupRow::rule_column("License rule"),
        GroupRow::members_column(),
        GroupRow::actions_column(vec![
            GroupAction::new(
                "Edit",
                |name| format!("Edit group {name}"),
                || icons::edit().into_any(),
                editing,
            ),
            GroupAction::new(
                "Delete group",
                |name| format!("Delete group {name}"),
                || icons::trash().into_any(),
                deleting,
            )
            .danger(),
        ]),
    ];
    // Looked up once: a reload while a dialog is open must not replace it.
    let group = move |id: GroupId| state.group_untracked(id);
    view! {
        <TablePage
            source=state
            what="groups"
            rows
            columns
            search=tab.search
            sort_by=SortBy::ascending("Group")
            noun="groups"
            placeholder="Search by group name"
        >
            <Toolbar slot>
                <button type="button" on:click=move |_| creating.set(true)>"Create group"</button>
            </Toolbar>
            <Dialogs slot>
                {move || creating.get().then(|| view! {
                    <CreateGroupDialog on_close=Callback::new(move |_| creating.set(false)) />
                })}
                {move || editing.get().and_then(group).map(|group| view! {
                    <EditGroupPanel group on_close=Callback::new(move |_| editing.set(None)) />
                })}
                {move || deleting.get().and_then(group).map(|group| view! {
                    <DeleteGroupDialog group on_close=Callback::new(move |_| deleting.set(None)) />
                })}
            </Dialogs>
        </TablePage>
    }
}

#[component]
fn CreateGroupDialog(on_close: Callback<()>) -> impl IntoView {
    let org = OrgState::get().org;
    let toasts = Toasts::get();
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(None::<Role>);
    let create = Mutation::new(
        move |request: &GroupRequest| api::create_group(org, request.clone()),
        move |_, change| {
            let name = change
                .group
                .as_ref()
                .map(|g| g.name.as_str())
                .unwrap_or_default();
            toasts.report_change(
                &format!("Created group {name}."),
                "role or licenses",
                &change,
            );
            on_close.run(());
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.run(GroupRequest {
            name: name.get_untracked().trim().to_owned(),
            role: role.get_untracked(),
            members: Vec::new(),
        });
    };
    view! {
        <Dialog title="Create group".into() on_close>
            <form class="form-grid" on:submit=submit>
                {group_fields("new", name, role)}
                <DialogActions on_cancel=on_close confirm="Create" disabled=Signal::derive(move || create.busy()) />
            </form>
        </Dialog>
    }
}

/// The Edit Group panel: name, role, and the members, added with the "Add names" picker and
/// removed from the list.
#[component]
fn EditGroupPanel(group: Group, on_close: Callback<()>) -> impl IntoView {
    let state = OrgState::get();
    let toasts = Toasts::get();
    let group_id = group.id;
    let name = RwSignal::new(group.name.clone());
    let role = RwSignal::new(group.role);
    // Everyone the panel may show, found by id.
    let people: HashMap<MemberId, Arc<Member>> = state.active_members_untracked();
    let groups = state.read(|s| s.groups.clone());
    let products = state.read(|s| s.products.clone());
    let original: Vec<MemberId> = {
        let mut ids: Vec<&Arc<Member>> = people
            .values()
            .filter(|m| m.groups.contains(&group_id))
            .collect();
        ids.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        ids.into_iter().map(|m| m.id).collect()
    };
    let chosen = RwSignal::new(original.clone());
    let people = StoredValue::new(people);
    let original = StoredValue::new(original);
    let name_of = move |id: MemberId| {
        people.with_value(|p| p.get(&id).map(|m| m.full_name.clone()).unwrap_or_default())
    };
    let group_name = group.name.clone();

    let save = Mutation::new(
        move |request: &GroupRequest| api::update_group(state.org, group_id, request.clone()),
        move |_, change| {
            let name = change
                .group
                .as_ref()
                .map(|g| g.name.as_str())
                .unwrap_or_default();
            toasts.report_change(&format!("Saved group {name}."), "role or licenses", &change);
            on_close.run(());
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.run(GroupRequest {
            name: name.get_untracked().trim().to_owned(),
            role: role.get_untracked(),
            members: chosen.get_untracked(),
        });
    };

    let candidates = Signal::derive(move || {
        let staying = chosen.get();
        people.with_value(|people| {
            let mut list: Vec<Arc<Member>> = people
                .values()
                .filter(|m| !staying.contains(&m.id))
                .cloned()
                .collect();
            list.sort_by(|a, b| a.full_name.cmp(&b.full_name));
            list
        })
    });
    let pick = Callback::new(move |id: MemberId| chosen.update(|c| c.push(id)));

    let member_chips = {
        let group_name = group_name.clone();
        move || {
            chosen
                .get()
                .into_iter()
                .map(|id| {
                    let who = name_of(id);
                    view! {
                        <li class="chip">
                            {who.clone()}
                            <button
                                type="button"
                                class="chip-remove"
                                aria-label=format!("Remove {who} from {group_name}")
                                on:click=move |_| chosen.update(|c| c.retain(|m| *m != id))
                            >
                                "×"
                            </button>
                        </li>
                    }
                })
                .collect_view()
        }
    };
    // Members marked for removal, each with what they lose when saved.
    let leaving = move || {
        let staying = chosen.get();
        let gone: Vec<MemberId> = original.with_value(|o| {
            o.iter()
                .copied()
                .filter(|id| !staying.contains(id))
                .collect()
        });
        (!gone.is_empty()).then(|| {
            let items = gone
                .into_iter()
                .map(|id| {
                    let who = name_of(id);
                    let loss = people
                        .with_value(|p| p.get(&id).map(|m| loss_on_leaving(m, group_id, &groups)));
                    let loses = loss
                        .map(|l| l.describe(&products))
                        .unwrap_or_else(|| "nothing".into());
                    view! {
                        <li>
                            {format!("{who} loses {loses}.")}
                            " "
                            <button
                                type="button"
                                class="link"
                                aria-label=format!("Keep {who} in the group")
                                on:click=move |_| chosen.update(|c| c.push(id))
                            >
                                "Keep"
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="notice-box" role="status">
                    <strong>"Leaving the group on Save"</strong>
                    <ul class="notes">{items}</ul>
                </div>
            }
        })
    };
    view! {
        <Dialog title="Edit Group".into() on_close panel=true>
            <form class="form-grid" on:submit=submit>
                {group_fields("edit", name, role)}
                <MemberPicker id="group-picker" label="Add names" candidates on_pick=pick />
                <ul class="member-chips" aria-label=format!("Members of {group_name}")>{member_chips}</ul>
                {leaving}
                <DialogActions on_cancel=on_close confirm="Save" disabled=Signal::derive(move || save.busy()) />
            </form>
        </Dialog>
    }
}

/// Deleting a group: says what its members lose first.
#[component]
fn DeleteGroupDialog(group: Group, on_close: Callback<()>) -> impl IntoView {
    let state = OrgState::get();
    let toasts = Toasts::get();
    let group_id = group.id;
    let name = group.name.clone();
    let losses: Vec<String> = state.read(|s| {
        s.members
            .iter()
            .filter(|m| m.status == MemberStatus::Active && m.groups.contains(&group_id))
            .filter_map(|m| {
                let loss = loss_on_leaving(m, group_id, &s.groups);
                (!loss.is_empty())
                    .then(|| format!("{} loses {}.", m.full_name, loss.describe(&s.products)))
            })
            .collect()
    });
    let done = format!("Deleted group {name}.");
    let delete = Mutation::new(
        move |_: &()| api::delete_group(state.org, group_id),
        move |_, change| {
            toasts.report_change(&done, "role or licenses", &change);
            on_close.run(());
        },
    );
    let consequences = if losses.is_empty() {
        view! { <p>"Its members lose nothing: no license or role comes only from this group."</p> }
            .into_any()
    } else {
        let items = losses
            .into_iter()
            .map(|line| view! { <li>{line}</li> })
            .collect_view();
        view! {
            <div class="notice-box" role="note">
                <strong>"Notice"</strong>
                <ul class="notes">{items}</ul>
            </div>
        }
        .into_any()
    };
    view! {
        <Dialog title="Delete group".into() on_close>
            <p>{format!("Delete “{name}”? Its members stay in the organization.")}</p>
            {consequences}
            <DialogActions on_cancel=on_close confirm="Delete" danger=true disabled=Signal::derive(move || delete.busy()) on_confirm=Callback::new(move |_| delete.run(())) />
        </Dialog>
    }
}
