//! The audit log: what a change did (its action), who did it (a person, or an agent when no
//! signed-in person did), what it touched (its subjects) and the sentence that says it all.
//! Each action is stored as its text (see `stored`); its detail is the JSON the server wrote
//! with it, whose shape is the action's.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{AccountId, Role, TeamRole, Timestamp, search};

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
    pub id: i64,
    pub at: Timestamp,
    /// The action's stored text (`members.removed`, ...).
    pub action: String,
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
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next, older page; absent after the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// The subjects an action's detail names, by kind and id, for the server to find their names.
pub fn subject_ids(action: AuditAction, detail: &Value) -> Vec<(SubjectKind, i64)> {
    let mut found = Vec::new();
    // `ids` names what the action is about; elsewhere a field's name says its kind.
    let ids_kind = match action {
        AuditAction::LicensesUsersRemoved => Some(SubjectKind::Member),
        AuditAction::LicensesOnlineRemoved | AuditAction::LicensesOfflineRemoved => {
            Some(SubjectKind::Activation)
        }
        AuditAction::LicensesMachinesRemoved => Some(SubjectKind::Machine),
        _ => None,
    };
    collect_ids(detail, ids_kind, &mut found);
    found.sort_unstable();
    found.dedup();
    found
}

fn collect_ids(value: &Value, ids_kind: Option<SubjectKind>, found: &mut Vec<(SubjectKind, i64)>) {
    let Value::Object(fields) = value else {
        if let Value::Array(items) = value {
            for item in items {
                collect_ids(item, ids_kind, found);
            }
        }
        return;
    };
    for (field, value) in fields {
        let kind = match field.as_str() {
            "member" | "member_id" | "members" | "added" | "removed" => Some(SubjectKind::Member),
            "product" | "product_id" | "products" | "previous_products" => {
                Some(SubjectKind::Product)
            }
            "group" => Some(SubjectKind::Group),
            "team" => Some(SubjectKind::Team),
            "activation" | "activations" => Some(SubjectKind::Activation),
            "ids" => ids_kind,
            _ => None,
        };
        match (kind, value) {
            (Some(kind), Value::Number(id)) => found.extend(id.as_i64().map(|id| (kind, id))),
            (Some(kind), Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::Number(id) => found.extend(id.as_i64().map(|id| (kind, id))),
                        // Objects in a list of members or activations: theirs is `id`.
                        Value::Object(inner) => {
                            found.extend(
                                inner.get("id").and_then(Value::as_i64).map(|id| (kind, id)),
                            );
                            collect_ids(item, ids_kind, found);
                        }
                        _ => {}
                    }
                }
            }
            _ => collect_ids(value, ids_kind, found),
        }
    }
}

/// Names of an entry's subjects, by kind and id: "#id" for one that could not be found.
/// Looked up in a map: a change may touch 10,000 members.
struct Names<'a>(HashMap<(SubjectKind, i64), &'a str>);

impl<'a> Names<'a> {
    fn new(subjects: &'a [AuditSubject]) -> Self {
        Self(
            subjects
                .iter()
                .map(|subject| ((subject.kind, subject.id), subject.name.as_str()))
                .collect(),
        )
    }

    fn of(&self, kind: SubjectKind, id: i64) -> String {
        self.0
            .get(&(kind, id))
            .map_or_else(|| format!("#{id}"), |name| (*name).to_owned())
    }

