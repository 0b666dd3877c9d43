//! The app: routes, the session every page relies on, and the organization shell.

use allot_core::{Account, OrgId, OrganizationSummary, Session};
use leptos::{either::EitherOf3, prelude::*};
use leptos_router::{
    NavigateOptions,
    components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes},
    hooks::{use_location, use_navigate, use_params_map},
    path,
};
use wasm_bindgen::JsCast;

use crate::{
    api::{self, ApiError},
    components::{ErrorPanel, ToastRegion, Toasts},
    org::{ConnectionStatus, Mutation, OrgState},
    pages::{
        AuditLogPage, Home, Join, LicensesPage, NotFound, SignIn, TeamsPage, UserManagement,
        Welcome,
    },
    route::{LicenseSection, UserTab},
};

/// Who is signed in, loaded once and re-fetched after signing in or out.
#[derive(Clone, Copy)]
pub struct SessionResource(pub LocalResource<Result<Session, ApiError>>);

/// Set by a sign-in that just succeeded: the page it opens puts focus on its content, where
/// Tab goes on from in every engine (Firefox would resume where the removed Sign in button
/// was). A page opened directly leaves focus to the browser, with the skip link first.
#[derive(Clone, Copy)]
pub struct JustSignedIn(pub StoredValue<bool>);

/// How the host page placed the console.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placement {
    /// Where the console's routes start in the page's URLs, e.g. `/portal/people`; empty at
    /// the root.
    pub base_path: String,
    /// The one organization the host shows, without the switcher.
    pub org: Option<OrgId>,
}

impl Placement {
    /// `base_path` as written by the host (`/`, `/portal/people/`...), made the router's base.
    pub fn new(base_path: &str, org: Option<OrgId>) -> Self {
        Self {
            base_path: base_path.trim_end_matches('/').to_owned(),
            org,
        }
    }

    pub fn get() -> Self {
        use_context().unwrap_or_default()
    }

    /// The page's URL of the console's route `path`, for links: `<A>` takes an absolute
    /// href as it is, while `navigate` adds the base itself.
    pub fn href(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    /// A path of the page (`location.pathname`) as a route of the console.
    pub fn route_of<'a>(&self, path: &'a str) -> &'a str {
        path.strip_prefix(self.base_path.as_str())
            .filter(|route| route.is_empty() || route.starts_with('/'))
            .unwrap_or(path)
    }
}

/// Writes a page's state (searches, filters, open sections) into the query of its URL, so
/// that reload, back and a shared link bring it back. The closure takes the encoded query
/// (empty for none) and puts it on the current route, replacing the history entry (state is
/// not a step to go back through) and keeping the scroll. Called after the page is gone, it
/// does nothing.
pub fn use_replace_query() -> impl Fn(&str) + Clone + 'static {
    let navigate = use_navigate();
    let placement = Placement::get();
    let location = use_location();
    move |query: &str| {
        let Some(path) = location.pathname.try_get_untracked() else {
            return;
        };
        // A route of the console: the router puts its base (where the host mounted it) back.
        let route = placement.route_of(&path);
        let target = if query.is_empty() {
            route.to_owned()
        } else {
            format!("{route}?{query}")
        };
        navigate(
            &target,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    }
}

#[component]
pub fn App(placement: Placement) -> impl IntoView {
    let session = LocalResource::new(api::session);
    provide_context(SessionResource(session));
    provide_context(JustSignedIn(StoredValue::new(false)));
    // When the host's tokens stop working, the session is asked for again: it fails the
    // same way, and every page shows the signed-out state.
    api::on_unauthorized(Some(std::rc::Rc::new(move || session.refetch())));
    on_cleanup(|| api::on_unauthorized(None));
    Toasts::provide();
    let base = (!placement.base_path.is_empty()).then(|| placement.base_path.clone());
    provide_context(placement);
    view! {
        <div class="allot">
            <ToastRegion />
            <Router base=base.unwrap_or_default()>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/sign-in") view=SignIn />
                    <Route path=path!("/join/:token") view=Join />
                    <ParentRoute path=path!("/orgs/:org") view=OrgShell>
                        <Route path=path!("") view=|| view! { <OrgRedirect to=UserTab::Active.route() /> } />
                        // Each page's own link: it stays marked while any of its tabs is open.
                        <Route path=path!("users") view=|| view! { <OrgRedirect to=UserTab::Active.route() /> } />
                        <Route path=path!("users/:tab") view=UserManagement />
                        <Route path=path!("teams") view=TeamsPage />
                        <Route path=path!("audit") view=AuditLogPage />
                        <Route path=path!("licenses") view=|| view! { <OrgRedirect to=LicenseSection::Users.route() /> } />
                        <Route path=path!("licenses/:section") view=LicensesPage />
                    </ParentRoute>
                </Routes>
            </Router>
        </div>
    }
}

