//! The app: routes, loading the session, and the organization shell. What pages read from
//! around them lives in `context`, below the pages.

use leptos::{either::EitherOf3, prelude::*};
use leptos_router::{
    components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes},
    hooks::{use_location, use_navigate},
    path,
};
use wasm_bindgen::JsCast;

use crate::{
    api,
    components::{ToastRegion, Toasts},
    context::{JustSignedIn, Placement, SessionResource, SignOutButton, org_param, with_session},
    org::{ConnectionStatus, OrgState},
    pages::{
        AuditLogPage, Home, Join, LicensesPage, NotFound, SignIn, TeamsPage, UserManagement,
        Welcome,
    },
    route::{LicenseSection, UserTab},
};

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
