//! User Management: Active Users, Pending Invitations, Removed Users and Groups, with the
//! actions the product document describes.

mod active;
mod groups;
mod invite;
mod pending;
mod removed;

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use allot_core::{
    BulkResponse, Invitation, MemberStatus, MembersSnapshot, OrgId, OrganizationSummary, ProductId,
};
use leptos::{either::Either, prelude::*};
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_location, use_navigate, use_params_map, use_query_map},
};

use crate::{
    api::{self, ApiError},
    app::current_organization,
    components::tabs,
    pages::NotFound,
    remote::Remote,
    sync::{OrgState, Subject},
};

use invite::InviteDialog;

/// How long typing must pause before the search goes to the URL.
const URL_UPDATE_DELAY: std::time::Duration = std::time::Duration::from_millis(300);

/// The tabs, in order: (route segment, label).
const TABS: [(&str, &str); 4] = [
    ("active", "Active Users"),
    ("pending", "Pending Invitations"),
    ("removed", "Removed Users"),
    // The document's "Accounts & Groups" page, as a tab here.
    ("groups", "Groups"),
];

/// One tab's own state, kept while the admin visits the others.
#[derive(Clone, Copy)]
pub struct TabState {
    pub search: RwSignal<String>,
    pub selected: RwSignal<HashSet<i64>>,
}

impl TabState {
    fn new() -> Self {
        Self {
            search: RwSignal::new(String::new()),
            selected: RwSignal::new(HashSet::new()),
        }
    }
}

/// Everything the tabs share: the organization, its data, and how to open Invite Users.
#[derive(Clone, Copy)]
pub struct Users {
    pub org: OrgId,
    pub organization: StoredValue<OrganizationSummary>,
    /// Members, pending invitations, groups and seats, kept current by the change feed.
    pub members: OrgState,
    pub allocation_errors: Remote<Vec<allot_core::AllocationError>>,
    /// `Some(prefilled addresses)` while Invite Users is open.
    pub inviting: RwSignal<Option<Vec<String>>>,
    /// What the last Invite Users did, per address.
    pub last_invite: RwSignal<Option<Vec<allot_core::InviteResult>>>,
    product_names: Memo<HashMap<ProductId, String>>,
}

impl Users {
    /// "Runtime Engine, Studio Enterprise": the names of `products` in alphabetical order, read when drawn, since
    /// the names arrive with the members snapshot, which may load after the rows.
    pub fn license_names(
        &self,
        products: Vec<ProductId>,
        none: &'static str,
    ) -> impl IntoView + use<> {
        let names = self.product_names;
        move || {
            let mut listed: Vec<String> = names.with(|names| {
                products
                    .iter()
                    .filter_map(|id| names.get(id).cloned())
                    .collect()
            });
            listed.sort();
            let listed = listed.join(", ");
            if listed.is_empty() {
                none.to_owned()
            } else {
                listed
            }
        }
    }

    pub fn members_with(&self, status: MemberStatus) -> Signal<Vec<allot_core::Member>> {
        let members = self.members.latest();
        crate::components::table_rows(move || {
            members.with(|snapshot| {
                snapshot
                    .iter()
                    .flat_map(|snapshot| &snapshot.members)
                    .filter(|member| member.status == status)
                    .cloned()
                    .collect()
            })
        })
    }

    /// Reads the members snapshot without subscribing (table cells are drawn again with their
    /// rows), or the default before it loads.
    pub fn snapshot<R: Default>(&self, read: impl FnOnce(&MembersSnapshot) -> R) -> R {
        self.members
            .latest()
            .with_untracked(|snapshot| snapshot.as_ref().map(read).unwrap_or_default())
    }

    /// Pending invitations, once loaded.
    pub fn invitations(&self) -> Option<Vec<Invitation>> {
        self.members
            .latest()
            .with(|snapshot| snapshot.as_ref().map(|s| s.invitations.clone()))
    }

    /// After a change: members, invitations and seats follow the change feed; allocation
    /// errors are loaded again.
    pub fn reload(&self) {
        self.allocation_errors.reload();
    }

    /// The full names of members `ids`, for messages: one pass over the members, however
    /// many were changed at once.
    pub fn names_of(&self, ids: &[i64]) -> Vec<String> {
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        self.snapshot(|s| {
            s.members
                .iter()
                .filter(|m| wanted.contains(&m.id))
                .map(|m| m.full_name.clone())
                .collect()
        })
    }

    /// What this admin is doing to the member, until the server confirms it.
    pub fn pending(&self, subject: fn(i64) -> Subject) -> Callback<i64, Option<String>> {
        let members = self.members;
        Callback::new(move |id| members.pending_label(subject(id)))
    }
}

