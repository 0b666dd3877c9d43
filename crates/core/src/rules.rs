//! Who may change whose role, remove or restore whom, and who may be in a team.
//!
//! The server enforces these; the console calls the same functions to disable and explain
//! what would be refused before anything is sent.

use crate::{MemberId, Role};

/// The member making a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub id: MemberId,
    pub role: Role,
}

/// The member a change is about, with their own role and the highest role their groups grant
/// them, if any. (A separate type from [`Actor`] so that the two cannot be swapped by
/// accident.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub id: MemberId,
    pub role: Role,
    pub group_role: Option<Role>,
}

impl Target {
    /// A member no group grants a role to.
    pub fn new(id: MemberId, role: Role) -> Self {
        Self {
            id,
            role,
            group_role: None,
        }
    }
}

/// Why a change is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleViolation {
    NotAManager,
    OwnRole,
    OwnerRoleByNonOwner,
    LastOwner,
    RemoveSelf,
    RemoveOwnerByNonOwner,
    RestoreOwnerByNonOwner,
    BillingManagerInTeam,
    RoleFromGroup,
}

impl RuleViolation {
    /// Stable and machine-readable, as in the API's errors.
    pub fn code(self) -> &'static str {
        match self {
            RuleViolation::NotAManager => "forbidden",
            RuleViolation::OwnRole => "own_role",
            RuleViolation::OwnerRoleByNonOwner
            | RuleViolation::RemoveOwnerByNonOwner
            | RuleViolation::RestoreOwnerByNonOwner => "owner_only",
            RuleViolation::LastOwner => "last_owner",
            RuleViolation::RemoveSelf => "remove_self",
            RuleViolation::BillingManagerInTeam => "billing_manager_in_team",
            RuleViolation::RoleFromGroup => "role_from_group",
        }
    }

    /// The rule, in plain words.
    pub fn message(self) -> &'static str {
        match self {
            RuleViolation::NotAManager => {
                "Only the Owner and Admins can change roles or remove members."
            }
            RuleViolation::OwnRole => {
                "Nobody can change their own role; another Owner or Admin has to."
            }
            RuleViolation::OwnerRoleByNonOwner => {
                "Only an Owner can make someone an Owner or change an Owner's role."
            }
            RuleViolation::LastOwner => "There must always be at least one Owner.",
            RuleViolation::RemoveSelf => {
                "Nobody can remove themselves here; another Owner or Admin has to."
            }
            RuleViolation::RemoveOwnerByNonOwner => "Only an Owner can remove an Owner.",
            RuleViolation::RestoreOwnerByNonOwner => "Only an Owner can bring back an Owner.",
            RuleViolation::BillingManagerInTeam => "Billing Managers cannot be in a team.",
            RuleViolation::RoleFromGroup => {
                "A group this member is in grants them a higher role; take them out of that \
                 group (Groups tab) first."
            }
        }
    }
}

/// Whether `actor` may give active member `target` the role `new_role` while the
/// organization has `active_owners` active Owners. Giving someone the role they already
/// have changes nothing and is allowed (except to oneself, whose row the console disables).
pub fn check_role_change(
    actor: Actor,
    target: Target,
    new_role: Role,
    active_owners: usize,
) -> Result<(), RuleViolation> {
    if !actor.role.manages_organization() {
        return Err(RuleViolation::NotAManager);
    }
    if actor.id == target.id {
        return Err(RuleViolation::OwnRole);
    }
    if target.role == new_role {
        return Ok(());
    }
    if (target.role == Role::Owner || new_role == Role::Owner) && !actor.role.may_grant(Role::Owner)
    {
        return Err(RuleViolation::OwnerRoleByNonOwner);
    }
    if target.role == Role::Owner && active_owners <= 1 {
        return Err(RuleViolation::LastOwner);
    }
    // A lower role of their own would change nothing they can do while a group grants more:
    // refused, so that nobody keeps acting with a role the console no longer shows them in.
    if target.group_role.is_some_and(|granted| granted < new_role) {
        return Err(RuleViolation::RoleFromGroup);
    }
    Ok(())
}

/// Whether `actor` may remove active member `target` while the organization has
/// `active_owners` active Owners.
pub fn check_removal(
    actor: Actor,
    target: Target,
    active_owners: usize,
) -> Result<(), RuleViolation> {
    if !actor.role.manages_organization() {
        return Err(RuleViolation::NotAManager);
    }
    if actor.id == target.id {
        return Err(RuleViolation::RemoveSelf);
    }
    if target.role == Role::Owner && actor.role != Role::Owner {
        return Err(RuleViolation::RemoveOwnerByNonOwner);
    }
    if target.role == Role::Owner && active_owners <= 1 {
        return Err(RuleViolation::LastOwner);
    }
    Ok(())
}