/// Renders `signed_in` with the session; sends a signed-out visitor to the sign-in page and
/// back here afterwards; shows a failure with a retry.
pub fn with_session<V: IntoView + 'static>(
    signed_in: impl Fn(Session) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let SessionResource(session) = expect_context();
    let location = use_location();
    let placement = Placement::get();
    let content = move || {
        let placement = placement.clone();
        let signed_in = signed_in.clone();
        Suspend::new(async move {
            match session.await {
                Ok(session) => EitherOf3::A(signed_in(session)),
                // The host signs people in: no sign-in page of the console's own.
                Err(ApiError::Unauthenticated) if api::host_signs_in() => {
                    EitherOf3::B(view! { <SignedOut retry=move || session.refetch() /> }.into_any())
                }
                Err(ApiError::Unauthenticated) => {
                    let path = location.pathname.get_untracked();
                    let here = format!(
                        "{}{}",
                        placement.route_of(&path),
                        location.search.get_untracked()
                    );
                    let next = js_sys::encode_uri_component(&here);
                    EitherOf3::B(
                        view! { <Redirect path=format!("/sign-in?next={next}") /> }.into_any(),
                    )
                }
                Err(error) => EitherOf3::C(view! {
                    <ErrorPanel message=error.to_string() retry=move || session.refetch() />
                }),
            }
        })
    };
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {content}
        </Transition>
    }
}

/// What an embedded console shows when the host's tokens no longer open the API: the host
/// was told (`allot:unauthorized`) and signs its people in again.
#[component]
fn SignedOut(retry: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    view! {
        <div class="notice" role="status">
            <h1>"You are signed out of Allot"</h1>
            <p>"Sign in again where you opened Allot, then try again."</p>
            <button type="button" on:click=move |_| retry()>"Try again"</button>
        </div>
    }
}

/// The organization id in the route.
pub fn org_param() -> Memo<Option<OrgId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("org").and_then(|id| id.parse().ok()))
}

/// The organization the current page is about, as the signed-in account sees it.
pub fn current_organization() -> Option<OrganizationSummary> {
    use_context()
}

/// The signed-in account, inside the organization shell.
pub fn current_account() -> Option<Account> {
    use_context()
}

/// The frame of every organization page: its name, the switcher, navigation, sign-out.
#[component]
fn OrgShell() -> impl IntoView {
    let org_id = org_param();
    with_session(move |session| {
        let navigate = use_navigate();
        move || {
            let organization = org_id
                .get()
                .and_then(|id| session.organizations.iter().find(|org| org.id == id))
                .cloned();
            let Some(organization) = organization else {
                return EitherOf3::A(view! { <NotFound /> });
            };
            if !organization.role.manages_organization() {
                return EitherOf3::B(
                    view! { <Welcome organization account=session.account.clone() /> },
                );
            }
            provide_context(organization.clone());
            provide_context(session.account.clone());
            // One state per organization for all its pages, kept current by the change feed.
            provide_context(OrgState::new(organization.id));
            // A host that shows one organization has no switcher.
            let switcher = Placement::get().org.is_none();
            let navigate = navigate.clone();
            let switch = move |ev| {
                let id = event_target_value(&ev);
                navigate(
                    &format!("/orgs/{id}/{}", UserTab::Active.route()),
                    Default::default(),
                );
            };
            let options = session
                .organizations
                .iter()
                .map(|org| {
                    let selected = org.id == organization.id;
                    view! { <option value=org.id.to_string() selected=selected>{org.name.clone()}</option> }
                })
                .collect_view();
            let placement = Placement::get();
            let page = |route: &str| placement.href(&format!("/orgs/{}/{route}", organization.id));
            let pages = [
                (page("users"), "User Management"),
                (page("teams"), "Teams"),
                (page("licenses"), "License Management"),
                (page("audit"), "Audit Log"),
            ];
            let links = move || {
                pages
                    .clone()
                    .map(|(href, label)| view! { <A href=href>{label}</A> })
                    .collect_view()
            };
            let account = session.account.full_name.clone();
            let main = NodeRef::<leptos::html::Div>::new();
            let JustSignedIn(just_signed_in) = expect_context();
            main.on_load(move |main| {
                if just_signed_in.get_value() {
                    just_signed_in.set_value(false);
                    let _ = main.focus();
                }
            });
            // A button, not a #fragment link: the target is in the console's shadow root,
            // where the page's fragment navigation cannot find it.
            let skip = move |_| {
                if let Some(main) = main.get_untracked() {
                    let _ = main.focus();
                }
            };
            EitherOf3::C(view! {
                <button type="button" class="skip-link" on:click=skip>"Skip to main content"</button>
                <header class="shell-header">
                    <span class="brand" aria-hidden="true">"Allot"</span>
                    {switcher.then(|| view! {
                        <label class="org-switcher">
                            <span class="visually-hidden">"Organization"</span>
                            <select on:change=switch>{options}</select>
                        </label>
                    })}
                    <nav aria-label="Main" class="wide-only">{links.clone()}</nav>
                    <ConnectionStatus />
                    <span class="account wide-only" title=account.clone()>{account.clone()}</span>
                    {(!api::host_signs_in()).then(|| view! { <span class="wide-only"><SignOutButton /></span> })}
                    <SettingsMenu account links=links.into_any() />
                </header>
                // The host page holds the `main` landmark: the console is a part of it.
                <div class="shell-main" id="allot-content" tabindex="-1" node_ref=main>
                    <Outlet />
                </div>
            })
        }
    })
}