#[component]
pub fn UserManagement() -> impl IntoView {
    let params = use_params_map();
    let tab = Memo::new(move |_| params.read().get("tab").unwrap_or_default());
    let Some(organization) = current_organization() else {
        return Either::Left(view! { <NotFound /> });
    };
    let org = organization.id;
    let members = OrgState::get();
    let product_names = Memo::new(move |_| {
        members.latest().with(|snapshot| {
            snapshot
                .iter()
                .flat_map(|snapshot| &snapshot.products)
                .map(|product| (product.id, product.name.clone()))
                .collect()
        })
    });
    let users = Users {
        org,
        organization: StoredValue::new(organization),
        members,
        allocation_errors: Remote::new(move || api::allocation_errors(org)),
        inviting: RwSignal::new(None),
        last_invite: RwSignal::new(None),
        product_names,
    };
    provide_context(users);
    reload_on_change(users.allocation_errors, move || {
        members.allocation_errors_version()
    });
    let states: HashMap<&'static str, TabState> = TABS
        .iter()
        .map(|(segment, _)| (*segment, TabState::new()))
        .collect();
    let states = StoredValue::new(states);
    sync_search_with_url(tab, states);

    let placement = crate::app::Placement::get();
    let tab_links = TABS
        .iter()
        .map(|&(segment, label)| {
            let placement = placement.clone();
            let href = move || {
                let search = states.with_value(|states| states[segment].search.get());
                with_search(
                    &placement.href(&format!("/orgs/{org}/users/{segment}")),
                    &search,
                )
            };
            view! {
                <A
                    href=href
                    attr:role="tab"
                    attr:id=format!("tab-{segment}")
                    attr:aria-selected=move || (tab.get() == segment).to_string()
                    attr:tabindex=move || tabs::tab_index(tab.get() == segment)
                >
                    {label}
                </A>
            }
        })
        .collect_view();

    let panel = move || {
        let current = tab.get();
        let Some(state) = states.with_value(|states| states.get(current.as_str()).copied()) else {
            return view! { <NotFound /> }.into_any();
        };
        let content = match current.as_str() {
            "active" => view! { <active::ActiveUsers state /> }.into_any(),
            "pending" => view! { <pending::PendingInvitations state /> }.into_any(),
            "groups" => view! { <groups::Groups state /> }.into_any(),
            _ => view! { <removed::RemovedUsers state /> }.into_any(),
        };
        view! {
            <section role="tabpanel" aria-labelledby=format!("tab-{current}")>
                {content}
            </section>
        }
        .into_any()
    };

    Either::Right(view! {
        <div class="page-header">
            <h1>"User Management"</h1>
            <div class="page-actions">
                <ExportButtons tab states />
                <button type="button" on:click=move |_| users.inviting.set(Some(Vec::new()))>
                    "Invite Users"
                </button>
            </div>
        </div>
        <div role="tablist" aria-label="Users" on:keydown=tabs::arrow_keys>{tab_links}</div>
        {panel}
        {move || users.inviting.get().map(|prefill| view! { <InviteDialog prefill /> })}
    })
}

/// Export Users: the document's one click exports every user, active and removed; with a
/// search on the Active or Removed tab, a second button exports only the rows it matches.
#[component]
fn ExportButtons(
    tab: Memo<String>,
    states: StoredValue<HashMap<&'static str, TabState>>,
) -> impl IntoView {
    let users: Users = expect_context();
    let toasts = crate::components::Toasts::get();
    let preparing = RwSignal::new(false);
    // The search of the current tab, when its rows are users.
    let matching = move || {
        let tab = tab.get();
        let search = states.with_value(|states| states.get(tab.as_str()).map(|s| s.search))?;
        let search = search.get().trim().to_owned();
        (matches!(tab.as_str(), "active" | "removed") && !search.is_empty())
            .then_some((tab, search))
    };
    let download = move |status: String, search: String| {
        preparing.set(true);
        leptos::task::spawn_local(async move {
            match api::export(users.org, &status, &search).await {
                Ok((csv, name)) => {
                    crate::dom::save_file(&csv, name.as_deref().unwrap_or("users.csv"))
                }
                Err(error) => toasts.error(format!("Export Users failed: {error}")),
            }
            preparing.set(false);
        });
    };
    view! {
        {move || matching().map(|(tab, search)| {
            let label = format!("Export only users matching “{search}”");
            view! {
                <button
                    type="button"
                    class="secondary"
                    title=label.clone()
                    disabled=move || preparing.get()
                    on:click=move |_| download(tab.clone(), search.clone())
                >
                    {label.clone()}
                </button>
            }
        })}
        <button
            type="button"
            class="secondary"
            disabled=move || preparing.get()
            title="A CSV file of every user, active and removed"
            on:click=move |_| download("all".to_owned(), String::new())
        >
            {move || if preparing.get() { "Exporting…" } else { "Export Users" }}
        </button>
    }
}

