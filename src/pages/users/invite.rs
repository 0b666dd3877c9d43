use std::collections::{BTreeSet, HashMap};

use allot_core::{
    InviteOutcome, InviteRequest, InviteResult, MemberStatus, ProductId, Role,
    address_list::AddressList, emails::email_key,
};
use leptos::{html, prelude::*};
use leptos_router::hooks::use_navigate;

use super::Inviting;
use crate::{
    api,
    components::{Dialog, DialogActions, ProductPicker, Toasts},
    context::current_organization,
    org::{Mutation, OrgState},
    route::UserTab,
};

/// Keys that end an address as it is typed (the product document's list: Comma, Space, Tab,
/// Alt, Enter; the semicolon of mail clients too). Tab only when something is typed, so
/// that Tab still leaves the field.
fn ends_address(key: &str, draft_is_empty: bool) -> bool {
    matches!(key, "," | ";" | " " | "Enter" | "Alt") || (key == "Tab" && !draft_is_empty)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Addresses,
    Licenses,
}

/// Invite Users: step 1 takes the addresses, step 2 the licenses and the role; Confirm lands
/// on Pending Invitations with a result per address.
#[component]
pub fn InviteDialog(
    /// Addresses to start with (Invite back).
    prefill: Vec<String>,
) -> impl IntoView {
    let state = OrgState::get();
    let inviting = Inviting::get();
    let toasts = Toasts::get();
    let navigate = use_navigate();
    let org = state.org;
    let is_owner = current_organization().is_some_and(|o| o.role == Role::Owner);

    let list = RwSignal::new({
        let mut list = AddressList::default();
        list.add(&prefill.join(" "));
        list
    });
    let draft = RwSignal::new(String::new());
    // Backspace in an empty field first selects the last chip, then removes it.
    let armed = RwSignal::new(false);
    let step = RwSignal::new(Step::Addresses);
    let granted = RwSignal::new(BTreeSet::<ProductId>::new());
    let role = RwSignal::new(Role::Member);
    let input = NodeRef::<html::Input>::new();
    let close = Callback::new(move |_| inviting.open.set(None));

    // What each address already is in this organization, to flag it on its chip.
    let known: HashMap<String, &'static str> = {
        let mut known = HashMap::new();
        state.read(|snapshot| {
            for invitation in &snapshot.invitations {
                known.insert(email_key(&invitation.email), "already invited");
            }
            for member in &snapshot.members {
                if member.status == MemberStatus::Active {
                    known.insert(email_key(&member.email), "already a member");
                }
            }
        });
        known
    };
    let known = StoredValue::new(known);

    let commit = move |text: &str| {
        if text.trim().is_empty() {
            return;
        }
        let merged = list.try_update(|list| list.add(text)).unwrap_or_default();
        if merged > 0 {
            toasts.info(match merged {
                1 => "1 address was already in the list.".to_owned(),
                n => format!("{n} addresses were already in the list."),
            });
        }
        draft.set(String::new());
        armed.set(false);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let key = crate::dom::key(&ev);
        let text = draft.get_untracked();
        if ends_address(&key, text.trim().is_empty()) {
            if !text.trim().is_empty() || key != "Alt" {
                ev.prevent_default();
            }
            commit(&text);
        } else if key == "Backspace"
            && text.is_empty()
            && !list.with_untracked(AddressList::is_empty)
        {
            if armed.get_untracked() {
                list.update(|list| list.remove(list.chips().len() - 1));
                armed.set(false);
            } else {
                armed.set(true);
            }
        } else {
            armed.set(false);
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        // Separators typed some other way (a phone keyboard): keep the unfinished tail.
        match value.rfind(allot_core::emails::is_separator) {
            Some(end) => {
                commit(&value[..end]);
                draft.set(value[end + 1..].to_owned());
            }
            None => draft.set(value),
        }
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        let Some(pasted) = ev
            .clipboard_data()
            .and_then(|data| data.get_data("text").ok())
        else {
            return;
        };
        ev.prevent_default();
        commit(&format!("{} {pasted}", draft.get_untracked()));
    };

    let chips = move || {
        list.with(|current| {
            let last = current.chips().len().saturating_sub(1);
            current
                .chips()
                .iter()
                .enumerate()
                .map(|(index, chip)| {
                    let text = chip.text.clone();
                    let problem = match &chip.address {
                        Err(error) => Some(error.message().to_owned()),
                        Ok(address) => None.or_else(|| {
                            known.with_value(|known| known.get(&email_key(address)).map(|s| s.to_string()))
                        }),
                    };
                    let invalid = chip.address.is_err();
                    let flagged = problem.is_some() && !invalid;
                    let armed_here = move || armed.get() && index == last;
                    view! {
                        <li class="chip" class:invalid=invalid class:flagged=flagged class:armed=armed_here>
                            <span>{text.clone()}</span>
                            {problem.map(|problem| view! { <span class="chip-note">{problem}</span> })}
                            <button
                                type="button"
                                class="chip-remove"
                                aria-label=format!("Remove {text}")
                                on:click=move |_| {
                                    list.update(|list| list.remove(index));
                                    if let Some(input) = input.get() {
                                        let _ = input.focus();
                                    }
                                }
                            >
                                "×"
                            </button>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let blocker = move || list.with(AddressList::blocker);
    // An empty list is where everyone starts, not a mistake: Next waits, and the hint says
    // what to do, without an error in red.
    let problem = move || list.with(|list| (!list.is_empty()).then(|| list.blocker()).flatten());
    let licenses = NodeRef::<html::Fieldset>::new();
    // Each step starts with focus on its first control.
    Effect::new(move |_| {
        let target: Option<web_sys::HtmlElement> = match step.get() {
            Step::Addresses => input.get().map(Into::into),
            Step::Licenses => licenses.get().and_then(|fieldset| {
                use wasm_bindgen::JsCast;
                fieldset
                    .query_selector("input")
                    .ok()
                    .flatten()
                    .and_then(|first| first.dyn_into().ok())
            }),
        };
        if let Some(target) = target {
            let _ = target.focus();
        }
    });

    let pending = format!("/orgs/{org}/{}", UserTab::Pending.route());
    let invite = Mutation::new(
        move |request: &InviteRequest| api::invite(org, request.clone()),
        move |_, response| {
            inviting.results.set(Some(response.results));
            inviting.open.set(None);
            navigate(&pending, Default::default());
        },
    );
    let count = move || list.with(|list| list.addresses().len()) as u32;
    // Each granted product must have a seat for every new invitation.
    let seat_problems = move || {
        let wanted = granted.get();
        state
            .seats()
            .iter()
            .filter(|product| wanted.contains(&product.id))
            .filter_map(|product| product.shortfall(count()))
            .collect::<Vec<_>>()
    };
    let role_options = move || {
        Role::ALL
            .into_iter()
            .map(|option| {
                let allowed = option != Role::Owner || is_owner;
                view! {
                    <option value=option.as_str() selected=option == Role::Member disabled=!allowed>
                        {option.label()}
                    </option>
                }
            })
            .collect_view()
    };
    let confirm = move |_| {
        invite.run(InviteRequest {
            emails: list.with_untracked(AddressList::addresses),
            role: role.get_untracked(),
            products: granted.get_untracked().into_iter().collect(),
        });
    };

    view! {
        <Dialog title="Invite Users".into() on_close=close>
            <Show when=move || step.get() == Step::Addresses>
                <label for="invite-emails">"Email addresses"</label>
                // The field first and the chips after it, in reading and Tab order alike.
                <div class="chips-input" on:click=move |_| { if let Some(input) = input.get() { let _ = input.focus(); } }>
                    <input
                        id="invite-emails"
                        node_ref=input
                        type="text"
                        autocomplete="off"
                        aria-describedby="invite-help invite-problem"
                        prop:value=draft
                        on:keydown=on_keydown
                        on:input=on_input
                        on:paste=on_paste
                        on:blur=move |_| commit(&draft.get_untracked())
                    />
                    <ul class="chips" aria-label="Addresses to invite">{chips}</ul>
                </div>
                <p id="invite-help" class="hint">
                    "Add one or more addresses: a comma, space, Tab, Alt or Enter, or leaving the field ends each one; you can also paste a list."
                </p>
                <p id="invite-problem" class="error" role="alert">{problem}</p>
                <DialogActions
                    on_cancel=close
                    confirm="Next"
                    disabled=Signal::derive(move || blocker().is_some())
                    on_confirm=Callback::new(move |_| step.set(Step::Licenses))
                />
            </Show>
            <Show when=move || step.get() == Step::Licenses>
                <p>{move || match count() {
                    1 => "Inviting 1 person.".to_owned(),
                    n => format!("Inviting {} people.", allot_core::format::count(n as usize)),
                }}</p>
                <ProductPicker
                    legend="Grant licenses on acceptance"
                    ticked=granted
                    hint=Callback::new(|seats: allot_core::ProductSeats| seats.usage())
                    switches=true
                    node_ref=licenses
                />
                {move || seat_problems().into_iter().map(|problem| view! { <p class="error" role="alert">{problem}</p> }).collect_view()}
                <label for="invite-role">"Role"</label>
                <select id="invite-role" on:change=move |ev| {
                    if let Some(choice) = Role::parse(&event_target_value(&ev)) {
                        role.set(choice);
                    }
                }>
                    {role_options()}
                </select>
                <DialogActions
                    on_cancel=Callback::new(move |_| step.set(Step::Addresses))
                    cancel="Back"
                    confirm="Confirm"
                    disabled=Signal::derive(move || !seat_problems().is_empty() || invite.busy())
                    on_confirm=Callback::new(confirm)
                />
            </Show>
        </Dialog>
    }
}

/// The result of the last Invite Users, per address, shown above Pending Invitations.
#[component]
pub fn InviteResults() -> impl IntoView {
    let inviting = Inviting::get();
    move || {
        inviting.results.get().map(|results| {
            let line = |result: &InviteResult| {
                let outcome = match result.outcome {
                    InviteOutcome::Invited { .. } => "invited",
                    InviteOutcome::AlreadyMember => "already a member",
                    InviteOutcome::AlreadyInvited => "already invited",
                };
                view! { <li>{result.email.clone()} " — " {outcome}</li> }
            };
            let invited = results
                .iter()
                .filter(|r| matches!(r.outcome, InviteOutcome::Invited { .. }))
                .count();
            view! {
                <section class="invite-results" aria-label="Invitation results">
                    <p>{format!("{invited} of {} invited.", results.len())}</p>
                    <ul>{results.iter().map(line).collect_view()}</ul>
                    <button type="button" class="secondary" on:click=move |_| inviting.results.set(None)>"Dismiss"</button>
                </section>
            }
        })
    }
}
