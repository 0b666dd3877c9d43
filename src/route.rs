//! The console's tabs and sections, typed, with their URL segments in one place.

use crate::components::tabs::Tab;

/// The tabs of User Management, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UserTab {
    Active,
    Pending,
    Removed,
    /// The document's "Accounts & Groups" page, as a tab here.
    Groups,
}

impl Tab for UserTab {
    const ALL: &'static [Self] = &[Self::Active, Self::Pending, Self::Removed, Self::Groups];

    /// `/orgs/1/users/{segment}`
    fn segment(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Removed => "removed",
            Self::Groups => "groups",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Active => "Active Users",
            Self::Pending => "Pending Invitations",
            Self::Removed => "Removed Users",
            Self::Groups => "Groups",
        }
    }
}

impl UserTab {
    /// Its route under the organization's: `users/active`.
    pub fn route(self) -> String {
        format!("users/{}", self.segment())
    }
}

/// The sections of License Management, in the document's order. Each names its removal in
/// the API too: `/orgs/1/licenses/{segment}/remove`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LicenseSection {
    Users,
    Online,
    Offline,
    Machines,
}

impl Tab for LicenseSection {
    const ALL: &'static [Self] = &[Self::Users, Self::Online, Self::Offline, Self::Machines];

    fn segment(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Online => "online",
            Self::Offline => "offline",
            Self::Machines => "machines",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Users => "Licensed Users",
            Self::Online => "Online Licenses",
            Self::Offline => "Offline Licenses",
            Self::Machines => "Registered Machines",
        }
    }
}

impl LicenseSection {
    /// Its route under the organization's: `licenses/users`.
    pub fn route(self) -> String {
        format!("licenses/{}", self.segment())
    }
}

/// The tab of a route's segment, if there is one.
pub fn parse<K: Tab>(segment: &str) -> Option<K> {
    K::ALL.iter().copied().find(|tab| tab.segment() == segment)
}
