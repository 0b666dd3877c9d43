//! User Management: Active Users, Pending Invitations, Removed Users and Groups, with the
//! actions the product document describes.

mod active;
mod groups;
mod invite;
mod pending;
mod removed;

use std::collections::HashMap;

use allot_core::{InviteResult, MemberStatus, selection::Selection};
use leptos::{either::Either, prelude::*};
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::{
    api,
    components::{
        Toasts,
        tabs::{self, Tab, TabList},
    },
    context::{current_organization, use_replace_query},
    org::OrgState,
    pages::NotFound,
    route::{self, UserTab},
};

use invite::InviteDialog;

/// How long typing must pause before the search goes to the URL.
const URL_UPDATE_DELAY: std::time::Duration = std::time::Duration::from_millis(300);

/// One tab's own state, kept while the admin visits the others.
#[derive(Clone, Copy)]
pub struct TabState {
    pub search: RwSignal<String>,
    pub selected: RwSignal<Selection>,
}

impl TabState {
    fn new() -> Self {
        Self {
            search: RwSignal::new(String::new()),
            selected: RwSignal::new(Selection::default()),
        }
    }
}

type TabStates = StoredValue<HashMap<UserTab, TabState>>;

/// Invite Users, which every tab can open (Invite back) and Pending Invitations reports on.
#[derive(Clone, Copy)]
pub struct Inviting {
    /// `Some(prefilled addresses)` while the dialog is open.
    pub open: RwSignal<Option<Vec<String>>>,
    /// What the last Invite Users did, per address.
    pub results: RwSignal<Option<Vec<InviteResult>>>,
}

impl Inviting {
    pub fn get() -> Self {
        expect_context()
    }

    pub fn start(&self, addresses: Vec<String>) {
        self.open.set(Some(addresses));
    }
}

#[component]
pub fn UserManagement() -> impl IntoView {
    let params = use_params_map();
    let tab = Memo::new(move |_| params.read().get("tab").and_then(|t| route::parse(&t)));
    let Some(organization) = current_organization() else {
        return Either::Left(view! { <NotFound /> });
    };
    let org = organization.id;
    let inviting = Inviting {
        open: RwSignal::new(None),
        results: RwSignal::new(None),
    };
    provide_context(inviting);
    let states: TabStates = StoredValue::new(
        UserTab::ALL
            .iter()
            .map(|&tab| (tab, TabState::new()))
            .collect(),
    );
    sync_search_with_url(tab, states);

    let placement = crate::context::Placement::get();
    let href = Callback::new(move |tab: UserTab| {
        let search = states.with_value(|states| states[&tab].search.get());
        with_search(
            &placement.href(&format!("/orgs/{org}/{}", tab.route())),
            &search,
        )
    });

    let panel = move || {
        let Some(current) = tab.get() else {
            return view! { <NotFound /> }.into_any();
        };
        let state = states.with_value(|states| states[&current]);
        let content = match current {
            UserTab::Active => view! { <active::ActiveUsers tab=state /> }.into_any(),
            UserTab::Pending => view! { <pending::PendingInvitations tab=state /> }.into_any(),
            UserTab::Removed => view! { <removed::RemovedUsers tab=state /> }.into_any(),
            UserTab::Groups => view! { <groups::Groups tab=state /> }.into_any(),
        };
        tabs::tab_panel(current, content).into_any()
    };

    Either::Right(view! {
        <div class="page-header">
            <h1>"User Management"</h1>
            <div class="page-actions">
                <ExportButtons tab states />
                <button type="button" on:click=move |_| inviting.start(Vec::new())>
                    "Invite Users"
                </button>
            </div>
        </div>
        <TabList label="Users" current=tab href />
        {panel}
        {move || inviting.open.get().map(|prefill| view! { <InviteDialog prefill /> })}
    })
}

/// Export Users: the document's one click exports every user, active and removed; with a
/// search on the Active or Removed tab, a second button exports only the rows it matches.
#[component]
fn ExportButtons(tab: Memo<Option<UserTab>>, states: TabStates) -> impl IntoView {
    let org = OrgState::get().org;
    let toasts = Toasts::get();
    let preparing = RwSignal::new(false);
    // The search of the current tab, when its rows are users.
    let matching = move || {
        let status = match tab.get()? {
            UserTab::Active => MemberStatus::Active,
            UserTab::Removed => MemberStatus::Removed,
            UserTab::Pending | UserTab::Groups => return None,
        };
        let current = tab.get()?;
        let search = states.with_value(|states| states[&current].search);
        let search = search.get().trim().to_owned();
        (!search.is_empty()).then_some((status, search))
    };
    // A download, not a change: nothing to mark or settle, so not a `Mutation`.
    let download = move |status: Option<MemberStatus>, search: String| {
        preparing.set(true);
        leptos::task::spawn_local(async move {
            match api::export(org, status, &search).await {
                Ok((csv, name)) => {
                    crate::dom::save_file(&csv, name.as_deref().unwrap_or("users.csv"))
                }
                Err(error) => toasts.error(format!("Export Users failed: {error}")),
            }
            preparing.set(false);
        });
    };
    view! {
        {move || matching().map(|(status, search)| {
            let label = format!("Export only users matching “{search}”");
            view! {
                <button
                    type="button"
                    class="secondary"
                    title=label.clone()
                    disabled=move || preparing.get()
                    on:click=move |_| download(Some(status), search.clone())
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
            on:click=move |_| download(None, String::new())
        >
            {move || if preparing.get() { "Exporting…" } else { "Export Users" }}
        </button>
    }
}

fn with_search(path: &str, search: &str) -> String {
    match search_query(search) {
        query if query.is_empty() => path.to_owned(),
        query => format!("{path}?{query}"),
    }
}

/// A tab's search as its URL's query (`q=`), empty for none.
fn search_query(search: &str) -> String {
    let search = search.trim();
    if search.is_empty() {
        String::new()
    } else {
        format!("q={}", js_sys::encode_uri_component(search))
    }
}

/// The current tab's search lives in the URL (`?q=`), so reload, back and a shared link
/// bring it back; each tab remembers its own while the admin looks at the others.
fn sync_search_with_url(tab: Memo<Option<UserTab>>, states: TabStates) {
    let query = use_query_map();
    let location = use_location();
    let replace_query = use_replace_query();
    let placement = crate::context::Placement::get();
    let search_of =
        move |tab: Option<UserTab>| states.with_value(|states| Some(states[&tab?].search));
    // URL → search: on arrival, reload, back and forward.
    Effect::new(move |_| {
        let from_url = query.read().get("q").unwrap_or_default();
        // Trimmed, so that the space typed between two words survives the round trip.
        if let Some(search) = search_of(tab.get())
            && search.get_untracked().trim() != from_url
        {
            search.set(from_url);
        }
    });
    // search → URL, replacing the entry so that typing does not fill the history; once
    // typing pauses, since each navigation costs the router a few milliseconds.
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    Effect::new(move |_| {
        let Some(search) = search_of(tab.get()) else {
            return;
        };
        let text = search.get();
        // The tab's route: the URL takes the search only while the tab is still shown.
        let path = placement
            .route_of(&location.pathname.get_untracked())
            .to_owned();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let replace_query = replace_query.clone();
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
                replace_query(&search_query(&text));
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
