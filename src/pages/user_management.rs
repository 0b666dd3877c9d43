use allot_core::MemberStatus;
use leptos::{either::Either, prelude::*};
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    api,
    app::org_param,
    components::{ErrorPanel, MembersTable},
    format,
    pages::NotFound,
};

/// The tabs of User Management, in order: (route segment, label).
const TABS: [(&str, &str); 1] = [("active", "Active Users")];

#[component]
pub fn UserManagement() -> impl IntoView {
    let params = use_params_map();
    let tab = Memo::new(move |_| params.read().get("tab").unwrap_or_default());
    let org_id = org_param();
    move || {
        let current = tab.get();
        let Some(org) = org_id.get() else {
            return Either::Left(view! { <NotFound /> });
        };
        if !TABS.iter().any(|(segment, _)| *segment == current) {
            return Either::Left(view! { <NotFound /> });
        }
        let tabs = TABS
            .iter()
            .map(|&(segment, label)| {
                let selected = segment == current;
                view! {
                    <A href=format!("/orgs/{org}/users/{segment}") attr:role="tab" attr:aria-selected=selected.to_string() attr:id=format!("tab-{segment}")>
                        {label}
                    </A>
                }
            })
            .collect_view();
        Either::Right(view! {
            <h1>"User Management"</h1>
            <div role="tablist" aria-label="Users">{tabs}</div>
            <section role="tabpanel" aria-labelledby=format!("tab-{current}")>
                <ActiveUsers org />
            </section>
        })
    }
}

#[component]
fn ActiveUsers(org: allot_core::OrgId) -> impl IntoView {
    let snapshot = LocalResource::new(move || api::members(org));
    let table = move || {
        Suspend::new(async move {
            snapshot.await.map(|snapshot| {
                let active = snapshot
                    .members
                    .into_iter()
                    .filter(|member| member.status == MemberStatus::Active)
                    .collect::<Vec<_>>();
                view! {
                    <MembersTable
                        members=active
                        products=snapshot.products
                        now=format::now()
                        noun="active members"
                    />
                }
            })
        })
    };
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading members…"</p> }>
            <ErrorBoundary fallback=move |errors| {
                let error = errors.with(|errors| errors.iter().next().map(|(_, error)| error.to_string()));
                view! { <ErrorPanel message=error.unwrap_or_default() retry=move || snapshot.refetch() /> }
            }>{table}</ErrorBoundary>
        </Transition>
    }
}
