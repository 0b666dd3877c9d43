use allot_core::{
    Invitation, InvitationId,
    format::{ago, plural, until},
    selection::Selection,
    sort::SortKey,
};
use leptos::prelude::*;
use std::{cell::RefCell, rc::Rc};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::ClipboardItem;

use super::TabState;
use crate::{
    api::{self, ApiError},
    components::{
        Column, Dialog, DialogActions, Dialogs, SortBy, TablePage, Toasts, Toolbar, selected_rows,
    },
    format,
    org::{Mutation, OrgState, Subject},
};

/// Puts the text `text` resolves to on the clipboard. The write starts at once, in the click
/// that asked for it, with the text to follow: Safari lets a page write to the clipboard
/// only while it handles a person's gesture, and the text comes from the server after it.
fn copy_to_clipboard(
    text: impl Future<Output = Result<String, ApiError>> + 'static,
) -> impl Future<Output = Result<(), ApiError>> {
    // Why the text could not be had, to report instead of the clipboard's own refusal.
    let failure = Rc::new(RefCell::new(None));
    let text = future_to_promise({
        let failure = failure.clone();
        async move {
            text.await.map(JsValue::from).map_err(|error| {
                failure.replace(Some(error));
                JsValue::NULL
            })
        }
    });
    let items = js_sys::Object::new();
    let written = js_sys::Reflect::set(&items, &"text/plain".into(), &text)
        .and_then(|_| ClipboardItem::new_with_record_from_str_to_str_promise(&items))
        .map(|item| {
            window()
                .navigator()
                .clipboard()
                .write(&js_sys::Array::of1(&item))
        });
    async move {
        let written = match written {
            Ok(promise) => JsFuture::from(promise).await.map(drop),
            Err(error) => Err(error),
        };
        written.map_err(|_| failure.take().unwrap_or(ApiError::ClipboardRefused))
    }
}

#[component]
pub fn PendingInvitations(tab: TabState) -> impl IntoView {
    let state = OrgState::get();
    let toasts = Toasts::get();
    let org = state.org;
    let now = format::now();

    // Copy link asks the server for the link first: it checks this admin may still have it.
    let copy_link = Mutation::new(
        move |(id, _): &(InvitationId, String)| {
            let id = *id;
            copy_to_clipboard(async move { Ok(api::invitation_link(org, id).await?.url) })
        },
        move |(_, email), ()| toasts.info(format!("Copied the activation link for {email}.")),
    );
    let resend = Mutation::new(
        move |(id, _): &(InvitationId, String)| api::resend_invitation(org, *id),
        move |(_, email), _| {
            toasts.info(format!(
                "Invitation sent again to {email}; it is valid for 24 hours."
            ))
        },
    );

    let columns = vec![
        Column::text("Email", |i: &Invitation| i.email.clone())
            .sorted_by(|i| SortKey::text(&i.email))
            .class("email"),
        Column::new("Role", |i: &Invitation| i.role.label()).sorted_by(|i| SortKey::Number(Some(i.role as i64))),
        Column::new("Licenses", move |i: &Invitation| state.product_list(i.products.clone(), "None"))
        .class("licenses"),
        Column::text("Invited by", |i: &Invitation| i.invited_by.clone()).sorted_by(|i| SortKey::text(&i.invited_by)),
        Column::new("Sent", move |i: &Invitation| {
            view! { <span title=format::date(i.created_at)>{ago(now, i.created_at)}</span> }
        })
        .sorted_by(|i| SortKey::Number(Some(i.created_at))),
        Column::new("Expires", move |i: &Invitation| {
            view! { <span class:expired=i.expired>{if i.expired { "Expired".to_owned() } else { until(now, i.expires_at) }}</span> }
        })
        .sorted_by(|i| SortKey::Number(Some(i.expires_at))),
        Column::new("Actions", move |i: &Invitation| {
            let id = i.id;
            let (resent, copied) = (i.email.clone(), i.email.clone());
            let label = &i.email;
            view! {
                <span class="row-actions">
                    <button type="button" class="link" aria-label=format!("Resend to {label}") on:click=move |_| resend.run((id, resent.clone()))>
                        "Resend"
                    </button>
                    <button type="button" class="link" aria-label=format!("Copy link for {label}") on:click=move |_| copy_link.run((id, copied.clone()))>
                        "Copy link"
                    </button>
                </span>
            }
        }),
    ];

    let rows = state.invitations();
    let revoking = RwSignal::new(false);
    view! {
        <super::invite::InviteResults />
        <p class="hint">"An invitation is valid for 24 hours. Resend one to give it a fresh link and 24 more hours."</p>
        <TablePage
            source=state
            what="invitations"
            rows
            columns
            search=tab.search
            selected=tab.selected
            sort_by=SortBy::descending("Sent")
            noun="pending invitations"
            pending=state.pending(Subject::Invitation)
        >
            <Toolbar slot>
                <button
                    type="button"
                    class="danger"
                    disabled=move || tab.selected.with(Selection::is_empty)
                    on:click=move |_| revoking.set(true)
                >
                    "Revoke"
                </button>
            </Toolbar>
            <Dialogs slot>
                {move || revoking.get().then(|| view! {
                    <RevokeDialog
                        invitations=untrack(|| selected_rows(rows, tab.selected))
                        tab
                        on_close=Callback::new(move |_| revoking.set(false))
                    />
                })}
            </Dialogs>
        </TablePage>
    }
}

#[component]
fn RevokeDialog(
    invitations: Vec<Invitation>,
    tab: TabState,
    on_close: Callback<()>,
) -> impl IntoView {
    let toasts = Toasts::get();
    let org = OrgState::get().org;
    let ids: Vec<i64> = invitations.iter().map(|i| i.id.into()).collect();
    let addresses: std::collections::HashMap<i64, String> = invitations
        .iter()
        .map(|i| (i.id.into(), i.email.clone()))
        .collect();
    let email_of = move |id: i64| addresses.get(&id).cloned().unwrap_or_default();
    let revoke = Mutation::bulk(
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
            <DialogActions on_cancel=on_close confirm="Revoke" danger=true on_confirm=Callback::new(move |_| {
                    revoke.run(ids.clone());
                    tab.selected.set(Selection::default());
                    on_close.run(());
                }) />
        </Dialog>
    }
}
