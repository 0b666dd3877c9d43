//! Audit Log: every change to the organization, newest first: who, when, what, and what it
//! touched. Pages come from the server (the log of a large organization is not in the
//! snapshot); the change feed adds new entries at the top while the page is open. The
//! filters and the search live in the URL.

use std::sync::Arc;

use allot_core::{
    AuditAction, AuditActor, AuditEntry, AuditEntryId, AuditPage,
    audit::{ActorFilter, Agent, SubjectKind},
    paths,
    search::SearchQuery,
    sort::SortKey,
};
use leptos::{either::Either, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    api::{self, ApiError},
    components::{Column, DataTable, ErrorPanel, SortBy, TableRow, Toasts},
    context::{Placement, current_organization, use_replace_query},
    format,
    org::OrgState,
    pages::NotFound,
};

impl TableRow for Arc<AuditEntry> {
    fn id(&self) -> i64 {
        self.id.into()
    }

    fn search_key(&self) -> String {
        AuditEntry::search_key(self)
    }

    fn label(&self) -> String {
        self.summary.clone()
    }
}

/// The filters, as the URL holds them: `action`, `actor`, `from` and `to` (days) and `q`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    action: Option<AuditAction>,
    actor: Option<ActorFilter>,
    from: String,
    to: String,
    search: String,
}

impl Filters {
    fn from_url(query: &leptos_router::params::ParamsMap) -> Self {
        let text = |name: &str| query.get(name).unwrap_or_default();
        Self {
            action: AuditAction::parse(&text("action")),
            actor: ActorFilter::parse(&text("actor")),
            from: text("from"),
            to: text("to"),
            search: text("q"),
        }
    }

    /// The server's query string for these filters: for a page (`before` an entry if
    /// given), or for an export (`None`).
    fn api_query(&self, page: Option<Option<AuditEntryId>>) -> String {
        let mut parts = Vec::new();
        let mut add = |name: &str, value: &str| {
            if !value.is_empty() {
                parts.push(format!("{name}={}", js_sys::encode_uri_component(value)));
            }
        };
        add("action", self.action.map_or("", AuditAction::as_str));
        add(
            "actor",
            &self.actor.map(ActorFilter::to_text).unwrap_or_default(),
        );
        add("q", self.search.trim());
        let from = format::day_start(&self.from);
        // The end of the `to` day: the start of the next.
        let until = format::day_end(&self.to);
        add("from", &from.map(|at| at.to_string()).unwrap_or_default());
        add("until", &until.map(|at| at.to_string()).unwrap_or_default());
        if let Some(before) = page {
            add("limit", "100");
            add(
                "before",
                &before.map(|id| id.to_string()).unwrap_or_default(),
            );
        }
        parts.join("&")
    }

    /// Whether an entry heard from the feed belongs on the page as filtered.
    fn admit(&self, entry: &AuditEntry, query: &SearchQuery) -> bool {
        let action = self.action.is_none_or(|action| action == entry.action);
        let actor = self.actor.is_none_or(|actor| actor.admits(&entry.actor));
        let after_from = format::day_start(&self.from).is_none_or(|from| entry.at >= from);
        let before_to = format::day_end(&self.to).is_none_or(|end| entry.at < end);
        action && actor && after_from && before_to && query.matches(&entry.search_key())
    }

