//! The enums stored as text, each encoded in one place: `as_str` gives the text the database
//! and the API use, `parse` reads it back. With the `sqlx` feature (the server's) each also
//! decodes itself from a database column, so that no query result is compared as a string.

use crate::{ActivationMode, audit::AuditAction, licensing::PoolKind, licensing::PoolUsage};

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
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

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
    InvitationStatus { Pending => "pending", Accepted => "accepted", Revoked => "revoked" }
    ActivationMode { Online => "online", Offline => "offline" }
    PoolKind { Named => "named", Floating => "floating" }
    PoolUsage { Online => "online", Offline => "offline" }
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
    use crate::{MemberStatus, Role, TeamRole};

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

    #[test]
    fn every_encoding_reads_back() {
        for status in [
            InvitationStatus::Pending,
            InvitationStatus::Accepted,
            InvitationStatus::Revoked,
        ] {
            assert_eq!(InvitationStatus::parse(status.as_str()), Some(status));
        }
        for mode in [ActivationMode::Online, ActivationMode::Offline] {
            assert_eq!(ActivationMode::parse(mode.as_str()), Some(mode));
        }
        for kind in [PoolKind::Named, PoolKind::Floating] {
            assert_eq!(PoolKind::parse(kind.as_str()), Some(kind));
        }
        for usage in [PoolUsage::Online, PoolUsage::Offline] {
            assert_eq!(PoolUsage::parse(usage.as_str()), Some(usage));
        }
        assert_eq!(ActivationMode::parse("Online"), None);
    }
}
