use allot_core::redirect::local_path;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::{
    api::{self, ApiError},
    context::{JustSignedIn, SessionResource},
    org::Mutation,
};

#[component]
pub fn SignIn() -> impl IntoView {
    let SessionResource(session) = expect_context();
    let JustSignedIn(just_signed_in) = expect_context();
    let navigate = use_navigate();
    let query = use_query_map();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let sign_in = Mutation::with_failure(
        |(email, password): &(String, String)| api::sign_in(email.clone(), password.clone()),
        move |_, _| {
            just_signed_in.set_value(true);
            session.refetch();
            let next = query.read_untracked().get("next");
            navigate(local_path(next.as_deref()), Default::default());
        },
        move |_, failure| error.set(Some(failure)),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        sign_in.run((email.get_untracked(), password.get_untracked()));
    };
    view! {
        <div class="sign-in">
            <h1>"Sign in to Allot"</h1>
            <form on:submit=submit>
                <label for="sign-in-email">"Email"</label>
                <input id="sign-in-email" type="email" autocomplete="username" required bind:value=email />
                <label for="sign-in-password">"Password"</label>
                <input
                    id="sign-in-password"
                    type="password"
                    autocomplete="current-password"
                    required
                    bind:value=password
                />
                {move || error.get().map(|error| view! { <p class="error" role="alert">{error.to_string()}</p> })}
                <button type="submit" disabled=move || sign_in.busy()>
                    {move || if sign_in.busy() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </div>
    }
}
