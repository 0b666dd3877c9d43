use std::collections::HashMap;

use allot_core::{Member, MemberId, MemberStatus, OrgId, Role, Team, TeamRole};
use leptos::{either::Either, prelude::*};

use crate::{
    api::{self, ApiError},
    app::current_organization,
    components::{Dialog, Toasts},
    pages::NotFound,
    remote::Remote,
    sync::OrgState,
};

#[derive(Clone, Copy)]
struct TeamsContext {
    org: OrgId,
    teams: Remote<Vec<Team>>,
    members: OrgState,
    // Held here: the changes report from spawned futures, which have no context to look in.
    toasts: Toasts,
}

impl TeamsContext {
    /// Reports the outcome of a change and reloads the teams when it went through.
    fn finish<T>(self, result: Result<T, ApiError>, done: String) {
        let toasts = self.toasts;
        match result {
            Ok(_) => {
                toasts.info(done);
                self.teams.reload();
            }
            Err(error) => toasts.error(error.to_string()),
        }
    }

    fn active_members(&self) -> HashMap<MemberId, Member> {
        self.members.latest().with(|snapshot| {
            snapshot
                .iter()
                .flat_map(|s| &s.members)
                .filter(|m| m.status == MemberStatus::Active)
                .map(|m| (m.id, m.clone()))
                .collect()
        })
    }
}

/// Teams: named subsets of members, each member with a role in the team.
#[component]
pub fn TeamsPage() -> impl IntoView {
    let Some(organization) = current_organization() else {
        return Either::Left(view! { <NotFound /> });
    };
    let org = organization.id;
    let context = TeamsContext {
        org,
        teams: Remote::new(move || api::teams(org)),
        members: OrgState::get(),
        toasts: Toasts::get(),
    };
    provide_context(context);
    let name = RwSignal::new(String::new());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let team = name.get_untracked();
        leptos::task::spawn_local(async move {
            let result = api::create_team(org, team.clone()).await;
            if result.is_ok() {
                name.set(String::new());
            }
            context.finish(result, format!("Team “{}” created.", team.trim()));
        });
    };
    let teams = move || {
        context
            .teams
            .latest()
            .get()
            .unwrap_or_default()
            .into_iter()
            .map(|team| view! { <TeamCard team /> })
            .collect_view()
    };
    Either::Right(view! {
        <div class="page-header">
            <h1>"Teams"</h1>
        </div>
        <form class="inline-form" on:submit=create>
            <label for="new-team">"New team"</label>
            <input id="new-team" type="text" maxlength="80" required bind:value=name />
            <button type="submit">"Create team"</button>
        </form>
        {context.teams.status("teams")}
        <div class="teams">{teams}</div>
    })
}

