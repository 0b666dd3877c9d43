//! What each change did, typed per action: the detail an entry is written with, the subjects
//! it names and its sentence. A new action is a variant here (with its `AuditAction`, which
//! `read` must match) and an arm in `subject_ids` and `sentence`: the compiler asks for each.
//! The detail is stored as the JSON of the variant's fields; entries written before a field
//! existed read it as its default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AuditAction, AuditActor, AuditSubject, SubjectKind, words::*};
use crate::{
    ActivationId, ActivationMode, GroupId, InvitationId, MachineId, MemberId, PoolId, ProductId,
    Role, TeamId, TeamRole, Timestamp,
    api::StatusFilter,
    licensing::{PoolKind, PoolUsage},
};

macro_rules! details {
    ($($variant:ident($ty:ty)),+ $(,)?) => {
        /// What one change did, with what its sentence and its subjects need: a variant per
        /// action, named as the action is.
        #[derive(Clone, Debug, PartialEq)]
        pub enum AuditDetail {
            $($variant($ty)),+
        }

        impl AuditDetail {
            pub fn action(&self) -> AuditAction {
                match self {
                    $(Self::$variant(_) => AuditAction::$variant),+
                }
            }

            /// The detail of an entry written as `action`, from its stored JSON.
            pub fn read(action: AuditAction, detail: Value) -> Result<Self, serde_json::Error> {
                match action {
                    $(AuditAction::$variant => serde_json::from_value(detail).map(Self::$variant)),+
                }
            }

            /// As it is stored: the variant's fields.
            pub fn to_json(&self) -> Value {
                let json = match self {
                    $(Self::$variant(detail) => serde_json::to_value(detail)),+
                };
                // Plain structs of numbers, text and lists: nothing fails to serialize.
                json.unwrap_or_default()
            }
        }
    };
}

details! {
    InvitationsCreated(Invited),
    InvitationResent(InvitationRef),
    InvitationsRevoked(Invitations),
    InvitationAccepted(Accepted),
    InvitationExpired(Invitations),
    MembersRemoved(Members),
    MembersRestored(Members),
    MembersRoleChanged(RoleChanged),
    MembersExported(MembersExported),
    TeamCreated(TeamNamed),
    TeamRenamed(TeamRenamed),
    TeamDeleted(TeamNamed),
    TeamMemberSet(TeamMembership),
    TeamMemberRemoved(TeamMembership),
    GroupCreated(GroupCreated),
    GroupUpdated(GroupUpdated),
    GroupDeleted(GroupNamed),
    GroupRuleSet(RuleSet),
    AllocationSet(AllocationSet),
    AllocationFailed(AllocationFailed),
    AllocationErrorRetried(ErrorClosed),
    AllocationErrorDismissed(ErrorClosed),
    LicenseActivated(Activated),
    LicenseReleased(Released),
    LicensesUsersRemoved(Removed<MemberId>),
    LicensesOnlineRemoved(Removed<ActivationId>),
    LicensesOfflineRemoved(Removed<ActivationId>),
    LicensesMachinesRemoved(Removed<MachineId>),
    SessionTimedOut(Ended),
    OfflineLicenseExpired(Ended),
    PoolAdded(PoolAdded),
    PoolChanged(PoolChanged),
    PoolExpired(PoolsExpired),
    AuditExported(AuditExported),
    ExternalChange(Nothing),
}

/// Invitations sent to `emails`, and the expired ones they replaced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Invited {
    pub emails: Vec<String>,
    pub role: Option<Role>,
    pub products: Vec<ProductId>,
    pub replaced_expired: Vec<InvitationId>,
}

