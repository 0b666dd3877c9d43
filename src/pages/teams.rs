use std::{collections::HashMap, sync::Arc};

use allot_core::{
    Member, MemberId, OrgId, Role, Team, TeamId, TeamRole, rules::TEAM_NAME_MAX_CHARS,
};
use leptos::{either::Either, prelude::*};

use crate::{
    api::{self, ApiError},
    components::{Dialog, DialogActions, LoadStatus, MemberPicker, Toasts},
    context::current_organization,
    org::{Mutation, OrgState, Remote},
    pages::NotFound,
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
    /// A change to teams: once done, says `done` and runs `after`; the teams load again when
    /// the change feed says they changed.
    fn change<I: 'static, T: 'static, F>(
        self,
        call: impl Fn(&I) -> F + Send + Sync + 'static,
        done: impl Fn(&I) -> String + Send + Sync + 'static,
        after: impl Fn() + Send + Sync + 'static,
    ) -> Mutation<I>
    where
        F: Future<Output = Result<T, ApiError>> + 'static,
    {
        Mutation::new(call, move |input, _| {
            self.toasts.info(done(input));
            after();
        })
    }

    /// Active members by id, following changes: teams may load before them.
    fn active_members(&self) -> HashMap<MemberId, Arc<Member>> {
        self.members.latest().track();
        self.members.active_members_untracked()
    }
}

fn team_role_options(selected: TeamRole) -> impl IntoView {
    TeamRole::ALL
        .into_iter()
        .map(|role| {
            view! { <option value=role.as_str() selected=role == selected>{role.label()}</option> }
        })
        .collect_view()
}

fn parse_team_role(ev: &leptos::ev::Event) -> TeamRole {
    TeamRole::parse(&event_target_value(ev)).unwrap_or(TeamRole::Member)
}

/// Teams: named subsets of members, each member with a role in the team.
#[component]
pub fn TeamsPage() -> impl IntoView {
    let Some(organization) = current_organization() else {
        return Either::Left(view! { <NotFound /> });
    };
    let org = organization.id;
    let members = OrgState::get();
    let context = TeamsContext {
        org,
        teams: members.teams(),
        members,
        toasts: Toasts::get(),
    };
    provide_context(context);
    let name = RwSignal::new(String::new());
    let create = context.change(
        move |team: &String| api::create_team(org, team.clone()),
        |team| format!("Team “{}” created.", team.trim()),
        move || name.set(String::new()),
    );
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.run(name.get_untracked());
    };
    // Keyed by id: a card, and what is typed in it, stays while the teams load again after
    // a change; each card follows its own team.
    let team_ids = move || {
        context.teams.latest().with(|teams| {
            teams
                .iter()
                .flatten()
                .map(|team| team.id)
                .collect::<Vec<_>>()
        })
    };
    Either::Right(view! {
        <div class="page-header">
            <h1>"Teams"</h1>
        </div>
        <form class="inline-form" on:submit=create>
            <label for="new-team">"New team"</label>
            <input id="new-team" type="text" maxlength=TEAM_NAME_MAX_CHARS required bind:value=name />
            <button type="submit">"Create team"</button>
        </form>
        <LoadStatus source=context.teams what="teams" />
        <div class="teams">
            <For each=team_ids key=|id| *id let:team_id>
                <TeamCard team_id />
            </For>
        </div>
    })
}

