//! The audit log: what a change did (its action), who did it (a person, or an agent when no
//! signed-in person did), what it touched (its subjects) and the sentence that says it all.
//! Each action is stored as its text (see `stored`); its detail (`detail::AuditDetail`) as the
//! JSON of its typed fields.

mod detail;
mod words;

use serde::{Deserialize, Serialize};

pub use detail::*;

use crate::{AccountId, AuditEntryId, Timestamp, search};

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
    /// The audit log itself was exported (it holds personal data).
    AuditExported,
    /// Rows changed outside the servers (an operator's SQL), found by the next change.
    ExternalChange,
}

/// Who made a change that names no signed-in person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Agent {
    /// A licensed product, through the License API (an allocation it could not get).
    LicenseApi,
    /// The server itself, as time passed: expiries and timeouts.
    System,
    /// An operator, with `allot-server`'s commands or the database itself.
    Operator,
}

impl Agent {
    /// How an entry names it, at the start of a sentence.
    pub fn label(self) -> &'static str {
        match self {
            Self::LicenseApi => "The License API",
            Self::System => "The system",
            Self::Operator => "An operator",
        }
    }
}

/// Whose changes the Audit Log shows: a person's (by account), or an agent's. In URLs and
/// the API's `actor` parameter: the account id, or the agent's text (`system`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorFilter {
    Person(AccountId),
    Agent(Agent),
}

impl ActorFilter {
    pub fn parse(text: &str) -> Option<Self> {
        Agent::parse(text)
            .map(Self::Agent)
            .or_else(|| text.parse().ok().map(Self::Person))
    }

    pub fn to_text(self) -> String {
        match self {
            Self::Person(account) => account.to_string(),
            Self::Agent(agent) => agent.as_str().to_owned(),
        }
    }

    /// Whether `actor` made the changes it shows.
    pub fn admits(self, actor: &AuditActor) -> bool {
        match (self, actor) {
            (Self::Person(wanted), AuditActor::Person { account_id, .. }) => wanted == *account_id,
            (Self::Agent(wanted), AuditActor::Agent { agent }) => wanted == *agent,
            _ => false,
        }
    }
}

/// Who made a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditActor {
    Person {
        account_id: AccountId,
        name: String,
        email: String,
    },
    Agent {
        agent: Agent,
    },
}

impl AuditActor {
    /// How a sentence names them.
    pub fn name(&self) -> &str {
        match self {
            Self::Person { name, .. } => name,
            Self::Agent { agent } => agent.label(),
        }
    }
}

/// What kind of thing an entry touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Member,
    Product,
    Group,
    Team,
    /// A session or an offline license, named by its machine.
    Activation,
    /// A registered machine.
    Machine,
}

/// Something an entry touched, with its name when the change was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditSubject {
    pub kind: SubjectKind,
    pub id: i64,
    pub name: String,
}

/// One entry of the audit log, as the API lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: AuditEntryId,
    pub at: Timestamp,
    /// The action's stored text (`members.removed`, ...).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub action: AuditAction,
    pub actor: AuditActor,
    /// The change in one sentence: "Olivia Owens removed 3 users: ...".
    pub summary: String,
    pub subjects: Vec<AuditSubject>,
}

impl AuditEntry {
    /// Who, what and whom, folded for case- and accent-insensitive search.
    pub fn search_key(&self) -> String {
        let email = match &self.actor {
            AuditActor::Person { email, .. } => email.as_str(),
            AuditActor::Agent { .. } => "",
        };
        let names: Vec<&str> = self.subjects.iter().map(|s| s.name.as_str()).collect();
        search::search_key(&[&[self.summary.as_str(), email], names.as_slice()].concat())
    }
}

/// A page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    #[serde(deserialize_with = "readable_entries")]
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next, older page; absent after the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<AuditEntryId>,
}

/// The entries this build can read: one of a newer server's actions (a console cached from
/// before an upgrade) is left out instead of failing the whole page.
fn readable_entries<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<AuditEntry>, D::Error> {
    let entries = Vec::<serde_json::Value>::deserialize(deserializer)?;
    Ok((entries.into_iter())
        .filter_map(|entry| serde_json::from_value(entry).ok())
        .collect())
}

/// An entry this build can read, or none (see `readable_entries`): a change event is applied
/// whatever its entry says.
pub fn readable_entry<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<AuditEntry>, D::Error> {
    let entry = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(entry.and_then(|entry| serde_json::from_value(entry).ok()))
}

/// As its text, in the API as in the database.
impl Serialize for AuditAction {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AuditAction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown audit action “{text}”")))
    }
}