/// One invitation, by its address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InvitationRef {
    pub id: InvitationId,
    pub email: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Invitations {
    pub invitations: Vec<InvitationRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Accepted {
    pub invitation_id: InvitationId,
    pub member_id: MemberId,
    pub email: String,
    pub role: Option<Role>,
    pub granted: Vec<ProductId>,
    pub not_granted: Vec<NotGranted>,
}

/// A product an accepted invitation offered but could not grant, and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotGranted {
    pub product: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Members {
    pub members: Vec<MemberId>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleChanged {
    pub role: Option<Role>,
    pub members: Vec<PreviousRole>,
}

/// A member whose role changed: what it was, and the teams they left (a Billing Manager is
/// in none).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreviousRole {
    pub id: MemberId,
    pub previous_role: Option<Role>,
    pub left_teams: Vec<String>,
}

/// Export Users: the tab and the search it exported.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MembersExported {
    pub status: StatusFilter,
    pub q: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamNamed {
    pub team: TeamId,
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamRenamed {
    pub team: TeamId,
    pub previous_name: String,
    pub name: String,
}

/// A member set in a team with a role, or taken out (no role).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamMembership {
    pub team: TeamId,
    pub member: MemberId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<TeamRole>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupCreated {
    pub group: GroupId,
    pub name: String,
    pub role: Option<Role>,
    pub members: Vec<MemberId>,
    #[serde(flatten)]
    pub settled: Settled,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupUpdated {
    pub group: GroupId,
    pub previous_name: String,
    pub name: String,
    pub previous_role: Option<Role>,
    pub role: Option<Role>,
    pub added: Vec<MemberId>,
    pub removed: Vec<MemberId>,
    #[serde(flatten)]
    pub settled: Settled,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupNamed {
    pub group: GroupId,
    pub name: String,
    #[serde(flatten)]
    pub settled: Settled,
}

/// A group's allocation rule, before and after.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleSet {
    pub group: GroupId,
    pub previous_products: Vec<ProductId>,
    pub products: Vec<ProductId>,
    #[serde(flatten)]
    pub settled: Settled,
}

/// A member's direct allocation, before and after.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AllocationSet {
    pub member: MemberId,
    pub previous: Allocation,
    pub allocate_to_user: bool,
    pub products: Vec<ProductId>,
    #[serde(flatten)]
    pub settled: Settled,
}

/// What a group or allocation change did to its members: those whose licenses or role
/// changed, and the inherited seats it freed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settled {
    pub members_changed: u32,
    pub seats_freed: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Allocation {
    pub allocate_to_user: bool,
    pub products: Vec<ProductId>,
}

/// An inherited license the License API could not get for a member.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AllocationFailed {
    pub member: MemberId,
    pub product: ProductId,
    pub reason: String,
}

/// An allocation error retried or dismissed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorClosed {
    pub member_id: MemberId,
    pub product_id: ProductId,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Activated {
    pub activation: ActivationId,
    pub member: MemberId,
    pub product: ProductId,
    pub machine_id: String,
    pub mode: Option<ActivationMode>,
}

/// Licenses released: members' inherited ones, from a group; or one session, by its product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Released {
    Inherited {
        group: GroupId,
        released: Vec<ReleasedFrom>,
    },
    Session {
        activation: ActivationId,
        member: MemberId,
    },
}

/// The products released from one member.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReleasedFrom {
    pub member: MemberId,
    pub products: Vec<ProductId>,
}

/// License Management's removals: what was removed, and the names of what the removal
/// deleted (offline licenses and machines), which no later look-up can find.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "Id: Deserialize<'de> + Ord"))]
pub struct Removed<Id> {
    #[serde(default = "Vec::new")]
    pub ids: Vec<Id>,
    #[serde(default = "BTreeMap::new", skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<Id, String>,
}