/// Whether `actor` may undo the removal of `target`: bringing back an Owner grants the
/// Owner role, which only an Owner does.
pub fn check_restore(actor: Actor, target: Target) -> Result<(), RuleViolation> {
    if !actor.role.manages_organization() {
        return Err(RuleViolation::NotAManager);
    }
    if !actor.role.may_grant(target.role) {
        return Err(RuleViolation::RestoreOwnerByNonOwner);
    }
    Ok(())
}

/// Whether a member of this role can be in a team: Billing Managers cannot, so making a
/// team member Billing Manager takes them out of their teams.
pub fn check_team_member(role: Role) -> Result<(), RuleViolation> {
    match role {
        Role::BillingManager => Err(RuleViolation::BillingManagerInTeam),
        _ => Ok(()),
    }
}

/// The checks of a bulk change, one target at a time in the order given: each allowed
/// change counts as done, so demoting or removing every Owner at once is refused for the
/// one that would leave none.
#[derive(Clone, Debug)]
pub struct Batch {
    actor: Actor,
    active_owners: usize,
}

impl Batch {
    pub fn new(actor: Actor, active_owners: usize) -> Self {
        Self {
            actor,
            active_owners,
        }
    }

    pub fn change_role(&mut self, target: Target, new_role: Role) -> Result<(), RuleViolation> {
        check_role_change(self.actor, target, new_role, self.active_owners)?;
        match (target.role == Role::Owner, new_role == Role::Owner) {
            (true, false) => self.active_owners -= 1,
            (false, true) => self.active_owners += 1,
            _ => {}
        }
        Ok(())
    }

    pub fn remove(&mut self, target: Target) -> Result<(), RuleViolation> {
        check_removal(self.actor, target, self.active_owners)?;
        if target.role == Role::Owner {
            self.active_owners -= 1;
        }
        Ok(())
    }
}

/// A team's name as stored: trimmed, 1 to [`TEAM_NAME_MAX_CHARS`] characters; `None` when
/// that leaves nothing or too much.
pub fn team_name(raw: &str) -> Option<&str> {
    let name = raw.trim();
    (!name.is_empty() && name.chars().count() <= TEAM_NAME_MAX_CHARS).then_some(name)
}

pub const TEAM_NAME_MAX_CHARS: usize = 80;

