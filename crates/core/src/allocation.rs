//! Who may have which license, and why: direct allocation, "Allocate to User", and licenses
//! and roles inherited from groups.
//!
//! A member's entitlement is their direct allocation plus every license their groups' rules
//! grant, unless "Allocate to User" is set: then it is exactly the direct allocation, and with
//! nothing ticked the member can acquire no license at all.

use std::collections::BTreeSet;

use crate::{Group, GroupId, Member, Product, ProductId, ProductSeats, Role};

/// Where a member's license of a product comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LicenseSource {
    Direct,
    Group(GroupId),
}

/// A license a member is entitled to, with every reason they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectiveLicense {
    pub product: ProductId,
    /// Direct first, then groups by id; never empty.
    pub sources: Vec<LicenseSource>,
}

impl EffectiveLicense {
    /// Whether only group rules grant it, so it takes a seat when acquired.
    pub fn inherited_only(&self) -> bool {
        !self.sources.contains(&LicenseSource::Direct)
    }
}

/// What the license API does when a member's product asks for a license.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entitlement {
    /// Allocated directly: the allocation already holds the seat.
    Direct,
    /// Inherited from a group rule: acquiring takes a seat, unless one is held already.
    Inherited {
        held: bool,
    },
    /// "Allocate to User" with nothing ticked: no license of any product.
    Blocked,
    NotEntitled,
}

/// The member's licenses and their sources; `groups` are the organization's groups.
pub fn effective_licenses(
    allocate_to_user: bool,
    direct: &[ProductId],
    member_groups: &[GroupId],
    groups: &[Group],
) -> Vec<EffectiveLicense> {
    let mut sources: BTreeSet<(ProductId, LicenseSource)> = direct
        .iter()
        .map(|&product| (product, LicenseSource::Direct))
        .collect();
    if !allocate_to_user {
        for group in groups
            .iter()
            .filter(|group| member_groups.contains(&group.id))
        {
            for &product in &group.products {
                sources.insert((product, LicenseSource::Group(group.id)));
            }
        }
    }
    let mut licenses: Vec<EffectiveLicense> = Vec::new();
    for (product, source) in sources {
        match licenses.last_mut() {
            Some(last) if last.product == product => last.sources.push(source),
            _ => licenses.push(EffectiveLicense {
                product,
                sources: vec![source],
            }),
        }
    }
    licenses
}

/// Whether "Allocate to User" with nothing ticked keeps the member from every license.
pub fn is_blocked(allocate_to_user: bool, direct: &[ProductId]) -> bool {
    allocate_to_user && direct.is_empty()
}

/// How the license API treats the member's request for `product`.
pub fn entitlement(
    product: ProductId,
    allocate_to_user: bool,
    direct: &[ProductId],
    member_groups: &[GroupId],
    groups: &[Group],
    held: &[ProductId],
) -> Entitlement {
    if is_blocked(allocate_to_user, direct) {
        return Entitlement::Blocked;
    }
    let licenses = effective_licenses(allocate_to_user, direct, member_groups, groups);
    match licenses.iter().find(|license| license.product == product) {
        None => Entitlement::NotEntitled,
        Some(license) if license.inherited_only() => Entitlement::Inherited {
            held: held.contains(&product),
        },
        Some(_) => Entitlement::Direct,
    }
}

/// The highest of the member's own role and the roles their groups grant. Groups never grant
/// Owner, so the Owner rules stay with the members' own roles.
pub fn effective_role(own: Role, member_groups: &[GroupId], groups: &[Group]) -> Role {
    groups
        .iter()
        .filter(|group| member_groups.contains(&group.id))
        .filter_map(|group| group.role)
        .fold(own, raised_role_by)
}

/// The role a member acts with: their own, raised to the highest role their groups grant.
/// The one rule behind every authorization check on the server and every role the console
/// shows.
pub fn raised_role(own: Role, group_role: Option<Role>) -> Role {
    group_role.map_or(own, |granted| raised_role_by(own, granted))
}

fn raised_role_by(own: Role, granted: Role) -> Role {
    // Declaration order is rank order: the lesser is the higher role.
    own.min(granted)
}

/// The roles a group may grant: every role but Owner.
pub const GROUP_ROLES: [Role; 3] = [Role::Admin, Role::Member, Role::BillingManager];