#[component]
fn TeamCard(team: Team) -> impl IntoView {
    let context: TeamsContext = expect_context();
    let org = context.org;
    let team_id = team.id;
    let team_name = StoredValue::new(team.name.clone());
    let renaming = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let entries = StoredValue::new(team.members.clone());
    // Drawn again when the members arrive: teams may load first.
    let rows = move || {
        let members = context.active_members();
        entries.with_value(|entries| {
        entries
        .iter()
        .filter_map(|entry| members.get(&entry.member_id).map(|m| (m.clone(), entry.role)))
        .map(|(member, role)| {
            let member_id = member.id;
            let name = member.full_name.clone();
            let set_role = move |ev: leptos::ev::Event| {
                let role = if event_target_value(&ev) == "admin" { TeamRole::Admin } else { TeamRole::Member };
                leptos::task::spawn_local(async move {
                    let result = api::set_team_member(org, team_id, member_id, role).await;
                    context.finish(result, "Team role changed.".into());
                });
            };
            let remove = {
                let name = name.clone();
                move |_| {
                    let name = name.clone();
                    leptos::task::spawn_local(async move {
                        let result = api::remove_team_member(org, team_id, member_id).await;
                        context.finish(result, format!("{name} left the team."));
                    });
                }
            };
            view! {
                <tr>
                    <td>{name.clone()}</td>
                    <td>{member.email.clone()}</td>
                    <td>
                        <select aria-label=format!("Team role of {name}") on:change=set_role>
                            <option value="admin" selected=role == TeamRole::Admin>"Admin"</option>
                            <option value="member" selected=role == TeamRole::Member>"Member"</option>
                        </select>
                    </td>
                    <td>
                        <button type="button" class="link" aria-label=format!("Remove {name} from {}", team_name.get_value()) on:click=remove>
                            "Remove"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view()
        })
    };
    let count = team.members.len();
    view! {
        <section class="team" aria-labelledby=format!("team-{team_id}")>
            <div class="team-header">
                <h2 id=format!("team-{team_id}")>{team.name.clone()}</h2>
                <span class="hint">{format!("{count} member{}", if count == 1 { "" } else { "s" })}</span>
                <button type="button" class="secondary" aria-label=format!("Rename {}", team.name) on:click=move |_| renaming.set(true)>"Rename"</button>
                <button type="button" class="danger" aria-label=format!("Delete {}", team.name) on:click=move |_| deleting.set(true)>"Delete"</button>
            </div>
            // Scrolls sideways on a narrow screen, by keyboard too.
            <div class="team-table" tabindex="0" role="region" aria-label=format!("Table of the members of {}", team.name)>
                <table aria-label=format!("Members of {}", team.name)>
                    <thead>
                        <tr><th scope="col">"Full name"</th><th scope="col">"Email"</th><th scope="col">"Team role"</th><th scope="col">"Actions"</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <AddMember team_id team_name=team.name.clone() present=team.members.iter().map(|m| m.member_id).collect() />
        </section>
        {move || renaming.get().then(|| view! { <RenameDialog team_id current=team_name.get_value() on_close=Callback::new(move |_| renaming.set(false)) /> })}
        {move || deleting.get().then(|| view! { <DeleteDialog team_id name=team_name.get_value() on_close=Callback::new(move |_| deleting.set(false)) /> })}
    }
}

/// Adds a member by name: a field that suggests the organization's members as one types.
#[component]
fn AddMember(team_id: i64, team_name: String, present: Vec<MemberId>) -> impl IntoView {
    let context: TeamsContext = expect_context();
    let toasts = Toasts::get();
    let org = context.org;
    let choice = RwSignal::new(String::new());
    let role = RwSignal::new(TeamRole::Member);
    let members: Vec<Member> = {
        let mut members: Vec<Member> = context
            .active_members()
            .into_values()
            .filter(|m| !present.contains(&m.id))
            .collect();
        members.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        members
    };
    let label = |m: &Member| format!("{} <{}>", m.full_name, m.email);
    let options = members
        .iter()
        .map(|m| view! { <option value=label(m)></option> })
        .collect_view();
    let members = StoredValue::new(members);
    let list_id = format!("team-{team_id}-candidates");
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = choice.get_untracked();
        let Some(member) =
            members.with_value(|members| members.iter().find(|m| label(m) == typed).cloned())
        else {
            toasts.error("Pick a member from the suggestions.");
            return;
        };
        if member.role == Role::BillingManager {
            toasts.error(format!(
                "{} is a Billing Manager, and Billing Managers cannot be in a team.",
                member.full_name
            ));
            return;
        }
        let role = role.get_untracked();
        leptos::task::spawn_local(async move {
            let result = api::set_team_member(org, team_id, member.id, role).await;
            context.finish(result, format!("{} joined the team.", member.full_name));
        });
    };
    let input_id = format!("team-{team_id}-add");
    let role_id = format!("team-{team_id}-add-role");
    view! {
        <form class="inline-form" on:submit=add>
            <label for=input_id.clone()>{format!("Add to {team_name}")}</label>
            <input id=input_id type="text" list=list_id.clone() placeholder="Type a name" required bind:value=choice />
            <datalist id=list_id>{options}</datalist>
            <label for=role_id.clone() class="visually-hidden">"Team role"</label>
            <select id=role_id on:change=move |ev| role.set(if event_target_value(&ev) == "admin" { TeamRole::Admin } else { TeamRole::Member })>
                <option value="member">"Member"</option>
                <option value="admin">"Admin"</option>
            </select>
            <button type="submit" class="secondary">"Add"</button>
        </form>
    }
}

#[component]
fn RenameDialog(team_id: i64, current: String, on_close: Callback<()>) -> impl IntoView {
    let context: TeamsContext = expect_context();
    let name = RwSignal::new(current);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = name.get_untracked();
        leptos::task::spawn_local(async move {
            let result = api::rename_team(context.org, team_id, name.clone()).await;
            let ok = result.is_ok();
            context.finish(result, format!("Team renamed to “{}”.", name.trim()));
            if ok {
                on_close.run(());
            }
        });
    };
    view! {
        <Dialog title="Rename Team".into() on_close>
            <form on:submit=save>
                <label for="rename-team">"Team name"</label>
                <input id="rename-team" type="text" maxlength="80" required bind:value=name />
                <div class="dialog-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit">"Save"</button>
                </div>
            </form>
        </Dialog>
    }
}

#[component]
fn DeleteDialog(team_id: i64, name: String, on_close: Callback<()>) -> impl IntoView {
    let context: TeamsContext = expect_context();
    let shown = name.clone();
    let delete = move |_| {
        let name = name.clone();
        leptos::task::spawn_local(async move {
            let result = api::delete_team(context.org, team_id).await;
            context.finish(result, format!("Team “{name}” deleted."));
            on_close.run(());
        });
    };
    view! {
        <Dialog title="Delete Team".into() on_close>
            <p>{format!("Delete “{shown}”? Its members stay in the organization; only the team goes.")}</p>
            <div class="dialog-actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="danger" on:click=delete>"Delete"</button>
            </div>
        </Dialog>
    }
}
