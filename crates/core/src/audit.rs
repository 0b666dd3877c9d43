//! The audit log's vocabulary: what a change did (its action), and who makes a change when no
//! signed-in person does (its agent). Each action is stored as its text (see `stored`).

/// What one change did: every path that changes an organization records exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuditAction {
    InvitationsCreated,
    InvitationResent,
    InvitationsRevoked,
    InvitationAccepted,
    InvitationExpired,
    MembersRemoved,
    MembersRestored,
    MembersRoleChanged,
    MembersExported,
    TeamCreated,
    TeamRenamed,
    TeamDeleted,
    TeamMemberSet,
    TeamMemberRemoved,
    GroupCreated,
    GroupUpdated,
    GroupDeleted,
    GroupRuleSet,
    AllocationSet,
    AllocationFailed,
    AllocationErrorRetried,
    AllocationErrorDismissed,
    LicenseActivated,
    LicenseReleased,
    LicensesUsersRemoved,
    LicensesOnlineRemoved,
    LicensesOfflineRemoved,
    LicensesMachinesRemoved,
    SessionTimedOut,
    OfflineLicenseExpired,
    PoolAdded,
    PoolChanged,
    PoolExpired,
    /// Rows changed outside the servers (an operator's SQL), found by the next change.
    ExternalChange,
}

/// Who made a change that names no signed-in person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agent {
    /// A licensed product, through the License API (an allocation it could not get).
    LicenseApi,
    /// The server itself, as time passed: expiries and timeouts.
    System,
    /// An operator, with `allot-server`'s commands or the database itself.
    Operator,
}

impl AuditAction {
    /// Who made the change when its entry names no person.
    pub fn agent(self) -> Agent {
        match self {
            Self::AllocationFailed => Agent::LicenseApi,
            Self::PoolAdded | Self::PoolChanged | Self::ExternalChange => Agent::Operator,
            _ => Agent::System,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_listed_once_and_reads_back_from_its_text() {
        let texts: std::collections::BTreeSet<&str> = AuditAction::ALL
            .iter()
            .map(|action| action.as_str())
            .collect();
        assert_eq!(texts.len(), AuditAction::ALL.len());
        for &action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
    }

    #[test]
    fn only_time_makes_system_changes() {
        assert_eq!(AuditAction::InvitationExpired.agent(), Agent::System);
        assert_eq!(AuditAction::SessionTimedOut.agent(), Agent::System);
        assert_eq!(AuditAction::AllocationFailed.agent(), Agent::LicenseApi);
        assert_eq!(AuditAction::PoolAdded.agent(), Agent::Operator);
    }
}