/// The held (inherited, seat-taking) licenses a member must give up when their entitlement
/// becomes `after`: those no longer inherited only. A license that became direct keeps its
/// seat through the allocation instead.
pub fn held_to_release(held: &[ProductId], after: &[EffectiveLicense]) -> Vec<ProductId> {
    held.iter()
        .copied()
        .filter(|product| {
            !after
                .iter()
                .any(|license| license.product == *product && license.inherited_only())
        })
        .collect()
}

/// Products the member is entitled to before but not after.
pub fn lost(before: &[EffectiveLicense], after: &[EffectiveLicense]) -> Vec<ProductId> {
    before
        .iter()
        .map(|license| license.product)
        .filter(|product| !after.iter().any(|license| license.product == *product))
        .collect()
}

impl Member {
    pub fn effective_licenses(&self, groups: &[Group]) -> Vec<EffectiveLicense> {
        effective_licenses(self.allocate_to_user, &self.licenses, &self.groups, groups)
    }

    pub fn effective_role(&self, groups: &[Group]) -> Role {
        effective_role(self.role, &self.groups, groups)
    }

    pub fn is_blocked(&self) -> bool {
        is_blocked(self.allocate_to_user, &self.licenses)
    }
}

/// What saving a group's allocation rule would do: how many members' licenses change, and
/// per product how many members gain or lose it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleChange {
    pub members_changed: usize,
    /// Products some member gains or loses, in id order.
    pub effects: Vec<RuleEffect>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleEffect {
    pub product: ProductId,
    /// Members who would be entitled to it and are not now: each takes a seat when their
    /// product next signs in.
    pub gaining: usize,
    /// Members who would lose it: the seats they hold are freed and their sessions end.
    pub losing: usize,
}

impl RuleChange {
    /// Whether saving needs the admin to confirm first: someone loses a license (sessions
    /// end), or more members gain a product than it has free seats (`left` per product).
    pub fn needs_confirmation(&self, left: impl Fn(ProductId) -> Option<u32>) -> bool {
        self.effects.iter().any(|effect| {
            effect.losing > 0
                || left(effect.product).is_some_and(|left| effect.gaining > left as usize)
        })
    }
}

/// What `group`'s rule becoming `products` does to `members`: the panel shows it before
/// saving.
pub fn rule_change(
    group: GroupId,
    products: &[ProductId],
    members: &[impl std::borrow::Borrow<Member>],
    groups: &[Group],
) -> RuleChange {
    let changed: Vec<Group> = groups
        .iter()
        .map(|g| Group {
            products: if g.id == group {
                products.to_vec()
            } else {
                g.products.clone()
            },
            ..g.clone()
        })
        .collect();
    let products_of = |licenses: Vec<EffectiveLicense>| -> BTreeSet<ProductId> {
        licenses
            .into_iter()
            .map(|license| license.product)
            .collect()
    };
    let mut result = RuleChange::default();
    let mut effects: std::collections::BTreeMap<ProductId, (usize, usize)> = Default::default();
    for member in members
        .iter()
        .map(|member| member.borrow())
        .filter(|member: &&Member| member.groups.contains(&group))
    {
        let before = products_of(member.effective_licenses(groups));
        let after = products_of(member.effective_licenses(&changed));
        if before == after {
            continue;
        }
        result.members_changed += 1;
        for &product in after.difference(&before) {
            effects.entry(product).or_default().0 += 1;
        }
        for &product in before.difference(&after) {
            effects.entry(product).or_default().1 += 1;
        }
    }
    result.effects = effects
        .into_iter()
        .map(|(product, (gaining, losing))| RuleEffect {
            product,
            gaining,
            losing,
        })
        .collect();
    result
}

/// Where a group member stands with a license the group's rule grants, as the License
/// inheritance from group panel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InheritanceStatus {
    /// Their product acquired it: a seat is held until released.
    SeatHeld,
    /// Entitled, not acquired yet: it takes a seat at the product's next sign-in.
    NotAcquired,
    /// Allocated directly as well; the direct allocation holds the seat.
    AllocatedDirectly,
    /// "Allocate to User" overrides the group rule.
    Overridden,
    /// "Allocate to User" with nothing ticked.
    Blocked,
    /// The product asked, and no seat was free.
    Failed(String),
}

