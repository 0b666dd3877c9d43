use leptos::{either::EitherOf3, prelude::*};
use leptos_router::components::Redirect;

use crate::{
    context::{Placement, with_session},
    pages::Welcome,
};

/// `/`: an organization the account manages, or why there is none.
#[component]
pub fn Home() -> impl IntoView {
    let placed = Placement::get().org;
    with_session(move |session| {
        // The host's organization; else where the account ranks highest (Owner before
        // Admin), then the first by name.
        let managed = session
            .organizations
            .iter()
            .filter(|org| org.role.manages_organization())
            .filter(|org| placed.is_none_or(|id| id == org.id))
            .min_by_key(|org| org.role);
        match (managed, session.organizations.first()) {
            (Some(org), _) => EitherOf3::A(view! {
                <Redirect path=format!("/orgs/{}/users/active", org.id) />
            }),
            (None, Some(org)) => EitherOf3::B(view! {
                <Welcome organization=org.clone() account=session.account.clone() />
            }),
            (None, None) => EitherOf3::C(view! {
                <div class="notice">
                    <h1>"No organization yet"</h1>
                    <p>
                        "You are signed in as " {session.account.email.clone()}
                        ", but you do not belong to any organization. Open the invitation link an Admin sent you to join one."
                    </p>
                    <crate::context::SignOutButton />
                </div>
            }),
        }
    })
}