    /// The page's URL query with `name` set to `value` (or removed when empty).
    fn with(&self, name: &str, value: &str) -> String {
        let mut filters = self.clone();
        match name {
            "action" => filters.action = AuditAction::parse(value),
            "actor" => filters.actor = ActorFilter::parse(value),
            "from" => filters.from = value.to_owned(),
            "to" => filters.to = value.to_owned(),
            _ => filters.search = value.to_owned(),
        }
        let pairs = [
            ("q", filters.search.trim()),
            ("action", filters.action.map_or("", AuditAction::as_str)),
            (
                "actor",
                &filters.actor.map(ActorFilter::to_text).unwrap_or_default(),
            ),
            ("from", filters.from.as_str()),
            ("to", filters.to.as_str()),
        ];
        pairs
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={}", js_sys::encode_uri_component(value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Pages of older entries loaded with "Load older entries", each for the filters it was
/// asked with (a change of filters starts over without them).
type OlderPages = Vec<(Filters, AuditPage)>;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let Some(organization) = current_organization() else {
        return Either::Left(view! { <NotFound /> });
    };
    let org = organization.id;
    let state = OrgState::get();
    let query = use_query_map();
    let filters = Memo::new(move |_| Filters::from_url(&query.read()));
    let first = LocalResource::new(move || {
        let query = filters.get().api_query(Some(None));
        async move { api::audit(org, &query).await }
    });
    let older = RwSignal::new(OlderPages::new());
    let older_of = move |filters: &Filters| -> Vec<AuditPage> {
        older.with(|pages| {
            pages
                .iter()
                .filter(|(of, _)| of == filters)
                .map(|(_, page)| page.clone())
                .collect()
        })
    };
    let loaded = Memo::new(move |_| first.get().and_then(Result::ok));
    let failure = Memo::new(move |_| first.get().and_then(Result::err));
    // Newest first: entries heard since the first page loaded, the first page, older pages.
    let rows = Memo::new(move |_| {
        let Some(first) = loaded.get() else {
            return Vec::new();
        };
        let filters = filters.get();
        let newest = first.entries.first().map(|entry| entry.id);
        let search = SearchQuery::new(&filters.search);
        let mut rows: Vec<Arc<AuditEntry>> = state.live_audit().with(|live| {
            live.iter()
                .rev()
                .filter(|entry| Some(entry.id) > newest && filters.admit(entry, &search))
                .map(|entry| Arc::new(entry.clone()))
                .collect()
        });
        rows.extend(first.entries.into_iter().map(Arc::new));
        for page in older_of(&filters) {
            rows.extend(page.entries.into_iter().map(Arc::new));
        }
        rows
    });
    let next_before = move || {
        let filters = filters.get();
        match older_of(&filters).last() {
            Some(page) => page.next_before,
            None => loaded.get().and_then(|page| page.next_before),
        }
    };
    let load_older = Action::new_local(move |(filters, before): &(Filters, AuditEntryId)| {
        let (filters, before) = (filters.clone(), *before);
        async move {
            let page = api::audit(org, &filters.api_query(Some(Some(before)))).await?;
            older.update(|pages| pages.push((filters, page)));
            Ok::<_, ApiError>(())
        }
    });
    let search = RwSignal::new(filters.get_untracked().search);
    sync_search_with_url(search, filters);
    let replace_query = use_replace_query();
    let set_filter = move |name: &'static str, value: String| {
        replace_query(&filters.get_untracked().with(name, &value));
    };
    let set_filter = StoredValue::new(set_filter);
    let on_change = move |name: &'static str| {
        move |ev: leptos::ev::Event| set_filter.with_value(|set| set(name, event_target_value(&ev)))
    };
    let action_options = move || {
        let chosen = filters.with(|f| f.action);
        std::iter::once(view! { <option value="" selected=chosen.is_none()>"All actions"</option> }.into_any())
            .chain(AuditAction::ALL.iter().map(|&action| {
                view! {
                    <option value=action.as_str() selected=chosen == Some(action)>{action.label()}</option>
                }
                .into_any()
            }))
            .collect_view()
    };
    // People are the ones the log shows (any further one is a click on their name away):
    // the organization's members are not all in the console's hands, nor all actors.
    let people = Memo::new(move |_| {
        let mut people = std::collections::BTreeMap::new();
        for entry in rows.get() {
            if let AuditActor::Person {
                account_id,
                name,
                email,
            } = &entry.actor
            {
                people.insert(account_id.to_string(), format!("{name} ({email})"));
            }
        }
        people
    });
    let actor_options = move || {
        let chosen = filters.with(|f| f.actor);
        let agents = Agent::ALL
            .iter()
            .map(|&agent| {
                let selected = chosen == Some(ActorFilter::Agent(agent));
                view! { <option value=agent.as_str() selected=selected>{agent.label()}</option> }
            })
            .collect_view();
        let mut people: Vec<(String, String)> = people.get().into_iter().collect();
        people.sort_by(|a, b| a.1.cmp(&b.1));
        let chosen = chosen.map(ActorFilter::to_text).unwrap_or_default();
        if let Some(ActorFilter::Person(account)) = filters.with(|f| f.actor)
            && people.iter().all(|(id, _)| *id != chosen)
        {
            people.push((chosen.clone(), format!("Account {account}")));
        }
        let people = people
            .into_iter()
            .map(|(id, label)| view! { <option value=id.clone() selected=chosen == id>{label}</option> })
            .collect_view();
        let anyone = chosen.is_empty();
        view! {
            <option value="" selected=anyone>"Anyone"</option>
            {agents}
            <optgroup label="People">{people}</optgroup>
        }
    };
    let columns = vec![
        Column::new("When", |entry: &Arc<AuditEntry>| {
            let exact = format::date_time(entry.at);
            view! {
                <span class="when">
                    {allot_core::format::ago(format::now(), entry.at)}
                    <span class="hint">{exact}</span>
                </span>
            }
        })
        .sorted_by(|entry| SortKey::Number(Some(entry.id.into()))),
        Column::new("Who", move |entry: &Arc<AuditEntry>| match &entry.actor {
            AuditActor::Person {
                account_id,
                name,
                email,
            } => {
                let account = account_id.to_string();
                Either::Left(view! {
                    <span class="who">
                        <button
                            type="button"
                            class="link"
                            title=format!("Only changes by {name}")
                            aria-label=format!("Only changes by {name}")
                            on:click=move |_| set_filter.with_value(|set| set("actor", account.clone()))
                        >
                            {name.clone()}
                        </button>
                        <span class="hint">{email.clone()}</span>
                    </span>
                })
            }
            AuditActor::Agent { agent } => {
                Either::Right(view! { <span class="who">{agent.label()}</span> })
            }
        }),
        Column::text("What", |entry: &Arc<AuditEntry>| entry.summary.clone()).class("what"),
        Column::new("Touched", move |entry: &Arc<AuditEntry>| {
            subjects(org, entry)
        }),
    ];
    // Scrolling to the last entries loads the older ones, as the button below does.
    let load_more = Callback::new(move |()| {
        if let Some(before) = untrack(next_before)
            && !load_older.pending().get_untracked()
        {
            load_older.dispatch((filters.get_untracked(), before));
        }
    });
    let toasts = Toasts::get();
    let exporting = RwSignal::new(false);
    // A download, not a change: nothing to mark or settle, so not a `Mutation`.
    let export = move |path: &'static str, extension: &'static str| {
        exporting.set(true);
        let query = filters.get_untracked().api_query(None);
        leptos::task::spawn_local(async move {
            match api::export_audit(org, path, &query).await {
                Ok((file, name)) => crate::dom::save_file(
                    &file,
                    name.as_deref().unwrap_or(&format!("audit.{extension}")),
                ),
                Err(error) => toasts.error(format!("Export failed: {error}")),
            }
            exporting.set(false);
        });
    };
    let view = view! {
        <section class="audit-log" aria-labelledby="audit-log-title">
            <div class="page-header">
                <h1 id="audit-log-title">"Audit Log"</h1>
                <div class="page-actions">
                    <button type="button" class="secondary" disabled=move || exporting.get() on:click=move |_| export(paths::AUDIT_EXPORT_CSV, "csv")>
                        "Export CSV"
                    </button>
                    <button type="button" class="secondary" disabled=move || exporting.get() on:click=move |_| export(paths::AUDIT_EXPORT_JSONL, "jsonl")>
                        "Export JSON lines"
                    </button>
                </div>
            </div>
            <div class="audit-filters">
                <label>"Action" <select on:change=on_change("action")>{action_options}</select></label>
                <label>"Actor" <select on:change=on_change("actor")>{actor_options}</select></label>
                <label>"From" <input type="date" prop:value=move || filters.with(|f| f.from.clone()) on:change=on_change("from") /></label>
                <label>"To" <input type="date" prop:value=move || filters.with(|f| f.to.clone()) on:change=on_change("to") /></label>
            </div>
            {move || failure.get().map(|error| view! { <ErrorPanel message=error.to_string() retry=move || first.refetch() /> })}
            {move || (loaded.with(Option::is_none) && failure.with(Option::is_none)).then(|| view! { <p class="loading" role="status">"Loading the audit log…"</p> })}
            <Show when=move || loaded.with(Option::is_some)>
                <DataTable
                    rows=Signal::from(rows)
                    columns=columns.clone()
                    search
                    sort_by=SortBy::descending("When")
                    noun="audit entries"
                    placeholder=Some("Search by who, what or whom")
                    on_near_end=Some(load_more)
                />
            </Show>
            {move || next_before().map(|before| view! {
                <button
                    type="button"
                    class="secondary load-older"
                    disabled=move || load_older.pending().get()
                    on:click=move |_| { load_older.dispatch((filters.get_untracked(), before)); }
                >
                    "Load older entries"
                </button>
            })}
        </section>
    };
    Either::Right(view)
}