    /// The names of the ids in `value` (numbers, or objects with an `id`).
    fn list(&self, kind: SubjectKind, value: &Value) -> Vec<String> {
        value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_i64().or_else(|| item["id"].as_i64()))
                    .map(|id| self.of(kind, id))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// "Ana", "Ana and Bo", "Ana, Bo and Cy"; at most 5 named, then "and 7 more".
fn listed(names: &[String]) -> String {
    const SHOWN: usize = 5;
    match names {
        [] => String::new(),
        [one] => one.clone(),
        _ if names.len() > SHOWN => {
            format!(
                "{} and {} more",
                names[..SHOWN].join(", "),
                names.len() - SHOWN
            )
        }
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "1 user", "3 users", "1,000 addresses".
fn count(n: usize, noun: &str) -> String {
    let nouns = if noun.ends_with('s') {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    };
    crate::format::plural(n, noun, &nouns)
}

/// `one(name)` for a single name; "3 users: Ana, Bo and Cy" for more.
fn one_or_many(names: &[String], one: impl Fn(&str) -> String, noun: &str) -> String {
    match names {
        [name] => one(name),
        _ => format!("{}: {}", count(names.len(), noun), listed(names)),
    }
}

fn role_label(value: &Value) -> &'static str {
    value
        .as_str()
        .and_then(Role::parse)
        .map_or("another role", Role::label)
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// "+ Runtime Engine, − Studio": what a list of products gained and lost.
fn product_changes(names: &Names, before: &Value, after: &Value) -> String {
    let ids = |value: &Value| -> Vec<i64> {
        value
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    };
    let (before, after) = (ids(before), ids(after));
    let mut changes: Vec<String> = after
        .iter()
        .filter(|id| !before.contains(id))
        .map(|&id| format!("+ {}", names.of(SubjectKind::Product, id)))
        .collect();
    changes.extend(
        before
            .iter()
            .filter(|id| !after.contains(id))
            .map(|&id| format!("− {}", names.of(SubjectKind::Product, id))),
    );
    if changes.is_empty() {
        "no change".to_owned()
    } else {
        changes.join(", ")
    }
}

/// The change in one sentence, from its action, who made it, its detail and its subjects'
/// names.
pub fn summary(
    action: AuditAction,
    actor: &AuditActor,
    detail: &Value,
    subjects: &[AuditSubject],
) -> String {
    use AuditAction as A;
    use SubjectKind as K;
    let names = Names::new(subjects);
    let who = actor.name();
    let member = |field: &str| names.of(K::Member, detail[field].as_i64().unwrap_or_default());
    let product = |field: &str| names.of(K::Product, detail[field].as_i64().unwrap_or_default());
    let machines = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|item| match item["machine_id"].as_str() {
                        Some(machine) => machine.to_owned(),
                        None => names.of(K::Activation, item["id"].as_i64().unwrap_or_default()),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let emails = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .or(item["email"].as_str())
                            .unwrap_or("")
                            .to_owned()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    match action {
        A::InvitationsCreated => {
            let invited = emails(&detail["emails"]);
            let products = names.list(K::Product, &detail["products"]);
            let with = if products.is_empty() {
                String::new()
            } else {
                format!(", with {}", listed(&products))
            };
            let role = role_label(&detail["role"]);
            let whom = one_or_many(&invited, str::to_owned, "address");
            format!("{who} invited as {role}{with}: {whom}")
        }
        A::InvitationResent => format!("{who} resent the invitation of {}", text(&detail["email"])),
        A::InvitationsRevoked => {
            let revoked = emails(&detail["invitations"]);
            let what = one_or_many(
                &revoked,
                |one| format!("the invitation of {one}"),
                "invitation",
            );
            format!("{who} revoked {what}")
        }
        A::InvitationAccepted => format!(
            "{who} joined as {}, accepting the invitation of {}",
            role_label(&detail["role"]),
            text(&detail["email"])
        ),
        A::InvitationExpired => {
            let expired = emails(&detail["invitations"]);
            match expired.as_slice() {
                [one] => format!("The invitation of {one} expired"),
                _ => format!(
                    "{} expired: {}",
                    count(expired.len(), "invitation"),
                    listed(&expired)
                ),
            }
        }
        A::MembersRemoved | A::MembersRestored | A::LicensesUsersRemoved => {
            let field = if action == A::LicensesUsersRemoved {
                "ids"
            } else {
                "members"
            };
            let members = names.list(K::Member, &detail[field]);
            let whom = one_or_many(&members, str::to_owned, "user");
            match action {
                A::MembersRemoved => format!("{who} removed {whom}"),
                A::MembersRestored => format!("{who} restored {whom}"),
                _ => format!("{who} removed the licenses of {whom}"),
            }
        }
        A::MembersRoleChanged => {
            let members = names.list(K::Member, &detail["members"]);
            let role = role_label(&detail["role"]);
            match members.as_slice() {
                [one] => format!(
                    "{who} changed the role of {one} from {} to {role}",
                    role_label(&detail["members"][0]["previous_role"])
                ),
                _ => format!(
                    "{who} changed the role of {} to {role}",
                    one_or_many(&members, str::to_owned, "user")
                ),
            }
        }
        A::MembersExported => {
            let query = text(&detail["q"]);
            if query.is_empty() {
                format!("{who} exported the users")
            } else {
                format!("{who} exported the users matching “{query}”")
            }
        }
        A::TeamCreated => format!("{who} created the team {}", text(&detail["name"])),
        A::TeamRenamed => format!(
            "{who} renamed the team {} to {}",
            text(&detail["previous_name"]),
            text(&detail["name"])
        ),
        A::TeamDeleted => format!("{who} deleted the team {}", text(&detail["name"])),
        A::TeamMemberSet => {
            let role = detail["role"]
                .as_str()
                .and_then(TeamRole::parse)
                .map_or("member", TeamRole::label);
            format!(
                "{who} made {} a team {role} of {}",
                member("member"),
                names.of(K::Team, detail["team"].as_i64().unwrap_or_default())
            )
        }
        A::TeamMemberRemoved => format!(
            "{who} took {} out of the team {}",
            member("member"),
            names.of(K::Team, detail["team"].as_i64().unwrap_or_default())
        ),
        A::GroupCreated => format!(
            "{who} created the group {} with {}",
            text(&detail["name"]),
            count(detail["members"].as_array().map_or(0, Vec::len), "member")
        ),
        A::GroupUpdated => {
            let mut changes = Vec::new();
            if detail["previous_name"] != detail["name"] {
                changes.push(format!("renamed from {}", text(&detail["previous_name"])));
            }
            if detail["previous_role"] != detail["role"] {
                changes.push(match detail["role"].as_str() {
                    Some(_) => format!("grants {}", role_label(&detail["role"])),
                    None => "grants no role".to_owned(),
                });
            }
            let added = names.list(K::Member, &detail["added"]);
            if !added.is_empty() {
                changes.push(format!("+ {}", listed(&added)));
            }
            let removed = names.list(K::Member, &detail["removed"]);
            if !removed.is_empty() {
                changes.push(format!("− {}", listed(&removed)));
            }
            let changes = if changes.is_empty() {
                "no change".to_owned()
            } else {
                changes.join("; ")
            };
            format!(
                "{who} edited the group {}: {changes}",
                text(&detail["name"])
            )
        }
        A::GroupDeleted => format!("{who} deleted the group {}", text(&detail["name"])),
        A::GroupRuleSet => format!(
            "{who} changed the allocation rule of group {}: {}",
            names.of(K::Group, detail["group"].as_i64().unwrap_or_default()),
            product_changes(&names, &detail["previous_products"], &detail["products"])
        ),
        A::AllocationSet => {
            let mut sentence = format!(
                "{who} changed the license allocation of {}: {}",
                member("member"),
                product_changes(&names, &detail["previous"]["products"], &detail["products"])
            );
            if detail["previous"]["allocate_to_user"] != detail["allocate_to_user"] {
                let on = detail["allocate_to_user"].as_bool().unwrap_or_default();
                sentence.push_str(if on {
                    "; Allocate to User on"
                } else {
                    "; Allocate to User off"
                });
            }
            sentence
        }
        A::AllocationFailed => format!(
            "{who} could not allocate {} to {}: {}",
            product("product"),
            member("member"),
            text(&detail["reason"])
        ),
        A::AllocationErrorRetried => format!(
            "{who} allocated {} to {} again",
            product("product_id"),
            member("member_id")
        ),
        A::AllocationErrorDismissed => format!(
            "{who} dismissed the allocation error of {} for {}",
            product("product_id"),
            member("member_id")
        ),
        A::LicenseActivated => format!(
            "{who} activated {} {} on {}",
            product("product"),
            text(&detail["mode"]),
            text(&detail["machine_id"])
        ),
        A::LicenseReleased => match detail.get("released") {
            Some(released) => {
                let members = names.list(
                    K::Member,
                    &Value::Array(
                        released
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|r| r["member"].clone())
                            .collect(),
                    ),
                );
                format!(
                    "{who} released the licenses {} inherited from {}",
                    listed(&members),
                    names.of(K::Group, detail["group"].as_i64().unwrap_or_default())
                )
            }
            None => format!(
                "{who} released the license on {}",
                names.of(
                    K::Activation,
                    detail["activation"].as_i64().unwrap_or_default()
                )
            ),
        },
        A::LicensesOnlineRemoved => {
            let on = names.list(K::Activation, &detail["ids"]);
            let what = one_or_many(
                &on,
                |one| format!("the online session on {one}"),
                "online session",
            );
            format!("{who} removed {what}")
        }
        A::LicensesOfflineRemoved => {
            let on = names.list(K::Activation, &detail["ids"]);
            let what = one_or_many(
                &on,
                |one| format!("the offline license of {one}"),
                "offline license",
            );
            format!("{who} removed {what}")
        }
        A::LicensesMachinesRemoved => {
            let machines = names.list(K::Machine, &detail["ids"]);
            let what = one_or_many(
                &machines,
                |one| format!("the registered machine {one}"),
                "registered machine",
            );
            format!("{who} removed {what}")
        }
        A::SessionTimedOut => {
            let on = machines(&detail["activations"]);
            match on.as_slice() {
                [one] => format!("The session on {one} timed out"),
                _ => format!("{} timed out: {}", count(on.len(), "session"), listed(&on)),
            }
        }
        A::OfflineLicenseExpired => {
            let on = machines(&detail["activations"]);
            match on.as_slice() {
                [one] => format!("The offline license of {one} expired"),
                _ => format!(
                    "{} expired: {}",
                    count(on.len(), "offline license"),
                    listed(&on)
                ),
            }
        }
        A::PoolAdded => format!(
            "{who} added a pool of {} {} seats of {}",
            detail["seats"].as_i64().unwrap_or_default(),
            text(&detail["kind"]),
            product("product")
        ),
        A::PoolChanged => {
            let mut changes = Vec::new();
            if let Some(seats) = detail["seats"].as_i64() {
                changes.push(format!("{seats} seats"));
            }
            if let Some(until) = detail["expires_at"].as_i64() {
                changes.push(format!("until {}", &crate::csv::iso_datetime(until)[..10]));
            }
            format!(
                "{who} changed pool #{}: {}",
                detail["pool"].as_i64().unwrap_or_default(),
                changes.join(", ")
            )
        }
        A::PoolExpired => {
            let pools: Vec<String> = detail["pools"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|pool| {
                    format!(
                        "{} seats of {}",
                        pool["seats"].as_i64().unwrap_or_default(),
                        names.of(K::Product, pool["product"].as_i64().unwrap_or_default())
                    )
                })
                .collect();
            format!("{} expired: {}", count(pools.len(), "pool"), listed(&pools))
        }
        A::AuditExported => format!("{who} exported the audit log"),
        A::ExternalChange => format!("{who} changed data outside Allot"),
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

    #[test]
    fn sentences_name_who_did_what_to_whom() {
        let detail = serde_json::json!({ "members": [1, 2, 3] });
        assert_eq!(
            summary(AuditAction::MembersRemoved, &olivia(), &detail, &members()),
            "Olivia Owens removed 3 users: Ana Díaz, Bo Li and Cy Wu"
        );
        let detail = serde_json::json!({ "role": "admin",
            "members": [{ "id": 1, "previous_role": "member", "left_teams": [] }] });
        assert_eq!(
            summary(
                AuditAction::MembersRoleChanged,
                &olivia(),
                &detail,
                &members()
            ),
            "Olivia Owens changed the role of Ana Díaz from Member to Admin"
        );
        let detail = serde_json::json!({ "group": 9, "previous_products": [5], "products": [4] });
        let subjects = [
            subject(SubjectKind::Group, 9, "QA Leads"),
            subject(SubjectKind::Product, 4, "Runtime Engine"),
            subject(SubjectKind::Product, 5, "Studio"),
        ];
        assert_eq!(
            summary(AuditAction::GroupRuleSet, &olivia(), &detail, &subjects),
            "Olivia Owens changed the allocation rule of group QA Leads: + Runtime Engine, − Studio"
        );
        let detail = serde_json::json!({ "ids": [7] });
        let subjects = [subject(SubjectKind::Activation, 7, "QA-WS-0042")];
        assert_eq!(
            summary(
                AuditAction::LicensesOfflineRemoved,
                &olivia(),
                &detail,
                &subjects
            ),
            "Olivia Owens removed the offline license of QA-WS-0042"
        );
        let system = AuditActor::Agent {
            agent: Agent::System,
        };
        let detail = serde_json::json!({ "invitations": [{ "id": 3, "email": "a@x.example" }] });
        assert_eq!(
            summary(AuditAction::InvitationExpired, &system, &detail, &[]),
            "The invitation of a@x.example expired"
        );
        // A subject whose name could not be found is named by its id.
        let detail = serde_json::json!({ "members": [42] });
        assert_eq!(
            summary(AuditAction::MembersRestored, &olivia(), &detail, &[]),
            "Olivia Owens restored #42"
        );
    }

    #[test]
    fn the_subjects_of_a_detail_are_found_by_their_fields() {
        let detail = serde_json::json!({ "role": "admin",
            "members": [{ "id": 1, "previous_role": "member" }, { "id": 2 }] });
        assert_eq!(
            subject_ids(AuditAction::MembersRoleChanged, &detail),
            [(SubjectKind::Member, 1), (SubjectKind::Member, 2)]
        );
        let detail = serde_json::json!({ "ids": [7, 8] });
        assert_eq!(
            subject_ids(AuditAction::LicensesMachinesRemoved, &detail),
            [(SubjectKind::Machine, 7), (SubjectKind::Machine, 8)]
        );
        let detail =
            serde_json::json!({ "group": 3, "released": [{ "member": 5, "products": [2] }] });
        assert_eq!(
            subject_ids(AuditAction::LicenseReleased, &detail),
            [
                (SubjectKind::Member, 5),
                (SubjectKind::Product, 2),
                (SubjectKind::Group, 3)
            ]
        );
    }

    #[test]
    fn entries_are_found_by_who_what_and_whom_without_case_or_accents() {
        let entry = AuditEntry {
            id: 1,
            at: 0,
            action: AuditAction::MembersRemoved.as_str().into(),
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
    fn only_time_makes_system_changes() {
        assert_eq!(AuditAction::InvitationExpired.agent(), Agent::System);
        assert_eq!(AuditAction::SessionTimedOut.agent(), Agent::System);
        assert_eq!(AuditAction::AllocationFailed.agent(), Agent::LicenseApi);
        assert_eq!(AuditAction::PoolAdded.agent(), Agent::Operator);
    }
}