impl InheritanceStatus {
    pub fn of(member: &Member, product: ProductId, error: Option<&str>) -> InheritanceStatus {
        if member.is_blocked() {
            InheritanceStatus::Blocked
        } else if member.licenses.contains(&product) {
            InheritanceStatus::AllocatedDirectly
        } else if member.allocate_to_user {
            InheritanceStatus::Overridden
        } else if member.held.contains(&product) {
            InheritanceStatus::SeatHeld
        } else if let Some(reason) = error {
            InheritanceStatus::Failed(reason.to_owned())
        } else {
            InheritanceStatus::NotAcquired
        }
    }

    pub fn label(&self) -> String {
        match self {
            InheritanceStatus::SeatHeld => "Seat held".into(),
            InheritanceStatus::NotAcquired => "Not acquired yet".into(),
            InheritanceStatus::AllocatedDirectly => "Allocated directly".into(),
            InheritanceStatus::Overridden => "Allocate to User overrides the group".into(),
            InheritanceStatus::Blocked => "Blocked from every license".into(),
            InheritanceStatus::Failed(reason) => format!("Not allocated: {reason}"),
        }
    }
}

/// "Studio Enterprise (Engineering), Runtime Engine": the member's licenses by product name,
/// each inherited one followed by the groups it comes from (and "direct" when it is allocated
/// directly as well); "Blocked" when "Allocate to User" leaves them none, "No license" when they
/// have none. Products the snapshot does not name are left out.
pub fn describe_licenses(member: &Member, groups: &[Group], products: &[Product]) -> String {
    if member.is_blocked() {
        return "Blocked".into();
    }
    let mut named: Vec<String> = member
        .effective_licenses(groups)
        .iter()
        .filter_map(|license| {
            let product = products.iter().find(|p| p.id == license.product)?;
            let from_groups: Vec<&str> = license
                .sources
                .iter()
                .filter_map(|source| match source {
                    LicenseSource::Group(id) => {
                        groups.iter().find(|g| g.id == *id).map(|g| g.name.as_str())
                    }
                    LicenseSource::Direct => None,
                })
                .collect();
            Some(if from_groups.is_empty() {
                product.name.clone()
            } else if license.inherited_only() {
                format!("{} ({})", product.name, from_groups.join(", "))
            } else {
                format!("{} (direct, {})", product.name, from_groups.join(", "))
            })
        })
        .collect();
    if named.is_empty() {
        return "No license".into();
    }
    named.sort();
    named.join(", ")
}

/// The role a group raises the member to, above their own, and the first group (by id) that
/// grants it: the console shows "Member · Admin via Engineering".
pub fn role_from_group<'g>(member: &Member, groups: &'g [Group]) -> Option<(Role, &'g Group)> {
    let role = member.effective_role(groups);
    if role == member.role {
        return None;
    }
    groups
        .iter()
        .filter(|group| member.groups.contains(&group.id))
        .find(|group| group.role == Some(role))
        .map(|group| (role, group))
}

/// What a member loses when they leave a group, or it is deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loss {
    /// Licenses no other source grants them.
    pub licenses: Vec<ProductId>,
    /// The role the group raised them to and the one they fall back to.
    pub role: Option<(Role, Role)>,
}

impl Loss {
    pub fn is_empty(&self) -> bool {
        self.licenses.is_empty() && self.role.is_none()
    }