/// Sessions or offline licenses that time ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ended {
    pub activations: Vec<EndedActivation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndedActivation {
    pub id: ActivationId,
    pub member: MemberId,
    pub product: ProductId,
    pub machine_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoolAdded {
    pub pool: PoolId,
    pub product: ProductId,
    pub seats: u32,
    pub kind: PoolKind,
    pub usage: PoolUsage,
    pub expires_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolChanged {
    pub pool: PoolId,
    pub seats: Option<u32>,
    pub expires_at: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolsExpired {
    pub pools: Vec<ExpiredPool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExpiredPool {
    pub id: PoolId,
    pub product: ProductId,
    pub seats: i64,
}

/// An Audit Log export: its format and the filters it was asked with, as asked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditExported {
    pub format: String,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub q: Option<String>,
}

/// A change that says nothing more than its action.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Nothing {}

impl AuditDetail {
    /// What the change touched, by kind and id, for the server to find their names.
    pub fn subject_ids(&self) -> Vec<(SubjectKind, i64)> {
        use AuditDetail as D;
        use SubjectKind as K;
        let mut found = Found::default();
        match self {
            D::InvitationsCreated(d) => found.add(K::Product, d.products.iter().copied()),
            D::InvitationAccepted(d) => found.add(K::Member, [d.member_id]),
            D::InvitationResent(_)
            | D::InvitationsRevoked(_)
            | D::InvitationExpired(_)
            | D::MembersExported(_)
            | D::PoolChanged(_)
            | D::AuditExported(_)
            | D::ExternalChange(_) => {}
            D::MembersRemoved(d) | D::MembersRestored(d) => {
                found.add(K::Member, d.members.iter().copied())
            }
            D::MembersRoleChanged(d) => found.add(K::Member, d.members.iter().map(|m| m.id)),
            D::TeamCreated(d) | D::TeamDeleted(d) => found.add(K::Team, [d.team]),
            D::TeamRenamed(d) => found.add(K::Team, [d.team]),
            D::TeamMemberSet(d) | D::TeamMemberRemoved(d) => {
                found.add(K::Team, [d.team]);
                found.add(K::Member, [d.member]);
            }
            D::GroupCreated(d) => {
                found.add(K::Group, [d.group]);
                found.add(K::Member, d.members.iter().copied());
            }
            D::GroupUpdated(d) => {
                found.add(K::Group, [d.group]);
                found.add(K::Member, d.added.iter().chain(&d.removed).copied());
            }
            D::GroupDeleted(d) => found.add(K::Group, [d.group]),
            D::GroupRuleSet(d) => {
                found.add(K::Group, [d.group]);
                let products = d.previous_products.iter().chain(&d.products);
                found.add(K::Product, products.copied());
            }
            D::AllocationSet(d) => {
                found.add(K::Member, [d.member]);
                let products = d.previous.products.iter().chain(&d.products);
                found.add(K::Product, products.copied());
            }
            D::AllocationFailed(d) => {
                found.add(K::Member, [d.member]);
                found.add(K::Product, [d.product]);
            }
            D::AllocationErrorRetried(d) | D::AllocationErrorDismissed(d) => {
                found.add(K::Member, [d.member_id]);
                found.add(K::Product, [d.product_id]);
            }
            D::LicenseActivated(d) => {
                found.add(K::Activation, [d.activation]);
                found.add(K::Member, [d.member]);
                found.add(K::Product, [d.product]);
            }
            D::LicenseReleased(Released::Inherited { group, released }) => {
                found.add(K::Group, [*group]);
                for from in released {
                    found.add(K::Member, [from.member]);
                    found.add(K::Product, from.products.iter().copied());
                }
            }
            D::LicenseReleased(Released::Session { activation, member }) => {
                found.add(K::Activation, [*activation]);
                found.add(K::Member, [*member]);
            }
            D::LicensesUsersRemoved(d) => found.add(K::Member, d.ids.iter().copied()),
            D::LicensesOnlineRemoved(d) | D::LicensesOfflineRemoved(d) => {
                found.add(K::Activation, d.ids.iter().copied())
            }
            D::LicensesMachinesRemoved(d) => found.add(K::Machine, d.ids.iter().copied()),
            D::SessionTimedOut(d) | D::OfflineLicenseExpired(d) => {
                for ended in &d.activations {
                    found.add(K::Activation, [ended.id]);
                    found.add(K::Member, [ended.member]);
                    found.add(K::Product, [ended.product]);
                }
            }
            D::PoolAdded(d) => found.add(K::Product, [d.product]),
            D::PoolExpired(d) => found.add(K::Product, d.pools.iter().map(|p| p.product)),
        }
        let Found(mut found) = found;
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The subjects the detail names itself: what the change deleted, which cannot be looked
    /// up afterwards.
    pub fn named_subjects(&self) -> Vec<AuditSubject> {
        fn named<Id: Copy + Into<i64>>(
            kind: SubjectKind,
            names: &BTreeMap<Id, String>,
        ) -> Vec<AuditSubject> {
            (names.iter())
                .map(|(&id, name)| AuditSubject {
                    kind,
                    id: id.into(),
                    name: name.clone(),
                })
                .collect()
        }
        match self {
            Self::LicensesOnlineRemoved(d) | Self::LicensesOfflineRemoved(d) => {
                named(SubjectKind::Activation, &d.names)
            }
            Self::LicensesMachinesRemoved(d) => named(SubjectKind::Machine, &d.names),
            _ => Vec::new(),
        }
    }

    /// The change in one sentence, said of `actor`, with its subjects' names.
    pub fn sentence(&self, actor: &AuditActor, subjects: &[AuditSubject]) -> String {
        use AuditDetail as D;
        use SubjectKind as K;
        let names = Names::new(subjects);
        let who = actor.name();
        let members = |ids: &[MemberId]| names.list(K::Member, ids.iter().copied());
        let emails = |invitations: &[InvitationRef]| -> Vec<String> {
            invitations.iter().map(|i| i.email.clone()).collect()
        };
        // "removed the registered machine M1", or "removed 3 registered machines: ...".
        let removed = |what: Vec<String>, one: &dyn Fn(&str) -> String, noun: &str| {
            format!("{who} removed {}", one_or_many(&what, one, noun))
        };
        let machines = |ended: &[EndedActivation]| -> Vec<String> {
            ended.iter().map(|e| e.machine_id.clone()).collect()
        };
        match self {
            D::InvitationsCreated(d) => {
                let products = names.list(K::Product, d.products.iter().copied());
                let with = if products.is_empty() {
                    String::new()
                } else {
                    format!(", with {}", listed(&products))
                };
                let role = role_label(d.role);
                let whom = one_or_many(&d.emails, str::to_owned, "address");
                format!("{who} invited as {role}{with}: {whom}")
            }
            D::InvitationResent(d) => format!("{who} resent the invitation of {}", d.email),
            D::InvitationsRevoked(d) => {
                let what = one_or_many(
                    &emails(&d.invitations),
                    |one| format!("the invitation of {one}"),
                    "invitation",
                );
                format!("{who} revoked {what}")
            }
            D::InvitationAccepted(d) => format!(
                "{who} joined as {}, accepting the invitation of {}",
                role_label(d.role),
                d.email
            ),
            D::InvitationExpired(d) => match emails(&d.invitations).as_slice() {
                [one] => format!("The invitation of {one} expired"),
                expired => format!(
                    "{} expired: {}",
                    count(expired.len(), "invitation"),
                    listed(expired)
                ),
            },
            D::MembersRemoved(d) => {
                let whom = one_or_many(&members(&d.members), str::to_owned, "user");
                format!("{who} removed {whom}")
            }
            D::MembersRestored(d) => {
                let whom = one_or_many(&members(&d.members), str::to_owned, "user");
                format!("{who} restored {whom}")
            }
            D::LicensesUsersRemoved(d) => {
                let whom = one_or_many(&members(&d.ids), str::to_owned, "user");
                format!("{who} removed the licenses of {whom}")
            }
            D::MembersRoleChanged(d) => {
                let changed = names.list(K::Member, d.members.iter().map(|m| m.id));
                let role = role_label(d.role);
                match (changed.as_slice(), d.members.first()) {
                    ([one], Some(member)) => format!(
                        "{who} changed the role of {one} from {} to {role}",
                        role_label(member.previous_role)
                    ),
                    _ => format!(
                        "{who} changed the role of {} to {role}",
                        one_or_many(&changed, str::to_owned, "user")
                    ),
                }
            }
            D::MembersExported(d) => {
                if d.q.is_empty() {
                    format!("{who} exported the users")
                } else {
                    format!("{who} exported the users matching “{}”", d.q)
                }
            }
            D::TeamCreated(d) => format!("{who} created the team {}", d.name),
            D::TeamRenamed(d) => {
                format!("{who} renamed the team {} to {}", d.previous_name, d.name)
            }
            D::TeamDeleted(d) => format!("{who} deleted the team {}", d.name),
            D::TeamMemberSet(d) => format!(
                "{who} made {} a team {} of {}",
                names.of(K::Member, d.member),
                d.role.map_or("member", TeamRole::label),
                names.of(K::Team, d.team)
            ),
            D::TeamMemberRemoved(d) => format!(
                "{who} took {} out of the team {}",
                names.of(K::Member, d.member),
                names.of(K::Team, d.team)
            ),
            D::GroupCreated(d) => format!(
                "{who} created the group {} with {}",
                d.name,
                count(d.members.len(), "member")
            ),
            D::GroupUpdated(d) => {
                let mut changes = Vec::new();
                if d.previous_name != d.name {
                    changes.push(format!("renamed from {}", d.previous_name));
                }
                if d.previous_role != d.role {
                    changes.push(match d.role {
                        Some(role) => format!("grants {}", role.label()),
                        None => "grants no role".to_owned(),
                    });
                }
                let added = members(&d.added);
                if !added.is_empty() {
                    changes.push(format!("+ {}", listed(&added)));
                }
                let removed = members(&d.removed);
                if !removed.is_empty() {
                    changes.push(format!("− {}", listed(&removed)));
                }
                let changes = if changes.is_empty() {
                    "no change".to_owned()
                } else {
                    changes.join("; ")
                };
                format!("{who} edited the group {}: {changes}", d.name)
            }
            D::GroupDeleted(d) => format!("{who} deleted the group {}", d.name),
            D::GroupRuleSet(d) => format!(
                "{who} changed the allocation rule of group {}: {}",
                names.of(K::Group, d.group),
                product_changes(&names, &d.previous_products, &d.products)
            ),
            D::AllocationSet(d) => {
                let mut sentence = format!(
                    "{who} changed the license allocation of {}: {}",
                    names.of(K::Member, d.member),
                    product_changes(&names, &d.previous.products, &d.products)
                );
                if d.previous.allocate_to_user != d.allocate_to_user {
                    sentence.push_str(if d.allocate_to_user {
                        "; Allocate to User on"
                    } else {
                        "; Allocate to User off"
                    });
                }
                sentence
            }
            D::AllocationFailed(d) => format!(
                "{who} could not allocate {} to {}: {}",
                names.of(K::Product, d.product),
                names.of(K::Member, d.member),
                d.reason
            ),
            D::AllocationErrorRetried(d) => format!(
                "{who} allocated {} to {} again",
                names.of(K::Product, d.product_id),
                names.of(K::Member, d.member_id)
            ),
            D::AllocationErrorDismissed(d) => format!(
                "{who} dismissed the allocation error of {} for {}",
                names.of(K::Product, d.product_id),
                names.of(K::Member, d.member_id)
            ),
            D::LicenseActivated(d) => format!(
                "{who} activated {} {} on {}",
                names.of(K::Product, d.product),
                d.mode.map_or("", ActivationMode::as_str),
                d.machine_id
            ),
            D::LicenseReleased(Released::Inherited { group, released }) => format!(
                "{who} released the licenses {} inherited from {}",
                listed(&names.list(K::Member, released.iter().map(|r| r.member))),
                names.of(K::Group, *group)
            ),
            D::LicenseReleased(Released::Session { activation, .. }) => format!(
                "{who} released the license on {}",
                names.of(K::Activation, *activation)
            ),
            D::LicensesOnlineRemoved(d) => removed(
                names.list(K::Activation, d.ids.iter().copied()),
                &|one| format!("the online session on {one}"),
                "online session",
            ),
            D::LicensesOfflineRemoved(d) => removed(
                names.list(K::Activation, d.ids.iter().copied()),
                &|one| format!("the offline license of {one}"),
                "offline license",
            ),
            D::LicensesMachinesRemoved(d) => removed(
                names.list(K::Machine, d.ids.iter().copied()),
                &|one| format!("the registered machine {one}"),
                "registered machine",
            ),
            D::SessionTimedOut(d) => match machines(&d.activations).as_slice() {
                [one] => format!("The session on {one} timed out"),
                on => format!("{} timed out: {}", count(on.len(), "session"), listed(on)),
            },
            D::OfflineLicenseExpired(d) => match machines(&d.activations).as_slice() {
                [one] => format!("The offline license of {one} expired"),
                on => format!(
                    "{} expired: {}",
                    count(on.len(), "offline license"),
                    listed(on)
                ),
            },
            D::PoolAdded(d) => format!(
                "{who} added a pool of {} {} seats of {}",
                d.seats,
                d.kind.as_str(),
                names.of(K::Product, d.product)
            ),
            D::PoolChanged(d) => {
                let mut changes = Vec::new();
                if let Some(seats) = d.seats {
                    changes.push(format!("{seats} seats"));
                }
                if let Some(until) = d.expires_at {
                    changes.push(format!("until {}", crate::licensing::utc_date(until)));
                }
                format!("{who} changed pool #{}: {}", d.pool, changes.join(", "))
            }
            D::PoolExpired(d) => {
                let pools: Vec<String> = (d.pools.iter())
                    .map(|pool| {
                        format!(
                            "{} seats of {}",
                            pool.seats,
                            names.of(K::Product, pool.product)
                        )
                    })
                    .collect();
                format!("{} expired: {}", count(pools.len(), "pool"), listed(&pools))
            }
            D::AuditExported(_) => format!("{who} exported the audit log"),
            D::ExternalChange(_) => format!("{who} changed data outside Allot"),
        }
    }
}

/// Subjects found in a detail, by kind and id.
#[derive(Default)]
struct Found(Vec<(SubjectKind, i64)>);

impl Found {
    fn add<Id: Into<i64>>(&mut self, kind: SubjectKind, ids: impl IntoIterator<Item = Id>) {
        self.0.extend(ids.into_iter().map(|id| (kind, id.into())));
    }
}
