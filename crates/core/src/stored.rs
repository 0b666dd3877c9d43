//! The enums stored or sent as text, each encoded in one place: `as_str` gives the text the
//! database, the API and URLs use, `parse` reads it back (serde's names agree, by test). With the `sqlx` feature (the server's) each also
//! decodes itself from a database column, so that no query result is compared as a string.

use crate::{
    ActivationMode, MemberStatus, Role, TeamRole,
    audit::{Agent, AuditAction},
    licensing::PoolKind,
    licensing::PoolUsage,
    usage::UsageRange,
};

/// Where an invitation stands; only pending ones are listed, accepted and revoked ones are
/// kept for their links' sake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
}

/// `as_str` and `parse` for enums whose text is given per variant.
macro_rules! text_encoding {
    ($($ty:ty { $($variant:ident => $text:literal),+ $(,)? })*) => {$(
        impl $ty {
            /// Every value, in the order declared here.
            pub const ALL: [Self; [$(stringify!($variant)),+].len()] = [$(Self::$variant),+];

            /// As the database and the API write it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            pub fn parse(value: &str) -> Option<Self> {
                match value {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    )*};
}

text_encoding! {
    // Rank order (Owner first), which is also the order the console sorts and offers them in.
    Role { Owner => "owner", Admin => "admin", Member => "member", BillingManager => "billing_manager" }
    MemberStatus { Active => "active", Removed => "removed" }
    TeamRole { Member => "member", Admin => "admin" }
    UsageRange { Day => "24h", Month => "30d", Year => "12m" }
    InvitationStatus { Pending => "pending", Accepted => "accepted", Revoked => "revoked" }
    ActivationMode { Online => "online", Offline => "offline" }
    PoolKind { Named => "named", Floating => "floating" }
    PoolUsage { Online => "online", Offline => "offline" }
    // The order the Audit Log's actor filter offers them in.
    Agent { System => "system", LicenseApi => "license_api", Operator => "operator" }
    AuditAction {
        InvitationsCreated => "invitations.created",
        InvitationResent => "invitation.resent",
        InvitationsRevoked => "invitations.revoked",
        InvitationAccepted => "invitation.accepted",
        InvitationExpired => "invitation.expired",
        MembersRemoved => "members.removed",
        MembersRestored => "members.restored",
        MembersRoleChanged => "members.role_changed",
        MembersExported => "members.exported",
        TeamCreated => "team.created",
        TeamRenamed => "team.renamed",
        TeamDeleted => "team.deleted",
        TeamMemberSet => "team.member_set",
        TeamMemberRemoved => "team.member_removed",
        GroupCreated => "group.created",
        GroupUpdated => "group.updated",
        GroupDeleted => "group.deleted",
        GroupRuleSet => "group.rule_set",
        AllocationSet => "allocation.set",
        AllocationFailed => "allocation.failed",
        AllocationErrorRetried => "allocation_error.retried",
        AllocationErrorDismissed => "allocation_error.dismissed",
        LicenseActivated => "license.activated",
        LicenseReleased => "license.released",
        LicensesUsersRemoved => "licenses.users_removed",
        LicensesOnlineRemoved => "licenses.online_removed",
        LicensesOfflineRemoved => "licenses.offline_removed",
        LicensesMachinesRemoved => "licenses.machines_removed",
        SessionTimedOut => "session.timed_out",
        OfflineLicenseExpired => "offline_license.expired",
        PoolAdded => "pool.added",
        PoolChanged => "pool.changed",
        PoolExpired => "pool.expired",
        AuditExported => "audit.exported",
        ExternalChange => "external_change",
    }
}

#[cfg(feature = "sqlx")]
mod database {
    use sqlx_core::{database::Database, decode::Decode, error::BoxDynError, types::Type};

    use super::*;

    /// Each type as a text column, decoded by its `parse`.
    macro_rules! stored_as_text {
        ($($ty:ty),*) => {$(
            impl<DB: Database> Type<DB> for $ty
            where
                str: Type<DB>,
            {
                fn type_info() -> DB::TypeInfo {
                    <str as Type<DB>>::type_info()
                }

                fn compatible(ty: &DB::TypeInfo) -> bool {
                    <str as Type<DB>>::compatible(ty)
                }
            }

            impl<'r, DB: Database> Decode<'r, DB> for $ty
            where
                &'r str: Decode<'r, DB>,
            {
                fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                    let text = <&str as Decode<DB>>::decode(value)?;
                    <$ty>::parse(text).ok_or_else(|| {
                        format!("{text:?} is not a stored {}", stringify!($ty)).into()
                    })
                }
            }
        )*};
    }

    stored_as_text!(
        Role,
        MemberStatus,
        TeamRole,
        InvitationStatus,
        ActivationMode,
        PoolKind,
        PoolUsage,
        AuditAction
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value's text reads back as itself, and nothing else does.
    macro_rules! reads_back {
        ($($ty:ty),*) => {$(
            for value in <$ty>::ALL {
                assert_eq!(<$ty>::parse(value.as_str()), Some(value));
            }
            assert_eq!(<$ty>::parse("No Such Value"), None);
        )*};
    }

    /// serde writes and reads each value as its text: the API and the database agree.
    macro_rules! serde_agrees {
        ($($ty:ty),*) => {$(
            for value in <$ty>::ALL {
                let json = serde_json::to_value(value).unwrap();
                assert_eq!(json, value.as_str(), "{}", stringify!($ty));
                assert_eq!(serde_json::from_value::<$ty>(json).unwrap(), value);
            }
        )*};
    }

    #[test]
    fn every_encoding_reads_back() {
        reads_back!(
            Role,
            MemberStatus,
            TeamRole,
            UsageRange,
            InvitationStatus,
            ActivationMode,
            PoolKind,
            PoolUsage,
            Agent,
            AuditAction
        );
        assert_eq!(ActivationMode::parse("Online"), None);
    }

    #[test]
    fn serde_writes_the_same_text() {
        serde_agrees!(
            Role,
            MemberStatus,
            TeamRole,
            UsageRange,
            ActivationMode,
            PoolKind,
            PoolUsage,
            Agent,
            AuditAction
        );
    }
}
