//! The console's tabs and sections, typed, with their URL segments in one place.

/// The tabs of User Management, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UserTab {
    Active,
    Pending,
    Removed,
    /// The document's "Accounts & Groups" page, as a tab here.
    Groups,
}

impl UserTab {
    pub const ALL: [UserTab; 4] = [Self::Active, Self::Pending, Self::Removed, Self::Groups];

    /// Its segment of the URL: `/orgs/1/users/{segment}`.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Removed => "removed",
            Self::Groups => "groups",
        }
    }

    pub fn parse(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tab| tab.segment() == segment)
    }

    /// Its route under the organization's: `users/active`.
    pub fn route(self) -> String {
        format!("users/{}", self.segment())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active Users",
            Self::Pending => "Pending Invitations",
            Self::Removed => "Removed Users",
            Self::Groups => "Groups",
        }
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

impl LicenseSection {
    pub const ALL: [LicenseSection; 4] = [Self::Users, Self::Online, Self::Offline, Self::Machines];

    pub fn segment(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Online => "online",
            Self::Offline => "offline",
            Self::Machines => "machines",
        }
    }

    pub fn parse(segment: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|section| section.segment() == segment)
    }

    /// Its route under the organization's: `licenses/users`.
    pub fn route(self) -> String {
        format!("licenses/{}", self.segment())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Users => "Licensed Users",
            Self::Online => "Online Licenses",
            Self::Offline => "Offline Licenses",
            Self::Machines => "Registered Machines",
        }
    }
}