#[component]
fn TeamCard(team_id: TeamId) -> impl IntoView {
    let context: TeamsContext = expect_context();
    let org = context.org;
    let team = Memo::new(move |_| {
        context.teams.latest().with(|teams| {
            teams
                .iter()
                .flatten()
                .find(|team| team.id == team_id)
                .cloned()
        })
    });
    let team_name = Signal::derive(move || {
        team.with(|t| t.as_ref().map(|t| t.name.clone()))
            .unwrap_or_default()
    });
    let entries = move || {
        team.with(|t| t.as_ref().map(|t| t.members.clone()))
            .unwrap_or_default()
    };
    let renaming = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let set_role = context.change(
        move |(member, role): &(MemberId, TeamRole)| {
            api::set_team_member(org, team_id, *member, *role)
        },
        |_| "Team role changed.".to_owned(),
        || {},
    );
    let remove = context.change(
        move |(member, _): &(MemberId, String)| api::remove_team_member(org, team_id, *member),
        |(_, name)| format!("{name} left the team."),
        || {},
    );
    // The team's active members as the console knows them now (one removed by another admin
    // leaves at once); drawn again when the members arrive, as teams may load first.
    let shown = move || {
        let members = context.active_members();
        entries()
            .iter()
            .filter_map(|entry| {
                members
                    .get(&entry.member_id)
                    .map(|m| (m.clone(), entry.role))
            })
            .collect::<Vec<_>>()
    };
    let rows = move || {
        shown()
        .into_iter()
        .map(|(member, role)| {
            let member_id = member.id;
            let name = member.full_name.clone();
            let leaving = name.clone();
            view! {
                <tr>
                    <td>{name.clone()}</td>
                    <td>{member.email.clone()}</td>
                    <td>
                        <select aria-label=format!("Team role of {name}") on:change=move |ev| set_role.run((member_id, parse_team_role(&ev)))>
                            {team_role_options(role)}
                        </select>
                    </td>
                    <td>
                        <button type="button" class="link" aria-label=format!("Remove {name} from {}", team_name.get_untracked()) on:click=move |_| remove.run((member_id, leaving.clone()))>
                            "Remove"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view()
    };
    let count = move || {
        let count = shown().len();
        format!("{count} member{}", if count == 1 { "" } else { "s" })
    };
    let present = Signal::derive(move || entries().iter().map(|m| m.member_id).collect::<Vec<_>>());
    view! {
        <section class="team" aria-labelledby=format!("team-{team_id}")>
            <div class="team-header">
                <h2 id=format!("team-{team_id}")>{team_name}</h2>
                <span class="hint">{count}</span>
                <button type="button" class="secondary" aria-label=move || format!("Rename {}", team_name.get()) on:click=move |_| renaming.set(true)>"Rename"</button>
                <button type="button" class="danger" aria-label=move || format!("Delete {}", team_name.get()) on:click=move |_| deleting.set(true)>"Delete"</button>
            </div>
            // Scrolls sideways on a narrow screen, by keyboard too.
            <div class="team-table" tabindex="0" role="region" aria-label=move || format!("Table of the members of {}", team_name.get())>
                <table aria-label=move || format!("Members of {}", team_name.get())>
                    <thead>
                        <tr><th scope="col">"Full name"</th><th scope="col">"Email"</th><th scope="col">"Team role"</th><th scope="col">"Actions"</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <AddMember team_id team_name present />
        </section>
        {move || renaming.get().then(|| view! { <RenameDialog team_id current=team_name.get_untracked() on_close=Callback::new(move |_| renaming.set(false)) /> })}
        {move || deleting.get().then(|| view! { <DeleteDialog team_id name=team_name.get_untracked() on_close=Callback::new(move |_| deleting.set(false)) /> })}
    }
}

/// Adds a member with a team role: the role first, then a field that suggests the
/// organization's members as one types; picking one adds them.
#[component]
fn AddMember(
    team_id: TeamId,
    team_name: Signal<String>,
    /// The team's members, who are not offered.
    present: Signal<Vec<MemberId>>,
) -> impl IntoView {
    let context: TeamsContext = expect_context();
    let toasts = Toasts::get();
    let org = context.org;
    let role = RwSignal::new(TeamRole::Member);
    let candidates = Memo::new(move |_| {
        let present = present.get();
        let mut members: Vec<Arc<Member>> = context
            .active_members()
            .into_values()
            .filter(|m| !present.contains(&m.id))
            .collect();
        members.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        members
    });
    let join = context.change(
        move |(member, role): &(Arc<Member>, TeamRole)| {
            api::set_team_member(org, team_id, member.id, *role)
        },
        |(member, _)| format!("{} joined the team.", member.full_name),
        || {},
    );
    let pick = Callback::new(move |id: MemberId| {
        let Some(member) =
            candidates.with_untracked(|members| members.iter().find(|m| m.id == id).cloned())
        else {
            return;
        };
        if member.role == Role::BillingManager {
            toasts.error(format!(
                "{} is a Billing Manager, and Billing Managers cannot be in a team.",
                member.full_name
            ));
            return;
        }
        join.run((member, role.get_untracked()));
    });
    let role_id = format!("team-{team_id}-add-role");
    view! {
        <div class="inline-form">
            <label for=role_id.clone()>"Team role"</label>
            <select id=role_id on:change=move |ev| role.set(parse_team_role(&ev))>
                {team_role_options(TeamRole::Member)}
            </select>
            <MemberPicker
                id=format!("team-{team_id}-add")
                label=Signal::derive(move || format!("Add to {}", team_name.get()))
                candidates=Signal::from(candidates)
                on_pick=pick
            />
        </div>
    }
}

#[component]
fn RenameDialog(team_id: TeamId, current: String, on_close: Callback<()>) -> impl IntoView {
    let context: TeamsContext = expect_context();
    let name = RwSignal::new(current);
    let rename = context.change(
        move |name: &String| api::rename_team(context.org, team_id, name.clone()),
        |name| format!("Team renamed to “{}”.", name.trim()),
        move || on_close.run(()),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        rename.run(name.get_untracked());
    };
    view! {
        <Dialog title="Rename Team".into() on_close>
            <form on:submit=save>
                <label for="rename-team">"Team name"</label>
                <input id="rename-team" type="text" maxlength=TEAM_NAME_MAX_CHARS required bind:value=name />
                <DialogActions on_cancel=on_close confirm="Save" />
            </form>
        </Dialog>
    }
}

#[component]
fn DeleteDialog(team_id: TeamId, name: String, on_close: Callback<()>) -> impl IntoView {
    let context: TeamsContext = expect_context();
    let shown = name.clone();
    let delete = context.change(
        move |_: &()| api::delete_team(context.org, team_id),
        move |_| format!("Team “{name}” deleted."),
        move || on_close.run(()),
    );
    view! {
        <Dialog title="Delete Team".into() on_close>
            <p>{format!("Delete “{shown}”? Its members stay in the organization; only the team goes.")}</p>
            <DialogActions on_cancel=on_close confirm="Delete" danger=true disabled=Signal::derive(move || delete.busy()) on_confirm=Callback::new(move |_| delete.run(())) />
        </Dialog>
    }
}
