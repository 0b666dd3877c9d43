//! License Allocations to Users and to Groups, at the foot of License Management: who has
//! which license and where it comes from, and the panels that change direct allocations,
//! group rules and inherited seats.

use std::sync::Arc;

use std::collections::BTreeSet;

use allot_core::{
    AllocationRequest, Group, GroupId, Member, MemberId, MemberStatus, ProductId, ProductSeats,
    allocation::{
        InheritanceStatus, RuleEffect, describe_licenses, holds_seat_from, rule_change,
        seats_left_for,
    },
    format::{count, plural},
    sort::SortKey,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api,
    components::{
        Clamped, Column, Dialog, DialogActions, Dialogs, IconButton, ProductPicker, SortBy,
        TablePage, Toasts, icons,
    },
    context::use_replace_query,
    org::{Mutation, OrgState},
    rows::member_identity_columns,
    rows::{GroupAction, GroupRow},
};

/// The query parameter that keeps the open sections, so that a link opens them: `?expand=users`.
const EXPAND: &str = "expand";

#[component]
pub(super) fn Allocations() -> impl IntoView {
    let query = use_query_map();
    let replace_query = use_replace_query();
    let expanded = Memo::new(move |_| {
        query
            .read()
            .get(EXPAND)
            .map(|keys| {
                keys.split(',')
                    .filter(|key| !key.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let toggle = move |key: &'static str| {
        let mut open = expanded.get_untracked();
        match open.iter().position(|k| k == key) {
            Some(at) => {
                open.remove(at);
            }
            None => open.push(key.to_owned()),
        }
        if open.is_empty() {
            replace_query("");
        } else {
            replace_query(&format!("{EXPAND}={}", open.join(",")));
        }
    };
    // Kept while a section is closed, so that reopening it finds the same search.
    let user_search = RwSignal::new(String::new());
    let group_search = RwSignal::new(String::new());
    view! {
        {section("users", "License Allocations to Users", expanded, toggle.clone(), move || {
            view! { <UsersSection search=user_search /> }.into_any()
        })}
        {section("groups", "License Allocations to Groups", expanded, toggle, move || {
            view! { <GroupsSection search=group_search /> }.into_any()
        })}
    }
}

/// A section that the admin expands with its heading's button.
fn section(
    key: &'static str,
    title: &'static str,
    expanded: Memo<Vec<String>>,
    toggle: impl Fn(&'static str) + 'static,
    content: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let open = Memo::new(move |_| expanded.with(|open| open.iter().any(|k| k == key)));
    // The view macro builds children before their parent's attributes: each use its own.
    let body = format!("allocations-{key}");
    let controls = body.clone();
    let title_id = format!("{body}-title");
    let labelled_by = title_id.clone();
    view! {
        <section class="allocation-section" aria-labelledby=labelled_by>
            <h2 id=title_id>
                <button
                    type="button"
                    class="disclosure"
                    aria-expanded=move || open.get().to_string()
                    aria-controls=controls
                    on:click=move |_| toggle(key)
                >
                    {icons::chevron()}
                    {title}
                </button>
            </h2>
            <div id=body class="allocation-body" hidden=move || !open.get()>
                {move || open.get().then(&content)}
            </div>
        </section>
    }
}

#[component]
fn UsersSection(search: RwSignal<String>) -> impl IntoView {
    let state = OrgState::get();
    let editing = RwSignal::new(None::<MemberId>);
    let rows = state.members_with(MemberStatus::Active);
    let mut columns = member_identity_columns();
    columns.extend([
        Column::new("Licenses", move |m: &Arc<Member>| {
            state.read(|s| describe_licenses(m, &s.groups, &s.products))
        })
        .sorted_by(move |m| {
            let n = state.read(|s| m.effective_licenses(&s.groups).len());
            SortKey::Number(Some(n as i64))
        })
        .also_reads(state.groups_and_products())
        .class("licenses"),
        Column::new("Actions", move |m: &Arc<Member>| {
            let id = m.id;
            view! {
                <IconButton
                    action="Edit license allocation"
                    label=format!("Edit license allocation for {}", m.full_name)
                    icon=icons::edit().into_any()
                    on_click=Callback::new(move |_| editing.set(Some(id)))
                />
            }
        }),
    ]);
    // Looked up once: a reload while the panel is open must not replace it.
    let panel = move || {
        let id = editing.get()?;
        let member = state.read(|s| s.members.iter().find(|m| m.id == id).cloned())?;
        Some(
            view! { <AllocationPanel member on_close=Callback::new(move |_| editing.set(None)) /> },
        )
    };
    view! {
        <TablePage source=state what="members" rows columns search sort_by=SortBy::ascending("Full name") noun="users">
            <Dialogs slot>{panel}</Dialogs>
        </TablePage>
    }
}

/// "5 seats left", "1 seat left" or "No seat limit".
fn seats_hint(left: Option<u32>) -> String {
    match left {
        Some(1) => "1 seat left".into(),
        Some(n) => format!("{} seats left", count(n as usize)),
        None => "No seat limit".into(),
    }
}

/// The Edit License Allocation panel: the member's direct licenses and "Allocate to User".
#[component]
fn AllocationPanel(member: Arc<Member>, on_close: Callback<()>) -> impl IntoView {
    let state = OrgState::get();
    let toasts = Toasts::get();
    let member_id = member.id;
    let name = member.full_name.clone();
    let allocate_to_user = RwSignal::new(member.allocate_to_user);
    let ticked = RwSignal::new(
        member
            .licenses
            .iter()
            .copied()
            .collect::<BTreeSet<ProductId>>(),
    );
    let now = state.read(|s| describe_licenses(&member, &s.groups, &s.products));
    let heading = format!("{} ({})", member.full_name, member.email);
    let member = StoredValue::new(member);
    let saved = format!("Saved the license allocation of {name}.");
    let save = Mutation::new(
        move |request: &AllocationRequest| {
            api::set_allocation(state.org, member_id, request.clone())
        },
        move |_, change| {
            toasts.report_change(&saved, "licenses", &change);
            on_close.run(());
        },
    );
    // Unticking and ticking again keeps the member's own seat: `seats_left_for` counts it.
    let left =
        Callback::new(move |seats: ProductSeats| member.with_value(|m| seats_left_for(m, &seats)));
    let hint = Callback::new(move |seats: ProductSeats| seats_hint(left.run(seats)));
    let full = Callback::new(move |seats: ProductSeats| left.run(seats) == Some(0));
    let blocked_notice = move || {
        (allocate_to_user.get() && ticked.with(BTreeSet::is_empty)).then(|| {
            view! {
                <p class="notice-box" role="status">
                    {format!("{name} can no longer acquire any license, allocated directly or inherited from a group.")}
                </p>
            }
        })
    };
    let submit = move |_| {
        save.run(AllocationRequest {
            allocate_to_user: allocate_to_user.get_untracked(),
            products: ticked.get_untracked().into_iter().collect(),
        });
    };
    view! {
        <Dialog title="Edit License Allocation".into() on_close panel=true>
            <p class="subject"><Clamped text=heading /></p>
            <p class="hint">{format!("Licenses now: {now}")}</p>
            <ProductPicker legend="Licenses allocated directly" ticked hint full />
            <label class="checkbox switch-label">
                <input
                    type="checkbox"
                    prop:checked=allocate_to_user
                    on:change=move |ev| allocate_to_user.set(event_target_checked(&ev))
                />
                "Allocate to User"
            </label>
            <p class="hint">"Only the licenses ticked above: the rules of the user's groups no longer apply."</p>
            {blocked_notice}
            <DialogActions on_cancel=on_close confirm="Save" disabled=Signal::derive(move || save.busy()) on_confirm=Callback::new(submit) />
        </Dialog>
    }
}

#[component]
fn GroupsSection(search: RwSignal<String>) -> impl IntoView {
    let state = OrgState::get();
    let editing_rule = RwSignal::new(None::<GroupId>);
    let inheritance = RwSignal::new(None::<GroupId>);
    let rows = GroupRow::rows(state);
    let columns = vec![
        GroupRow::name_column(),
        GroupRow::rule_column("Allocation rule"),
        GroupRow::members_column(),
        GroupRow::actions_column(vec![
            GroupAction::new(
                "Edit group allocation rule",
                |name| format!("Edit group allocation rule for {name}"),
                || icons::rule().into_any(),
                editing_rule,
            ),
            GroupAction::new(
                "Group members with license inheritance",
                |name| format!("Group members with license inheritance for {name}"),
                || icons::members().into_any(),
                inheritance,
            ),
        ]),
    ];
    let group = move |id: GroupId| state.group_untracked(id);
    view! {
        <TablePage
            source=state
            what="groups"
            rows
            columns
            search
            sort_by=SortBy::ascending("Group")
            noun="groups"
            placeholder="Search by group name"
        >
            <Dialogs slot>
                {move || editing_rule.get().and_then(group).map(|group| view! {
                    <RulePanel group on_close=Callback::new(move |_| editing_rule.set(None)) />
                })}
                {move || inheritance.get().and_then(group).map(|group| view! {
                    <InheritancePanel group_id=group.id on_close=Callback::new(move |_| inheritance.set(None)) />
                })}
            </Dialogs>
        </TablePage>
    }
}

/// The Edit Group Allocation Rule panel: Save first says how many members it changes.
#[component]
fn RulePanel(group: Group, on_close: Callback<()>) -> impl IntoView {
    let state = OrgState::get();
    let toasts = Toasts::get();
    let group_id = group.id;
    let name = group.name.clone();
    let ticked = RwSignal::new(
        group
            .products
            .iter()
            .copied()
            .collect::<BTreeSet<ProductId>>(),
    );
    // `Some((members it changes, what happens))` while Save asks to confirm.
    let confirming = RwSignal::new(None::<(usize, Vec<String>)>);
    let saved = format!("Saved the allocation rule of {name}.");
    let save = Mutation::new(
        move |products: &Vec<ProductId>| api::set_group_rule(state.org, group_id, products.clone()),
        move |_, change| {
            toasts.report_change(&saved, "licenses", &change);
            on_close.run(());
        },
    );
    // Save applies at once, unless members would lose a license (their sessions end) or more
    // would gain one than there are free seats: then the panel lists that first.
    let save_or_confirm = move |_| {
        let products: Vec<ProductId> = ticked.get_untracked().into_iter().collect();
        let change = state.read(|s| {
            let active: Vec<&Member> = s
                .members
                .iter()
                .map(|m| &**m)
                .filter(|m| m.status == MemberStatus::Active)
                .collect();
            rule_change(group_id, &products, &active, &s.groups)
        });
        let seats = state.seats();
        let left = |product: ProductId| {
            seats
                .iter()
                .find(|seats| seats.id == product)
                .and_then(ProductSeats::left)
        };
        if change.needs_confirmation(left) {
            let lines = change
                .effects
                .iter()
                .flat_map(|effect| {
                    let name = seats
                        .iter()
                        .find(|seats| seats.id == effect.product)
                        .map(|seats| seats.name.clone())
                        .unwrap_or_default();
                    consequences(&name, effect, left(effect.product))
                })
                .collect();
            confirming.set(Some((change.members_changed, lines)));
        } else {
            save.run(products);
        }
    };
    let apply = move |_| {
        save.run(ticked.get_untracked().into_iter().collect());
    };
    let confirm_heading = NodeRef::<leptos::html::H3>::new();
    confirm_heading.on_load(|heading| {
        let _ = heading.focus();
    });
    let actions = move || {
        match confirming.get() {
        None => view! {
            <DialogActions on_cancel=on_close confirm="Save" disabled=Signal::derive(move || save.busy()) on_confirm=Callback::new(save_or_confirm) />
        }
        .into_any(),
        Some((changed, lines)) => view! {
            <section class="confirm" aria-labelledby="rule-confirm-title">
                <h3 id="rule-confirm-title" tabindex="-1" node_ref=confirm_heading>"Confirm the new rule"</h3>
                <p>{format!("Saving changes the licenses of {}:", plural(changed, "member", "members"))}</p>
                <ul>{lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
                <DialogActions
                    on_cancel=Callback::new(move |_| confirming.set(None))
                    cancel="Back"
                    confirm="Confirm and save"
                    disabled=Signal::derive(move || save.busy())
                    on_confirm=Callback::new(apply)
                />
            </section>
        }
        .into_any(),
    }
    };
    view! {
        <Dialog title="Edit Group Allocation Rule".into() on_close panel=true>
            <p class="subject"><Clamped text=name.clone() /></p>
            <ProductPicker
                legend="Licenses every member inherits"
                ticked
                hint=Callback::new(|seats: ProductSeats| seats_hint(seats.left()))
                // The consequences shown no longer hold.
                on_toggle=Callback::new(move |_| confirming.set(None))
            />
            <p class="hint">"Editing the rule changes the licenses of all group members."</p>
            {actions}
        </Dialog>
    }
}

/// What a rule change does with one product, in the words the confirmation lists.
fn consequences(product: &str, effect: &RuleEffect, left: Option<u32>) -> Vec<String> {
    let mut lines = Vec::new();
    if effect.losing > 0 {
        lines.push(format!(
            "{} lose {product}: the seats they hold are freed and their sessions end.",
            plural(effect.losing, "member", "members")
        ));
    }
    if effect.gaining > 0 {
        let gaining = plural(effect.gaining, "member", "members");
        lines.push(match left {
            Some(left) if effect.gaining > left as usize => format!(
                "{gaining} gain {product}, which has {} free: {} will have none until seats free up (listed under Licenses not allocated).",
                plural(left as usize, "seat", "seats"),
                count(effect.gaining - left as usize)
            ),
            _ => format!("{gaining} gain {product}: each takes a seat when their product next signs in."),
        });
    }
    lines
}

/// The License inheritance from group panel: each member's standing with each product of the
/// rule, and Release license.
#[component]
fn InheritancePanel(group_id: GroupId, on_close: Callback<()>) -> impl IntoView {
    let state = OrgState::get();
    let toasts = Toasts::get();
    let errors = state.allocation_errors();
    let release = Mutation::new(
        move |(member, _): &(MemberId, String)| {
            api::release_group_licenses(state.org, group_id, vec![*member])
        },
        move |(_, who), response| {
            if !toasts.report_failures(&response).is_empty() {
                toasts.info(format!(
                    "Released the license of {who}: the seat is free until their product signs in again."
                ));
            }
        },
    );
    // Drawn again on every reload: statuses change as products acquire and release seats.
    let content = move || {
        let errors = errors.latest().get().unwrap_or_default();
        state.latest().with(|snapshot| {
            let Some(snapshot) = snapshot else {
                return ().into_any();
            };
            let Some(group) = snapshot.groups.iter().find(|g| g.id == group_id) else {
                return view! { <p>"This group no longer exists."</p> }.into_any();
            };
            let products: Vec<(ProductId, String)> = snapshot
                .products
                .iter()
                .filter(|p| group.products.contains(&p.id))
                .map(|p| (p.id, p.name.clone()))
                .collect();
            let members: Vec<&Arc<Member>> = snapshot
                .members
                .iter()
                .filter(|m| m.status == MemberStatus::Active && m.groups.contains(&group_id))
                .collect();
            let intro = if products.is_empty() {
                format!("The rule of {} grants no license.", group.name)
            } else {
                format!(
                    "{} members of {}. Releasing a license frees its seat; the member acquires it again the next time their product signs in.",
                    count(members.len()),
                    group.name
                )
            };
            let headers = products
                .iter()
                .map(|(_, name)| view! { <th scope="col">{name.clone()}</th> })
                .collect_view();
            let rows = members
                .iter()
                .map(|member| {
                    let statuses = products
                        .iter()
                        .map(|(product, _)| {
                            let error = errors
                                .iter()
                                .find(|e| e.member_id == member.id && e.product_id == *product)
                                .map(|e| e.reason.as_str());
                            let status = InheritanceStatus::of(member, *product, error);
                            let failed = matches!(status, InheritanceStatus::Failed(_));
                            view! { <td class:warning=failed>{status.label()}</td> }
                        })
                        .collect_view();
                    let id = member.id;
                    let who = member.full_name.clone();
                    let holds = holds_seat_from(member, group);
                    view! {
                        <tr>
                            <th scope="row"><span class="clamp" title=member.full_name.clone()>{member.full_name.clone()}</span></th>
                            {statuses}
                            <td>
                                // Only a held seat can be released; the others say so.
                                {if holds {
                                    view! {
                                        <button
                                            type="button"
                                            class="secondary"
                                            aria-label=format!("Release license for {who}")
                                            on:click=move |_| release.run((id, who.clone()))
                                        >
                                            "Release license"
                                        </button>
                                    }
                                    .into_any()
                                } else {
                                    view! { <span class="hint">"No seat to release"</span> }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <p class="hint">{intro}</p>
                <div class="panel-table">
                    <table aria-label=format!("Members of {}", group.name)>
                        <thead>
                            <tr>
                                <th scope="col">"Member"</th>
                                {headers}
                                <th scope="col">"Actions"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        })
    };
    view! {
        <Dialog title="License inheritance from group".into() on_close panel=true>
            {content}
            <div class="dialog-actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </Dialog>
    }
}
