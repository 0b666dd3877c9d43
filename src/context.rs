//! What the pages stand on, provided by the app around them: the session (and rendering
//! with it), where the host placed the console, the organization and account a page is
//! about, writing a page's state into its URL, and signing out.

use allot_core::{Account, OrgId, OrganizationSummary, Session};
use leptos::{either::EitherOf3, prelude::*};
use leptos_router::{
    NavigateOptions,
    components::Redirect,
    hooks::{use_location, use_navigate, use_params_map},
};

use crate::{
    api::{self, ApiError},
    components::ErrorPanel,
    org::Mutation,
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