impl AuditAction {
    /// How the Audit Log's filter names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::InvitationsCreated => "Invitations sent",
            Self::InvitationResent => "Invitation resent",
            Self::InvitationsRevoked => "Invitations revoked",
            Self::InvitationAccepted => "Invitation accepted",
            Self::InvitationExpired => "Invitation expired",
            Self::MembersRemoved => "Users removed",
            Self::MembersRestored => "Users restored",
            Self::MembersRoleChanged => "Role changed",
            Self::MembersExported => "Users exported",
            Self::TeamCreated => "Team created",
            Self::TeamRenamed => "Team renamed",
            Self::TeamDeleted => "Team deleted",
            Self::TeamMemberSet => "Team member added or changed",
            Self::TeamMemberRemoved => "Team member removed",
            Self::GroupCreated => "Group created",
            Self::GroupUpdated => "Group edited",
            Self::GroupDeleted => "Group deleted",
            Self::GroupRuleSet => "Group allocation rule changed",
            Self::AllocationSet => "License allocation changed",
            Self::AllocationFailed => "License could not be allocated",
            Self::AllocationErrorRetried => "Allocation retried",
            Self::AllocationErrorDismissed => "Allocation error dismissed",
            Self::LicenseActivated => "License activated",
            Self::LicenseReleased => "License released",
            Self::LicensesUsersRemoved => "Licensed users removed",
            Self::LicensesOnlineRemoved => "Online licenses removed",
            Self::LicensesOfflineRemoved => "Offline licenses removed",
            Self::LicensesMachinesRemoved => "Registered machines removed",
            Self::SessionTimedOut => "Session timed out",
            Self::OfflineLicenseExpired => "Offline license expired",
            Self::PoolAdded => "Pool added",
            Self::PoolChanged => "Pool changed",
            Self::PoolExpired => "Pool expired",
            Self::AuditExported => "Audit log exported",
            Self::ExternalChange => "Changed outside Allot",
        }
    }

    /// The sentence of an entry whose detail no longer reads (written by hand, or by a
    /// build that never shipped): who, and the action's name.
    pub fn bare_sentence(self, actor: &AuditActor) -> String {
        format!("{}: {}", actor.name(), self.label())
    }

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
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
    }

    fn olivia() -> AuditActor {
        AuditActor::Person {
            account_id: AccountId(1),
            name: "Olivia Owens".into(),
            email: "olivia@example.com".into(),
        }
    }

    fn subject(kind: SubjectKind, id: i64, name: &str) -> AuditSubject {
        AuditSubject {
            kind,
            id,
            name: name.into(),
        }
    }

    fn members() -> Vec<AuditSubject> {
        ["Ana Díaz", "Bo Li", "Cy Wu"]
            .iter()
            .enumerate()
            .map(|(i, name)| subject(SubjectKind::Member, i as i64 + 1, name))
            .collect()
    }

    /// The detail as the server stores it, read back as the action's.
    fn stored(action: AuditAction, detail: serde_json::Value) -> AuditDetail {
        let read = AuditDetail::read(action, detail.clone()).expect("reads");
        assert_eq!(read.action(), action);
        assert_eq!(read.to_json(), detail, "written as it was read");
        read
    }

    #[test]
    fn sentences_name_who_did_what_to_whom() {
        let say = |action, detail, subjects: &[AuditSubject]| {
            stored(action, detail).sentence(&olivia(), subjects)
        };
        assert_eq!(
            say(
                AuditAction::MembersRemoved,
                serde_json::json!({ "members": [1, 2, 3] }),
                &members()
            ),
            "Olivia Owens removed 3 users: Ana Díaz, Bo Li and Cy Wu"
        );
        let detail = serde_json::json!({ "role": "admin",
            "members": [{ "id": 1, "previous_role": "member", "left_teams": [] }] });
        assert_eq!(
            say(AuditAction::MembersRoleChanged, detail, &members()),
            "Olivia Owens changed the role of Ana Díaz from Member to Admin"
        );
        let detail = serde_json::json!({ "group": 9, "previous_products": [5], "products": [4],
            "members_changed": 2, "seats_freed": 0 });
        let subjects = [
            subject(SubjectKind::Group, 9, "QA Leads"),
            subject(SubjectKind::Product, 4, "Runtime Engine"),
            subject(SubjectKind::Product, 5, "Studio"),
        ];
        assert_eq!(
            say(AuditAction::GroupRuleSet, detail, &subjects),
            "Olivia Owens changed the allocation rule of group QA Leads: + Runtime Engine, − Studio"
        );
        let detail = serde_json::json!({ "ids": [7] });
        let subjects = [subject(SubjectKind::Activation, 7, "QA-WS-0042")];
        assert_eq!(
            say(AuditAction::LicensesOfflineRemoved, detail, &subjects),
            "Olivia Owens removed the offline license of QA-WS-0042"
        );
        let system = AuditActor::Agent {
            agent: Agent::System,
        };
        let detail = serde_json::json!({ "invitations": [{ "id": 3, "email": "a@x.example" }] });
        assert_eq!(
            stored(AuditAction::InvitationExpired, detail).sentence(&system, &[]),
            "The invitation of a@x.example expired"
        );
        // A subject whose name could not be found is named by its id.
        assert_eq!(
            say(
                AuditAction::MembersRestored,
                serde_json::json!({ "members": [42] }),
                &[]
            ),
            "Olivia Owens restored #42"
        );
    }

    #[test]
    fn entries_written_before_a_field_existed_still_read() {
        // Role changes before `left_teams`; a removal before the names of what it deleted.
        let detail = serde_json::json!({ "role": "admin", "members": [{ "id": 1, "previous_role": "member" }] });
        let read = AuditDetail::read(AuditAction::MembersRoleChanged, detail).unwrap();
        assert_eq!(
            read.sentence(&olivia(), &members()),
            "Olivia Owens changed the role of Ana Díaz from Member to Admin"
        );
        let read = AuditDetail::read(
            AuditAction::LicensesMachinesRemoved,
            serde_json::json!({ "ids": [3] }),
        )
        .unwrap();
        assert_eq!(
            read.sentence(&olivia(), &[]),
            "Olivia Owens removed the registered machine #3"
        );
        assert!(read.named_subjects().is_empty());
    }

    #[test]
    fn the_subjects_of_a_detail_are_its_typed_fields() {
        let detail = serde_json::json!({ "role": "admin",
            "members": [{ "id": 1, "previous_role": "member", "left_teams": [] },
                        { "id": 2, "previous_role": "admin", "left_teams": ["QA"] }] });
        assert_eq!(
            stored(AuditAction::MembersRoleChanged, detail).subject_ids(),
            [(SubjectKind::Member, 1), (SubjectKind::Member, 2)]
        );
        let detail = serde_json::json!({ "ids": [7, 8], "names": { "7": "QA-WS-1" } });
        let removal = stored(AuditAction::LicensesMachinesRemoved, detail);
        assert_eq!(
            removal.subject_ids(),
            [(SubjectKind::Machine, 7), (SubjectKind::Machine, 8)]
        );
        assert_eq!(
            removal.named_subjects(),
            [subject(SubjectKind::Machine, 7, "QA-WS-1")]
        );
        let detail =
            serde_json::json!({ "group": 3, "released": [{ "member": 5, "products": [2] }] });
        assert_eq!(
            stored(AuditAction::LicenseReleased, detail).subject_ids(),
            [
                (SubjectKind::Member, 5),
                (SubjectKind::Product, 2),
                (SubjectKind::Group, 3)
            ]
        );
        let detail = serde_json::json!({ "activation": 4, "member": 5 });
        assert_eq!(
            stored(AuditAction::LicenseReleased, detail).subject_ids(),
            [(SubjectKind::Member, 5), (SubjectKind::Activation, 4)]
        );
    }

    #[test]
    fn entries_are_found_by_who_what_and_whom_without_case_or_accents() {
        let entry = AuditEntry {
            id: AuditEntryId(1),
            at: 0,
            action: AuditAction::MembersRemoved,
            actor: olivia(),
            summary: "Olivia Owens removed Ana Díaz".into(),
            subjects: members(),
        };
        let key = entry.search_key();
        for query in ["olivia@example", "ANA DIAZ", "removed", "cy wu"] {
            assert!(
                crate::search::SearchQuery::new(query).matches(&key),
                "{query}"
            );
        }
    }

    #[test]
    fn an_action_this_build_does_not_know_leaves_out_its_entry_only() {
        let entry = |action: &str| {
            serde_json::json!({ "id": 1, "at": 0, "action": action, "summary": "s",
                "actor": { "kind": "agent", "agent": "system" }, "subjects": [] })
        };
        let page: AuditPage = serde_json::from_value(serde_json::json!({
            "entries": [entry("members.removed"), entry("accounts.renamed_by_a_newer_server")]
        }))
        .unwrap();
        assert_eq!(page.entries.len(), 1);
        let event: crate::ChangeEvent = serde_json::from_value(serde_json::json!({
            "seq": 3, "audit": entry("accounts.renamed_by_a_newer_server")
        }))
        .unwrap();
        assert_eq!((event.seq, event.audit), (3, None));
    }

    #[test]
    fn only_time_makes_system_changes() {
        assert_eq!(AuditAction::InvitationExpired.agent(), Agent::System);
        assert_eq!(AuditAction::SessionTimedOut.agent(), Agent::System);
        assert_eq!(AuditAction::AllocationFailed.agent(), Agent::LicenseApi);
        assert_eq!(AuditAction::PoolAdded.agent(), Agent::Operator);
    }
}