/// The longest group name, in characters (trimmed names of 1 to this many are taken).
pub const GROUP_NAME_MAX_CHARS: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use proptest::prelude::*;

    const OWNER: Actor = Actor {
        id: MemberId(1),
        role: Role::Owner,
    };
    const ADMIN: Actor = Actor {
        id: MemberId(2),
        role: Role::Admin,
    };

    fn target(id: MemberId, role: Role) -> Target {
        Target::new(id, role)
    }

    #[test]
    fn a_role_a_group_grants_cannot_be_taken_away_by_a_lower_own_role() {
        let raised = Target {
            id: MemberId(9),
            role: Role::Admin,
            group_role: Some(Role::Admin),
        };
        for to in [Role::Member, Role::BillingManager] {
            assert_eq!(
                check_role_change(OWNER, raised, to, 1),
                Err(RuleViolation::RoleFromGroup)
            );
        }
        // Raising above the group's role, or to it, is a real change.
        assert_eq!(check_role_change(OWNER, raised, Role::Owner, 1), Ok(()));
        let member = Target {
            role: Role::Member,
            ..raised
        };
        assert_eq!(check_role_change(ADMIN, member, Role::Admin, 1), Ok(()));
        assert_eq!(RuleViolation::RoleFromGroup.code(), "role_from_group");
    }

    #[test]
    fn nobody_changes_their_own_role() {
        let own = target(OWNER.id, Role::Owner);
        assert_eq!(
            check_role_change(OWNER, own, Role::Admin, 3),
            Err(RuleViolation::OwnRole)
        );
        assert_eq!(
            check_role_change(ADMIN, target(ADMIN.id, Role::Admin), Role::Member, 1),
            Err(RuleViolation::OwnRole)
        );
    }

    #[test]
    fn only_an_owner_grants_or_takes_away_owner() {
        let member = target(MemberId(9), Role::Member);
        let owner = target(MemberId(8), Role::Owner);
        assert_eq!(
            check_role_change(ADMIN, member, Role::Owner, 1),
            Err(RuleViolation::OwnerRoleByNonOwner)
        );
        assert_eq!(
            check_role_change(ADMIN, owner, Role::Member, 2),
            Err(RuleViolation::OwnerRoleByNonOwner)
        );
        assert_eq!(check_role_change(OWNER, member, Role::Owner, 1), Ok(()));
        assert_eq!(check_role_change(OWNER, owner, Role::Admin, 2), Ok(()));
    }

    #[test]
    fn an_admin_sets_the_other_roles_on_non_owners() {
        for from in [Role::Admin, Role::Member, Role::BillingManager] {
            for to in [Role::Admin, Role::Member, Role::BillingManager] {
                assert_eq!(
                    check_role_change(ADMIN, target(MemberId(9), from), to, 1),
                    Ok(())
                );
            }
        }
    }

    #[test]
    fn the_last_owner_keeps_the_role() {
        let other_owner = target(MemberId(8), Role::Owner);
        assert_eq!(
            check_role_change(OWNER, other_owner, Role::Admin, 1),
            Err(RuleViolation::LastOwner)
        );
        assert_eq!(RuleViolation::LastOwner.code(), "last_owner");
        assert_eq!(
            RuleViolation::LastOwner.message(),
            "There must always be at least one Owner."
        );
    }

    #[test]
    fn giving_the_same_role_changes_nothing_and_is_allowed() {
        assert_eq!(
            check_role_change(ADMIN, target(MemberId(8), Role::Owner), Role::Owner, 1),
            Ok(())
        );
    }

    #[test]
    fn only_managers_change_anything() {
        for role in [Role::Member, Role::BillingManager] {
            let actor = Actor {
                id: MemberId(5),
                role,
            };
            let member = target(MemberId(9), Role::Member);
            assert_eq!(
                check_role_change(actor, member, Role::Admin, 1),
                Err(RuleViolation::NotAManager)
            );
            assert_eq!(
                check_removal(actor, member, 1),
                Err(RuleViolation::NotAManager)
            );
            assert_eq!(
                check_restore(actor, member),
                Err(RuleViolation::NotAManager)
            );
        }
        assert_eq!(RuleViolation::NotAManager.code(), "forbidden");
    }

    #[test]
    fn a_batch_demoting_every_owner_refuses_the_last() {
        // The organization's only two Owners, demoted at once.
        let owners = [
            target(MemberId(7), Role::Owner),
            target(MemberId(8), Role::Owner),
        ];
        let mut batch = Batch::new(OWNER, 2);
        assert_eq!(batch.change_role(owners[0], Role::Admin), Ok(()));
        assert_eq!(
            batch.change_role(owners[1], Role::Member),
            Err(RuleViolation::LastOwner)
        );
    }

    #[test]
    fn a_batch_counts_owners_it_grants() {
        let mut batch = Batch::new(OWNER, 1);
        assert_eq!(
            batch.change_role(target(MemberId(9), Role::Member), Role::Owner),
            Ok(())
        );
        assert_eq!(
            batch.change_role(target(MemberId(8), Role::Owner), Role::Admin),
            Ok(())
        );
    }

    #[test]
    fn removal_rules() {
        assert_eq!(
            check_removal(OWNER, target(OWNER.id, Role::Owner), 2),
            Err(RuleViolation::RemoveSelf)
        );
        assert_eq!(
            check_removal(ADMIN, target(ADMIN.id, Role::Admin), 1),
            Err(RuleViolation::RemoveSelf)
        );
        assert_eq!(
            check_removal(ADMIN, target(MemberId(8), Role::Owner), 2),
            Err(RuleViolation::RemoveOwnerByNonOwner)
        );
        assert_eq!(
            check_removal(OWNER, target(MemberId(8), Role::Owner), 2),
            Ok(())
        );
        assert_eq!(
            check_removal(OWNER, target(MemberId(8), Role::Owner), 1),
            Err(RuleViolation::LastOwner)
        );
        for role in [Role::Admin, Role::Member, Role::BillingManager] {
            assert_eq!(check_removal(ADMIN, target(MemberId(9), role), 1), Ok(()));
        }
    }

    #[test]
    fn a_batch_removing_every_owner_refuses_the_last() {
        let mut batch = Batch::new(OWNER, 2);
        assert_eq!(batch.remove(target(MemberId(8), Role::Owner)), Ok(()));
        assert_eq!(
            batch.remove(target(MemberId(7), Role::Owner)),
            Err(RuleViolation::LastOwner)
        );
        assert_eq!(batch.remove(target(MemberId(9), Role::Member)), Ok(()));
    }

    #[test]
    fn only_an_owner_brings_back_an_owner() {
        assert_eq!(
            check_restore(ADMIN, target(MemberId(8), Role::Owner)),
            Err(RuleViolation::RestoreOwnerByNonOwner)
        );
        assert_eq!(
            check_restore(OWNER, target(MemberId(8), Role::Owner)),
            Ok(())
        );
        assert_eq!(
            check_restore(ADMIN, target(MemberId(9), Role::Member)),
            Ok(())
        );
    }

    #[test]
    fn billing_managers_stay_out_of_teams() {
        assert_eq!(
            check_team_member(Role::BillingManager),
            Err(RuleViolation::BillingManagerInTeam)
        );
        assert_eq!(
            RuleViolation::BillingManagerInTeam.message(),
            "Billing Managers cannot be in a team."
        );
        for role in [Role::Owner, Role::Admin, Role::Member] {
            assert_eq!(check_team_member(role), Ok(()));
        }
    }

    #[test]
    fn team_names_are_trimmed_and_bounded() {
        assert_eq!(team_name("  QA Core \n"), Some("QA Core"));
        assert_eq!(team_name(" \t "), None);
        assert_eq!(team_name(&"é".repeat(80)), Some("é".repeat(80).as_str()));
        assert_eq!(team_name(&"é".repeat(81)), None);
    }

    #[derive(Clone, Debug)]
    enum Change {
        Role {
            actor: usize,
            target: usize,
            role: Role,
        },
        Remove {
            actor: usize,
            target: usize,
        },
    }

    fn role() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    fn change(members: usize) -> impl Strategy<Value = Change> {
        prop_oneof![
            (0..members, 0..members, role()).prop_map(|(actor, target, role)| Change::Role {
                actor,
                target,
                role
            }),
            (0..members, 0..members).prop_map(|(actor, target)| Change::Remove { actor, target }),
        ]
    }

    proptest! {
        #[test]
        fn allowed_changes_always_leave_an_owner(
            others in prop::collection::vec(role(), 0..8),
            changes in prop::collection::vec(change(9), 0..60),
        ) {
            // Member 0 is an Owner; `None` marks a removed member.
            let mut roles: Vec<Option<Role>> = std::iter::once(Role::Owner)
                .chain(others)
                .map(Some)
                .collect();
            let owners = |roles: &[Option<Role>]| {
                roles.iter().filter(|role| **role == Some(Role::Owner)).count()
            };
            for change in changes {
                let (Change::Role { actor, target, .. } | Change::Remove { actor, target }) = change;
                let (Some(Some(actor_role)), Some(Some(target_role))) =
                    (roles.get(actor).copied(), roles.get(target).copied())
                else {
                    continue;
                };
                let actor = Actor { id: MemberId(actor as i64), role: actor_role };
                let subject = Target::new(MemberId(target as i64), target_role);
                match change {
                    Change::Role { role, .. } => {
                        if check_role_change(actor, subject, role, owners(&roles)).is_ok() {
                            roles[target] = Some(role);
                        }
                    }
                    Change::Remove { .. } => {
                        if check_removal(actor, subject, owners(&roles)).is_ok() {
                            roles[target] = None;
                        }
                    }
                }
                prop_assert!(owners(&roles) >= 1, "{roles:?}");
            }
        }

        #[test]
        fn an_allowed_batch_always_leaves_an_owner(
            roles in prop::collection::vec(role(), 1..10),
            new_role in role(),
            remove in any::<bool>(),
        ) {
            let mut roles = roles;
            roles[0] = Role::Owner;
            let owners = roles.iter().filter(|role| **role == Role::Owner).count();
            // An acting Owner outside the batch, not counted, so the batch may reach the last.
            let actor = Actor { id: MemberId(100), role: Role::Owner };
            let mut batch = Batch::new(actor, owners);
            let mut left = owners;
            for (id, &role) in roles.iter().enumerate() {
                let target = Target::new(MemberId(id as i64), role);
                let allowed = if remove {
                    batch.remove(target).is_ok()
                } else {
                    batch.change_role(target, new_role).is_ok()
                };
                if allowed && role == Role::Owner && (remove || new_role != Role::Owner) {
                    left -= 1;
                }
                prop_assert!(left >= 1);
            }
        }
    }
}
