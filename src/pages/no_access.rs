use allot_core::{Account, OrganizationSummary};
use leptos::prelude::*;

use crate::app::SignOutButton;

/// What a member who is neither Owner nor Admin sees: why, and whom to ask.
#[component]
pub fn NoAccess(organization: OrganizationSummary, account: Account) -> impl IntoView {
    view! {
        <div class="notice">
            <h1>"No access"</h1>
            <p>
                "You are signed in as " {account.email} ", a " {organization.role.label()}
                " of " <strong>{organization.name.clone()}</strong> "."
            </p>
            <p>
                "Only the Owner and Admins of an organization can manage its people and licenses. Ask an Admin of "
                {organization.name} " if you need access."
            </p>
            <SignOutButton />
        </div>
    }
}
