use allot_core::{Account, OrganizationSummary, Role};
use leptos::prelude::*;

use crate::context::SignOutButton;

/// What a member who is neither Owner nor Admin sees, a new member first of all: that they
/// are in, what that gives them, and whom to ask for more.
#[component]
pub fn Welcome(organization: OrganizationSummary, account: Account) -> impl IntoView {
    let what_you_can_do = match organization.role {
        Role::BillingManager => {
            "As Billing Manager you look after the organization's billing; you are not part of its teams."
        }
        _ => {
            "Sign in to your licensed products with this email address and password: they pick up the licenses your admins give you, and the teams you are in share your projects."
        }
    };
    view! {
        <div class="notice">
            <h1>{format!("Welcome to {}", organization.name)}</h1>
            <p>
                "You are signed in as " <strong>{account.email}</strong> ", a "
                {organization.role.label()} " of " {organization.name.clone()} "."
            </p>
            <p>{what_you_can_do}</p>
            <p class="hint">
                "Managing people and licenses is for the Owner and Admins of "
                {organization.name} ": ask one of them if you need something changed."
            </p>
            <SignOutButton />
        </div>
    }
}