/// The documents' entry point to the admin pages ("Settings > License Management"), at every
/// width; on a narrow screen it also holds what the top bar has no room for.
#[component]
fn SettingsMenu(account: String, links: AnyView) -> impl IntoView {
    let open = RwSignal::new(false);
    let button = NodeRef::<leptos::html::Button>::new();
    // Any navigation closes it.
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let close_and_return = move || {
        open.set(false);
        if let Some(button) = button.get_untracked() {
            let _ = button.focus();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.stop_propagation();
            close_and_return();
        }
    };
    // Focus or a click going outside the menu closes it.
    let on_focus_out = move |ev: leptos::ev::FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|target| target.dyn_into::<web_sys::Node>().ok())
            .zip(
                ev.current_target()
                    .and_then(|menu| menu.dyn_into::<web_sys::Node>().ok()),
            )
            .is_some_and(|(target, menu)| menu.contains(Some(&target)));
        if !inside {
            open.set(false);
        }
    };
    view! {
        <div class="settings-menu" on:keydown=on_keydown on:focusout=on_focus_out>
            <button
                type="button"
                class="secondary menu-button"
                node_ref=button
                aria-expanded=move || open.get().to_string()
                aria-controls="settings-menu"
                on:click=move |_| open.update(|open| *open = !*open)
            >
                {crate::components::icons::gear()}
                "Settings"
            </button>
            <div id="settings-menu" class="menu-panel" hidden=move || !open.get()>
                <nav aria-label="Settings">{links}</nav>
                <div class="narrow-only menu-account">
                    <span class="account" title=account.clone()>{account.clone()}</span>
                    {(!api::host_signs_in()).then(|| view! { <SignOutButton /> })}
                </div>
            </div>
        </div>
    }
}

/// Sends an organization's own path (`/orgs/:org`, `/orgs/:org/users`) to the page it opens.
#[component]
fn OrgRedirect(to: String) -> impl IntoView {
    let org_id = org_param();
    move || {
        org_id
            .get()
            .map(|id| view! { <Redirect path=format!("/orgs/{id}/{to}") /> })
    }
}

#[component]
pub fn SignOutButton() -> impl IntoView {
    let SessionResource(session) = expect_context();
    let navigate = use_navigate();
    // Signed out either way: a failure (the session had already ended) ends on the same page.
    let signed_out = move || {
        session.refetch();
        navigate("/sign-in", Default::default());
    };
    let sign_out = Mutation::with_failure(
        |_: &()| api::sign_out(),
        {
            let signed_out = signed_out.clone();
            move |_, ()| signed_out()
        },
        move |_, _| signed_out(),
    );
    view! {
        <button type="button" class="secondary" on:click=move |_| sign_out.run(())>
            "Sign out"
        </button>
    }
}