/// A bulk change made from a dialog, sent optimistically: the dialog closes and the rows
/// show `pending` at once; the server's answer confirms them (the rows change when its event
/// arrives) or rolls back those it refused, and `done` reports the result of the request.
pub fn bulk_change<I, F>(
    state: TabState,
    on_close: Callback<()>,
    pending: (fn(i64) -> Subject, &'static str),
    ids: fn(&I) -> Vec<i64>,
    run: impl Fn(&I) -> F + Send + Sync + 'static,
    done: impl Fn(&I, &BulkResponse) + Send + Sync + 'static,
) -> Callback<I>
where
    I: Send + Sync + 'static,
    F: Future<Output = Result<BulkResponse, ApiError>> + 'static,
{
    let users: Users = expect_context();
    let toasts = crate::components::Toasts::get();
    let done = Arc::new(done);
    let (subject, label) = pending;
    Callback::new(move |input: I| {
        let subjects: Vec<Subject> = ids(&input).into_iter().map(subject).collect();
        users.members.mark_pending(&subjects, label);
        state.selected.update(HashSet::clear);
        on_close.run(());
        let request = run(&input);
        let done = done.clone();
        leptos::task::spawn_local(async move {
            match request.await {
                Ok(response) => {
                    let (done_ids, refused): (Vec<_>, Vec<_>) = response
                        .results
                        .iter()
                        .partition(|result| result.error.is_none());
                    let of = |results: Vec<&allot_core::ItemResult>| -> Vec<Subject> {
                        results.iter().map(|result| subject(result.id)).collect()
                    };
                    users.members.confirm(&of(done_ids), response.seq);
                    users.members.roll_back(&of(refused));
                    done(&input, &response);
                    users.reload();
                }
                Err(error) => {
                    users.members.roll_back(&subjects);
                    toasts.error(error.to_string());
                }
            }
        });
    })
}

/// Reloads `remote` whenever `version` changes (not when first read).
pub fn reload_on_change<T: Clone + Send + Sync + 'static>(
    remote: Remote<T>,
    version: impl Fn() -> u64 + 'static,
) {
    Effect::new(move |previous: Option<u64>| {
        let current = version();
        if previous.is_some_and(|previous| previous != current) {
            remote.reload();
        }
        current
    });
}

fn with_search(path: &str, search: &str) -> String {
    let search = search.trim();
    if search.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?q={}", js_sys::encode_uri_component(search))
    }
}

/// The current tab's search lives in the URL (`?q=`), so reload, back and a shared link
/// bring it back; each tab remembers its own while the admin looks at the others.
fn sync_search_with_url(tab: Memo<String>, states: StoredValue<HashMap<&'static str, TabState>>) {
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let placement = crate::app::Placement::get();
    let search_of =
        move |tab: &str| states.with_value(|states| states.get(tab).map(|state| state.search));
    // URL → search: on arrival, reload, back and forward.
    Effect::new(move |_| {
        let from_url = query.read().get("q").unwrap_or_default();
        // Trimmed, so that the space typed between two words survives the round trip.
        if let Some(search) = search_of(&tab.get())
            && search.get_untracked().trim() != from_url
        {
            search.set(from_url);
        }
    });
    // search → URL, replacing the entry so that typing does not fill the history; once
    // typing pauses, since each navigation costs the router a few milliseconds.
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    Effect::new(move |_| {
        let Some(search) = search_of(&tab.get()) else {
            return;
        };
        let text = search.get();
        // A route of the console: the router puts its base (where the host mounted it) back.
        let path = placement
            .route_of(&location.pathname.get_untracked())
            .to_owned();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let navigate = navigate.clone();
        let placement = placement.clone();
        if query.with_untracked(|query| query.get("q").unwrap_or_default()) == text.trim() {
            return;
        }
        let update = move || {
            // The page may have gone meanwhile (its timeout is cleared then, but be sure).
            let Some(in_url) = query.try_with_untracked(|query| query.get("q").unwrap_or_default())
            else {
                return;
            };
            let here = location.pathname.try_get_untracked();
            if text.trim() != in_url && here.is_some_and(|here| placement.route_of(&here) == path) {
                navigate(
                    &with_search(&path, &text),
                    NavigateOptions {
                        replace: true,
                        scroll: false,
                        ..Default::default()
                    },
                );
            }
        };
        pending.set_value(set_timeout_with_handle(update, URL_UPDATE_DELAY).ok());
    });
    on_cleanup(move || {
        if let Some(handle) = pending.try_get_value().flatten() {
            handle.clear();
        }
    });
}
