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
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::BillingManager];

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
            Role::BillingManager => "Billing Manager",
        }
    }

    /// The name stored and sent over the wire (`snake_case`, as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::BillingManager => "billing_manager",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == value)
    }

    /// Only the Owner and Admins manage people and licenses.
    pub fn manages_organization(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
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
}
