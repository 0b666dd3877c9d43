use allot_core::account::{FULL_NAME_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use allot_core::{AcceptRequest, InvitationPreview};
use leptos::{either::Either, prelude::*};
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::{api, context::SessionResource, format, org::Mutation};

/// What an activation link opens: who invites whom to what, then sign-up or sign-in.
#[component]
pub fn Join() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = LocalResource::new(move || {
        let token = token();
        async move { api::invitation_preview(&token).await }
    });
    let content = move || {
        Suspend::new(async move {
            match preview.await {
                Ok(invitation) => Either::Left(view! { <AcceptForm invitation token=token() /> }),
                // Expired, revoked or used links: the server's words say which, and what to do.
                Err(error) => Either::Right(view! {
                    <h1>"This invitation cannot be used"</h1>
                    <p role="alert">{error.to_string()}</p>
                }),
            }
        })
    };
    view! {
        <div class="sign-in">
            <Transition fallback=|| view! { <p class="loading" role="status">"Opening your invitation…"</p> }>
                {content}
            </Transition>
        </div>
    }
}

#[component]
fn AcceptForm(invitation: InvitationPreview, token: String) -> impl IntoView {
    let SessionResource(session) = expect_context();
    let navigate = use_navigate();
    let full_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let new_account = !invitation.account_exists;
    let error = RwSignal::new(None::<crate::api::ApiError>);
    let accept = Mutation::with_failure(
        move |request: &AcceptRequest| {
            let (token, request) = (token.clone(), request.clone());
            async move { api::accept_invitation(&token, request).await }
        },
        move |_, _| {
            session.refetch();
            navigate("/", Default::default());
        },
        move |_, failure| error.set(Some(failure)),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        accept.run(AcceptRequest {
            full_name: new_account.then(|| full_name.get_untracked()),
            password: password.get_untracked(),
        });
    };
    view! {
        <h1>{format!("Join {}", invitation.organization)}</h1>
        <p>
            {invitation.invited_by.clone()} " invited " <strong>{invitation.email.clone()}</strong> " to join "
            {invitation.organization.clone()} " as " {invitation.role.label()} "."
        </p>
        <p class="hint">{format!("This invitation expires {}.", allot_core::format::until(format::now(), invitation.expires_at))}</p>
        <form on:submit=submit>
            {new_account.then(|| view! {
                <label for="join-name">"Full name"</label>
                <input id="join-name" type="text" autocomplete="name" required maxlength=FULL_NAME_MAX_CHARS bind:value=full_name />
            })}
            <label for="join-password">{if new_account { "Choose a password" } else { "Your password" }}</label>
            <input
                id="join-password"
                type="password"
                autocomplete=if new_account { "new-password" } else { "current-password" }
                minlength=if new_account { PASSWORD_MIN_CHARS } else { 1 }
                maxlength=PASSWORD_MAX_CHARS
                required
                aria-describedby=new_account.then_some("join-password-hint")
                bind:value=password
            />
            {new_account.then(|| view! {
                <p class="hint" id="join-password-hint">
                    {format!("At least {PASSWORD_MIN_CHARS} characters, and not easy to guess: a few unusual words work well, your name or a common password do not.")}
                </p>
            })}
            {move || error.get().map(|error| view! { <p class="error" role="alert">{error.to_string()}</p> })}
            <button type="submit" disabled=move || accept.busy()>
                {if new_account { "Create account and join" } else { "Sign in and join" }}
            </button>
        </form>
    }
}