    /// "Visual Testing and the Admin role (back to Member)", or "nothing".
    pub fn describe(&self, products: &[Product]) -> String {
        let mut parts: Vec<String> = self
            .licenses
            .iter()
            .filter_map(|id| products.iter().find(|p| p.id == *id))
            .map(|p| p.name.clone())
            .collect();
        parts.sort();
        if let Some((from, to)) = self.role {
            parts.push(format!(
                "the {} role (back to {})",
                from.label(),
                to.label()
            ));
        }
        match parts.as_slice() {
            [] => "nothing".into(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

/// What `member` loses by leaving `group`.
pub fn loss_on_leaving(member: &Member, group: GroupId, groups: &[Group]) -> Loss {
    let remaining: Vec<GroupId> = member
        .groups
        .iter()
        .copied()
        .filter(|&g| g != group)
        .collect();
    let before = member.effective_licenses(groups);
    let after = effective_licenses(
        member.allocate_to_user,
        &member.licenses,
        &remaining,
        groups,
    );
    let (role_before, role_after) = (
        member.effective_role(groups),
        effective_role(member.role, &remaining, groups),
    );
    Loss {
        licenses: lost(&before, &after),
        role: (role_before != role_after).then_some((role_before, role_after)),
    }
}

/// Seats of `product` the Edit License Allocation panel may still give `member`: those left,
/// plus the one their direct allocation or held inherited license already holds (keeping or
/// converting it needs no new seat). `None` when the product has no named seats.
pub fn seats_left_for(member: &Member, product: &ProductSeats) -> Option<u32> {
    let own = member.licenses.contains(&product.id) || member.held.contains(&product.id);
    product.left().map(|left| left + u32::from(own))
}

/// Whether the member holds a seat of a license `group`'s rule grants: what Release license
/// in the License inheritance from group panel frees.
pub fn holds_seat_from(member: &Member, group: &Group) -> bool {
    member
        .held
        .iter()
        .any(|product| group.products.contains(product))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use proptest::prelude::*;

    fn group(id: GroupId, products: &[ProductId], role: Option<Role>) -> Group {
        Group {
            id,
            name: format!("Group {id}"),
            role,
            products: products.to_vec(),
        }
    }

    fn products(licenses: &[EffectiveLicense]) -> BTreeSet<ProductId> {
        licenses.iter().map(|license| license.product).collect()
    }

    #[test]
    fn sources_name_direct_first_then_each_group() {
        let groups = [
            group(GroupId(1), &[ProductId(10), ProductId(11)], None),
            group(GroupId(2), &[ProductId(11)], None),
        ];
        let licenses = effective_licenses(
            false,
            &[ProductId(11), ProductId(12)],
            &[GroupId(1), GroupId(2)],
            &groups,
        );
        assert_eq!(
            licenses,
            [
                EffectiveLicense {
                    product: ProductId(10),
                    sources: vec![LicenseSource::Group(GroupId(1))]
                },
                EffectiveLicense {
                    product: ProductId(11),
                    sources: vec![
                        LicenseSource::Direct,
                        LicenseSource::Group(GroupId(1)),
                        LicenseSource::Group(GroupId(2))
                    ]
                },
                EffectiveLicense {
                    product: ProductId(12),
                    sources: vec![LicenseSource::Direct]
                },
            ]
        );
    }

    #[test]
    fn entitlement_distinguishes_direct_inherited_blocked_and_none() {
        let groups = [group(GroupId(1), &[ProductId(10)], None)];
        assert_eq!(
            entitlement(ProductId(10), false, &[], &[GroupId(1)], &groups, &[]),
            Entitlement::Inherited { held: false }
        );
        assert_eq!(
            entitlement(
                ProductId(10),
                false,
                &[],
                &[GroupId(1)],
                &groups,
                &[ProductId(10)]
            ),
            Entitlement::Inherited { held: true }
        );
        assert_eq!(
            entitlement(
                ProductId(10),
                false,
                &[ProductId(10)],
                &[GroupId(1)],
                &groups,
                &[]
            ),
            Entitlement::Direct
        );
        assert_eq!(
            entitlement(ProductId(10), true, &[], &[GroupId(1)], &groups, &[]),
            Entitlement::Blocked
        );
        assert_eq!(
            entitlement(
                ProductId(10),
                true,
                &[ProductId(11)],
                &[GroupId(1)],
                &groups,
                &[]
            ),
            Entitlement::NotEntitled
        );
        assert_eq!(
            entitlement(ProductId(12), false, &[], &[GroupId(1)], &groups, &[]),
            Entitlement::NotEntitled
        );
    }

    #[test]
    fn a_group_role_raises_but_never_lowers() {
        let groups = [
            group(GroupId(1), &[], Some(Role::Admin)),
            group(GroupId(2), &[], None),
        ];
        assert_eq!(
            effective_role(Role::Member, &[GroupId(1)], &groups),
            Role::Admin
        );
        assert_eq!(
            effective_role(Role::Owner, &[GroupId(1)], &groups),
            Role::Owner
        );
        assert_eq!(
            effective_role(Role::Member, &[GroupId(2)], &groups),
            Role::Member
        );
        assert!(!GROUP_ROLES.contains(&Role::Owner));
    }

    #[test]
    fn held_licenses_go_when_no_longer_inherited_only() {
        let groups = [group(GroupId(1), &[ProductId(10), ProductId(11)], None)];
        let after = effective_licenses(false, &[ProductId(11)], &[GroupId(1)], &groups);
        assert_eq!(
            held_to_release(&[ProductId(10), ProductId(11)], &after),
            [ProductId(11)]
        );
        let after = effective_licenses(false, &[], &[], &groups);
        assert_eq!(
            held_to_release(&[ProductId(10), ProductId(11)], &after),
            [ProductId(10), ProductId(11)]
        );
    }

    #[test]
    fn the_rule_panel_counts_members_whose_licenses_change() {
        let groups = [
            group(GroupId(1), &[ProductId(10)], None),
            group(GroupId(2), &[ProductId(11)], None),
        ];
        let member = |id, member_groups: &[GroupId], allocate_to_user| Member {
            id,
            full_name: String::new(),
            email: String::new(),
            role: Role::Member,
            status: crate::MemberStatus::Active,
            joined_at: 0,
            removed_at: None,
            removed_by: None,
            last_access_at: None,
            licenses: Vec::new(),
            allocate_to_user,
            groups: member_groups.to_vec(),
            held: Vec::new(),
        };
        let members = [
            member(MemberId(1), &[GroupId(1)], false),
            member(MemberId(2), &[GroupId(1), GroupId(2)], false),
            member(MemberId(3), &[GroupId(1)], true),
            member(MemberId(4), &[GroupId(2)], false),
        ];
        // Adding 11 changes member 1 only: member 2 has it from group 2, member 3 overrides
        // groups, member 4 is not in group 1.
        let adding = rule_change(
            GroupId(1),
            &[ProductId(10), ProductId(11)],
            &members,
            &groups,
        );
        assert_eq!(adding.members_changed, 1);
        assert_eq!(
            adding.effects,
            [RuleEffect {
                product: ProductId(11),
                gaining: 1,
                losing: 0
            }]
        );
        // Gaining needs confirming only beyond the free seats.
        assert!(!adding.needs_confirmation(|_| Some(1)));
        assert!(adding.needs_confirmation(|_| Some(0)));
        assert!(!adding.needs_confirmation(|_| None));
        let emptying = rule_change(GroupId(1), &[], &members, &groups);
        assert_eq!(emptying.members_changed, 2);
        assert_eq!(emptying.effects.iter().map(|e| e.losing).sum::<usize>(), 2);
        // Losing a license always needs confirming: sessions end.
        assert!(emptying.needs_confirmation(|_| None));
        assert_eq!(
            rule_change(GroupId(1), &[ProductId(10)], &members, &groups),
            RuleChange::default()
        );
    }

    fn someone(direct: &[ProductId], member_groups: &[GroupId], allocate_to_user: bool) -> Member {
        Member {
            id: MemberId(1),
            full_name: "Ann Lee".into(),
            email: "ann@example.com".into(),
            role: Role::Member,
            status: crate::MemberStatus::Active,
            joined_at: 0,
            removed_at: None,
            removed_by: None,
            last_access_at: None,
            licenses: direct.to_vec(),
            allocate_to_user,
            groups: member_groups.to_vec(),
            held: Vec::new(),
        }
    }

    fn catalog() -> Vec<Product> {
        [
            (10, "Studio Enterprise"),
            (11, "Runtime Engine"),
            (12, "Visual Testing"),
        ]
        .into_iter()
        .map(|(id, name)| Product {
            id: ProductId(id),
            name: name.into(),
        })
        .collect()
    }

    fn named_group(id: GroupId, name: &str, products: &[ProductId], role: Option<Role>) -> Group {
        Group {
            name: name.into(),
            ..group(id, products, role)
        }
    }

    #[test]
    fn licenses_are_described_with_their_groups() {
        let groups = [
            named_group(GroupId(1), "Engineering", &[ProductId(10)], None),
            named_group(GroupId(2), "QA", &[ProductId(10), ProductId(12)], None),
        ];
        let products = catalog();
        assert_eq!(
            describe_licenses(
                &someone(&[ProductId(11)], &[GroupId(1)], false),
                &groups,
                &products
            ),
            "Runtime Engine, Studio Enterprise (Engineering)"
        );
        assert_eq!(
            describe_licenses(
                &someone(&[ProductId(10)], &[GroupId(1), GroupId(2)], false),
                &groups,
                &products
            ),
            "Studio Enterprise (direct, Engineering, QA), Visual Testing (QA)"
        );
        assert_eq!(
            describe_licenses(&someone(&[], &[GroupId(1)], true), &groups, &products),
            "Blocked"
        );
        assert_eq!(
            describe_licenses(
                &someone(&[ProductId(11)], &[GroupId(1)], true),
                &groups,
                &products
            ),
            "Runtime Engine"
        );
        assert_eq!(
            describe_licenses(&someone(&[], &[], false), &groups, &products),
            "No license"
        );
    }

    #[test]
    fn the_role_a_group_raises_names_the_group() {
        let groups = [
            named_group(GroupId(1), "Engineering", &[], Some(Role::Admin)),
            named_group(GroupId(2), "Finance", &[], Some(Role::BillingManager)),
        ];
        let member = someone(&[], &[GroupId(1), GroupId(2)], false);
        let (role, group) = role_from_group(&member, &groups).unwrap();
        assert_eq!((role, group.name.as_str()), (Role::Admin, "Engineering"));
        assert_eq!(role_from_group(&someone(&[], &[], false), &groups), None);
        let admin = Member {
            role: Role::Admin,
            ..member
        };
        assert_eq!(role_from_group(&admin, &groups), None);
    }

    #[test]
    fn leaving_a_group_loses_only_what_nothing_else_grants() {
        let groups = [
            named_group(
                GroupId(1),
                "QA",
                &[ProductId(10), ProductId(12)],
                Some(Role::Admin),
            ),
            named_group(GroupId(2), "Engineering", &[ProductId(10)], None),
        ];
        let products = catalog();
        let member = someone(&[], &[GroupId(1), GroupId(2)], false);
        let loss = loss_on_leaving(&member, GroupId(1), &groups);
        assert_eq!(loss.licenses, [ProductId(12)]);
        assert_eq!(loss.role, Some((Role::Admin, Role::Member)));
        assert_eq!(
            loss.describe(&products),
            "Visual Testing and the Admin role (back to Member)"
        );
        let loss = loss_on_leaving(&member, GroupId(2), &groups);
        assert!(loss.is_empty());
        assert_eq!(loss.describe(&products), "nothing");
        // Allocate to User: the groups grant nothing, so leaving one loses no license.
        assert!(
            loss_on_leaving(
                &someone(&[ProductId(11)], &[GroupId(1)], true),
                GroupId(1),
                &groups
            )
            .licenses
            .is_empty()
        );
    }

    #[test]
    fn the_members_own_seat_counts_as_left_for_them() {
        let seats = ProductSeats {
            id: ProductId(12),
            name: "Visual Testing".into(),
            seats: Some(25),
            used: 25,
            reserved: 0,
        };
        assert_eq!(seats_left_for(&someone(&[], &[], false), &seats), Some(0));
        assert_eq!(
            seats_left_for(&someone(&[ProductId(12)], &[], false), &seats),
            Some(1)
        );
        let holder = Member {
            held: vec![ProductId(12)],
            ..someone(&[], &[GroupId(1)], false)
        };
        assert_eq!(seats_left_for(&holder, &seats), Some(1));
        let floating = ProductSeats {
            seats: None,
            ..seats
        };
        assert_eq!(seats_left_for(&holder, &floating), None);
        assert!(holds_seat_from(
            &holder,
            &group(GroupId(1), &[ProductId(12)], None)
        ));
        assert!(!holds_seat_from(
            &holder,
            &group(GroupId(2), &[ProductId(10)], None)
        ));
    }

    fn product_set() -> impl Strategy<Value = Vec<ProductId>> {
        proptest::collection::btree_set(1i64..6, 0..4)
            .prop_map(|set| set.into_iter().map(ProductId).collect())
    }

    fn groups_strategy() -> impl Strategy<Value = Vec<Group>> {
        proptest::collection::vec((product_set(), proptest::option::of(0usize..3)), 0..5).prop_map(
            |rules| {
                rules
                    .into_iter()
                    .enumerate()
                    .map(|(i, (products, role))| {
                        group(
                            GroupId(i as i64 + 1),
                            &products,
                            role.map(|r| GROUP_ROLES[r]),
                        )
                    })
                    .collect()
            },
        )
    }

    fn member_groups() -> impl Strategy<Value = Vec<GroupId>> {
        proptest::collection::btree_set(1i64..6, 0..4)
            .prop_map(|set| set.into_iter().map(GroupId).collect())
    }

    proptest! {
        #[test]
        fn allocate_to_user_is_exactly_the_direct_allocation(
            direct in product_set(), mine in member_groups(), groups in groups_strategy()
        ) {
            let licenses = effective_licenses(true, &direct, &mine, &groups);
            prop_assert_eq!(products(&licenses), direct.iter().copied().collect());
            prop_assert!(licenses.iter().all(|l| l.sources == [LicenseSource::Direct]));
        }

        #[test]
        fn allocate_to_user_with_nothing_blocks_every_product(
            mine in member_groups(), groups in groups_strategy(), product in (1i64..6).prop_map(ProductId), held in product_set()
        ) {
            prop_assert!(effective_licenses(true, &[], &mine, &groups).is_empty());
            prop_assert_eq!(entitlement(product, true, &[], &mine, &groups, &held), Entitlement::Blocked);
        }

        #[test]
        fn otherwise_it_is_the_direct_allocation_and_the_union_of_the_groups_rules(
            direct in product_set(), mine in member_groups(), groups in groups_strategy()
        ) {
            let licenses = effective_licenses(false, &direct, &mine, &groups);
            let mut expected: BTreeSet<ProductId> = direct.iter().copied().collect();
            for g in groups.iter().filter(|g| mine.contains(&g.id)) {
                expected.extend(g.products.iter().copied());
            }
            prop_assert_eq!(products(&licenses), expected);
            for license in &licenses {
                for source in &license.sources {
                    match source {
                        LicenseSource::Direct => prop_assert!(direct.contains(&license.product)),
                        LicenseSource::Group(id) => {
                            prop_assert!(mine.contains(id));
                            let g = groups.iter().find(|g| g.id == *id).unwrap();
                            prop_assert!(g.products.contains(&license.product));
                        }
                    }
                }
            }
        }

        #[test]
        fn leaving_a_group_never_leaves_a_license_only_it_granted(
            direct in product_set(), mine in member_groups(), groups in groups_strategy(),
            allocate_to_user: bool, held in product_set(), leaving in (1i64..6).prop_map(GroupId)
        ) {
            let before = effective_licenses(allocate_to_user, &direct, &mine, &groups);
            let remaining: Vec<GroupId> = mine.iter().copied().filter(|&g| g != leaving).collect();
            let after = effective_licenses(allocate_to_user, &direct, &remaining, &groups);
            for license in &after {
                prop_assert!(!license.sources.contains(&LicenseSource::Group(leaving)));
            }
            let released = held_to_release(&held, &after);
            let still_held: Vec<ProductId> =
                held.iter().copied().filter(|p| !released.contains(p)).collect();
            for product in &still_held {
                let license = after.iter().find(|l| l.product == *product);
                prop_assert!(license.is_some_and(|l| l.inherited_only()));
            }
            for product in lost(&before, &after) {
                prop_assert!(!after.iter().any(|l| l.product == product));
                prop_assert!(!direct.contains(&product));
            }
        }

        #[test]
        fn the_effective_role_is_the_highest_of_own_and_groups(
            own in 0usize..4, mine in member_groups(), groups in groups_strategy()
        ) {
            let own = Role::ALL[own];
            let role = effective_role(own, &mine, &groups);
            prop_assert!(role <= own);
            let granted = groups.iter().filter(|g| mine.contains(&g.id)).filter_map(|g| g.role);
            prop_assert_eq!(role, granted.chain([own]).min().unwrap());
            prop_assert!(role != Role::Owner || own == Role::Owner);
        }
    }
}