/// The entry's subjects, each a link to where it is shown now: at most 5, then a count.
fn subjects(org: allot_core::OrgId, entry: &AuditEntry) -> impl IntoView + use<> {
    const SHOWN: usize = 5;
    let placement = Placement::get();
    let link = |kind: SubjectKind, name: &str| {
        let search = js_sys::encode_uri_component(name);
        let route = match kind {
            SubjectKind::Member => format!("users/active?q={search}"),
            SubjectKind::Group => format!("users/groups?q={search}"),
            SubjectKind::Team => "teams".to_owned(),
            SubjectKind::Product => "licenses/users".to_owned(),
            SubjectKind::Activation | SubjectKind::Machine => {
                format!("licenses/machines?q={search}")
            }
        };
        placement.href(&format!("/orgs/{org}/{route}"))
    };
    let shown: Vec<_> = entry
        .subjects
        .iter()
        .take(SHOWN)
        .map(|subject| {
            let href = link(subject.kind, &subject.name);
            view! { <li><a href=href>{subject.name.clone()}</a></li> }
        })
        .collect();
    let more = entry.subjects.len().saturating_sub(SHOWN);
    view! {
        <ul class="subjects" aria-label="Touched">
            {shown}
            {(more > 0).then(|| view! { <li class="hint">{format!("and {more} more")}</li> })}
        </ul>
    }
}

/// The search box's text follows the URL's `q` (reload, back, a shared link) and, once
/// typing pauses, writes it there.
fn sync_search_with_url(search: RwSignal<String>, filters: Memo<Filters>) {
    let replace_query = use_replace_query();
    Effect::new(move |_| {
        let from_url = filters.with(|f| f.search.clone());
        if search.get_untracked().trim() != from_url {
            search.set(from_url);
        }
    });
    let pending = StoredValue::new_local(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
    Effect::new(move |_| {
        let text = search.get();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        if filters.with_untracked(|f| f.search == text.trim()) {
            return;
        }
        let replace_query = replace_query.clone();
        let update = move || {
            if let Some(current) = filters.try_get_untracked() {
                replace_query(&current.with("q", &text));
            }
        };
        pending
            .set_value(set_timeout_with_handle(update, std::time::Duration::from_millis(300)).ok());
    });
    on_cleanup(move || {
        if let Some(handle) = pending.try_get_value().flatten() {
            handle.clear();
        }
    });
}
