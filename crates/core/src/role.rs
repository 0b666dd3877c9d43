//! Organization roles and what each may do.

use serde::{Deserialize, Serialize};

/// A member's role in an organization. Declaration order is rank order (Owner first), which
/// is also the order the console sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Member,
    BillingManager,
}

impl Role {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
            Role::BillingManager => "Billing Manager",
        }
    }

    /// Only the Owner and Admins manage people and licenses.
    pub fn manages_organization(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Whether a member acting with this (effective) role may hand `role` to someone: by an
    /// invitation, its link or its acceptance, a role change, undoing a removal, or a group.
    /// Owners grant every role, Admins every role but Owner, everyone else none.
    pub fn may_grant(self, role: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => role != Role::Owner,
            Role::Member | Role::BillingManager => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("Owner"), None);
    }

    #[test]
    fn only_owner_and_admin_manage_the_organization() {
        let managers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| role.manages_organization())
            .collect();
        assert_eq!(managers, [Role::Owner, Role::Admin]);
    }

    #[test]
    fn owners_grant_everything_admins_all_but_owner_others_nothing() {
        for role in Role::ALL {
            assert!(Role::Owner.may_grant(role));
            assert_eq!(Role::Admin.may_grant(role), role != Role::Owner);
            assert!(!Role::Member.may_grant(role));
            assert!(!Role::BillingManager.may_grant(role));
        }
    }
}
