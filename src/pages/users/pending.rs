use allot_core::{
    Invitation,
    format::{ago, plural, until},
    sort::{Sort, SortKey},
};
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{TabState, Users, bulk_change};
use crate::sync::Subject;
use crate::{
    api,
    components::{Column, DataTable, Dialog, Toasts},
    format,
};

/// Puts `text` on the clipboard.
async fn copy_to_clipboard(text: &str) -> Result<(), String> {
    let clipboard = window().navigator().clipboard();
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(drop)
        .map_err(|_| "The browser did not allow copying to the clipboard.".to_owned())
}

#[component]
pub fn PendingInvitations(state: TabState) -> impl IntoView {
    let users: Users = expect_context();
    let toasts = Toasts::get();
    let org = users.org;
    let now = format::now();

    let copy_link = move |id: i64, email: String| {
        leptos::task::spawn_local(async move {
            let copied = match api::invitation_link(org, id).await {
                Ok(link) => copy_to_clipboard(&link.url).await,
                Err(error) => Err(error.to_string()),
            };
            match copied {
                Ok(()) => toasts.info(format!("Copied the activation link for {email}.")),
                Err(message) => toasts.error(message),
            }
        });
    };
    let resend = move |id: i64, email: String| {
        leptos::task::spawn_local(async move {
            match api::resend_invitation(org, id).await {
                Ok(_) => {
                    toasts.info(format!(
                        "Invitation sent again to {email}; it is valid for 24 hours."
                    ));
                }
                Err(error) => toasts.error(error.to_string()),
            }
        });
    };

    let columns = vec![
        Column::text("Email", |i: &Invitation| i.email.clone())
            .sorted_by(|i| SortKey::text(&i.email))
            .class("email"),
        Column::new("Role", |i: &Invitation| i.role.label()).sorted_by(|i| SortKey::Number(Some(i.role as i64))),
        Column::new("Licenses", move |i: &Invitation| users.license_names(i.products.clone(), "None"))
        .class("licenses"),
        Column::text("Invited by", |i: &Invitation| i.invited_by.clone()).sorted_by(|i| SortKey::text(&i.invited_by)),
        Column::new("Sent", move |i: &Invitation| {
            view! { <span title=format::date(i.created_at)>{ago(now, i.created_at)}</span> }
        })
        .sorted_by(|i| SortKey::Number(Some(i.created_at))),
        Column::new("Expires", move |i: &Invitation| {
            let expired = i.expires_at <= now;
            view! { <span class:expired=expired>{if expired { "Expired".to_owned() } else { until(now, i.expires_at) }}</span> }
        })
        .sorted_by(|i| SortKey::Number(Some(i.expires_at))),
        Column::new("Actions", move |i: &Invitation| {
            let id = i.id;
            let (resent, copied) = (i.email.clone(), i.email.clone());
            let label = &i.email;
            view! {
                <span class="row-actions">
                    <button type="button" class="link" aria-label=format!("Resend to {label}") on:click=move |_| resend(id, resent.clone())>
                        "Resend"
                    </button>
                    <button type="button" class="link" aria-label=format!("Copy link for {label}") on:click=move |_| copy_link(id, copied.clone())>
                        "Copy link"
                    </button>
                </span>
            }
        }),
    ];

    let rows = crate::components::table_rows(move || users.invitations().unwrap_or_default());
    let revoking = RwSignal::new(false);
    let selected_invitations = move || {
        let ids = state.selected.get();
        rows.with(|rows| {
            rows.iter()
                .filter(|i| ids.contains(&i.id))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <super::invite::InviteResults />
        <p class="hint">"An invitation is valid for 24 hours. Resend one to give it a fresh link and 24 more hours."</p>
        <div class="bulk-actions">
            <button
                type="button"
                class="danger"
                disabled=move || state.selected.with(|selected| selected.is_empty())
                on:click=move |_| revoking.set(true)
            >
                "Revoke"
            </button>
        </div>
        {users.members.status("invitations")}
        <Show when=move || users.members.is_loaded()>
            <DataTable
                rows
                columns=columns.clone()
                search=state.search
                selected=state.selected
                initial_sort=Sort::descending(4)
                noun="pending invitations"
                pending=users.pending(Subject::Invitation)
            />
        </Show>
        {move || revoking.get().then(|| view! {
            <RevokeDialog invitations=untrack(selected_invitations) state on_close=Callback::new(move |_| revoking.set(false)) />
        })}
    }
}

#[component]
fn RevokeDialog(
    invitations: Vec<Invitation>,
    state: TabState,
    on_close: Callback<()>,
) -> impl IntoView {
    let users: Users = expect_context();
    let toasts = Toasts::get();
    let org = users.org;
    let ids: Vec<i64> = invitations.iter().map(|i| i.id).collect();
    let addresses: std::collections::HashMap<i64, String> = invitations
        .iter()
        .map(|i| (i.id, i.email.clone()))
        .collect();
    let email_of = move |id: i64| addresses.get(&id).cloned().unwrap_or_default();
    let revoke = bulk_change(
        state,
        on_close,
        (Subject::Invitation, "Revoking…"),
        Vec::clone,
        move |ids: &Vec<i64>| api::revoke_invitations(org, ids.clone()),
        move |_, response| {
            toasts.report(response, |done| match done {
                [id] => format!("Revoked the invitation to {}.", email_of(*id)),
                more => format!(
                    "Revoked {}.",
                    plural(more.len(), "invitation", "invitations")
                ),
            })
        },
    );
    // In alphabetical order, the easiest to check against.
    let mut emails: Vec<String> = invitations.iter().map(|i| i.email.clone()).collect();
    emails.sort();
    let emails = emails
        .into_iter()
        .map(|email| view! { <li><span class="clamp" title=email.clone()>{email.clone()}</span></li> })
        .collect_view();
    view! {
        <Dialog title="Revoke Invitation".into() on_close>
            <p>"Double-check the addresses. Their invitation links stop working at once."</p>
            <ul class="email-list">{emails}</ul>
            <div class="dialog-actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="danger" on:click=move |_| revoke.run(ids.clone())>
                    "Revoke"
                </button>
            </div>
        </Dialog>
    }
}
