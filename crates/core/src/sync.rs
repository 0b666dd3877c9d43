//! The change feed's events and the reducer that applies them to a snapshot, shared by the
//! server (which writes the events) and the console (which follows them).
//!
//! An event carries the new state of everything its change touched, so applying it is an
//! upsert by id: events from the organization's sequence, applied in order to the snapshot
//! stamped with the sequence they follow, give the snapshot a fresh load would give.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{
    Group, GroupId, Invitation, InvitationId, Member, MembersSnapshot, Product, ProductSeats,
};

/// One committed change of an organization.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeEvent {
    /// The organization's sequence number after this change.
    pub seq: u64,
    /// Members whose state changed, as they are now.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    /// Pending invitations created or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invitations: Vec<Invitation>,
    /// Invitations no longer pending (accepted, revoked, replaced).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invitations_gone: Vec<InvitationId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups_gone: Vec<GroupId>,
    /// Every product with its seats, when products, pools or seat use changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<ProductsChange>,
    /// Machines or activations changed: views of them should reload.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub licenses_changed: bool,
    /// Allocation errors changed: views of them should reload.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allocation_errors_changed: bool,
    /// Teams or their members changed: views of them should reload.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub teams_changed: bool,
    /// The change's audit entry, for open Audit Logs.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::audit::readable_entry"
    )]
    pub audit: Option<crate::AuditEntry>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductsChange {
    pub products: Vec<Product>,
    pub seats: Vec<ProductSeats>,
}

/// What applying an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Applied,
    /// Already reflected (the snapshot is newer): ignored.
    Stale,
    /// Events between the snapshot and this one are missing: load a fresh snapshot.
    Gap,
}

/// Replaces or inserts `item` in `items`, kept sorted by `id`.
fn upsert<T, Id: Ord>(items: &mut Vec<T>, item: T, id: impl Fn(&T) -> Id) {
    match items.binary_search_by_key(&id(&item), &id) {
        Ok(at) => items[at] = item,
        Err(at) => items.insert(at, item),
    }
}

fn remove<T, Id: Ord>(items: &mut Vec<T>, gone: Id, id: impl Fn(&T) -> Id) {
    if let Ok(at) = items.binary_search_by_key(&gone, id) {
        items.remove(at);
    }
}

impl MembersSnapshot {
    /// Applies the event that follows this snapshot in the organization's sequence.
    pub fn apply(&mut self, event: &ChangeEvent) -> Applied {
        if event.seq <= self.seq {
            return Applied::Stale;
        }
        if event.seq != self.seq + 1 {
            return Applied::Gap;
        }
        for member in &event.members {
            upsert(&mut self.members, Arc::new(member.clone()), |m| m.id);
        }
        for invitation in &event.invitations {
            upsert(&mut self.invitations, invitation.clone(), |i| i.id);
        }
        for &gone in &event.invitations_gone {
            remove(&mut self.invitations, gone, |i| i.id);
        }
        for group in &event.groups {
            upsert(&mut self.groups, group.clone(), |g| g.id);
        }
        for &gone in &event.groups_gone {
            remove(&mut self.groups, gone, |g| g.id);
        }
        if let Some(change) = &event.products {
            self.products = change.products.clone();
            self.seats = change.seats.clone();
        }
        self.seq = event.seq;
        Applied::Applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use crate::{MemberStatus, Role};
    use proptest::prelude::*;

    fn member(id: i64, role: Role) -> Member {
        Member {
            id: MemberId(id),
            full_name: format!("Member {id}"),
            email: format!("m{id}@example.com"),
            role,
            status: MemberStatus::Active,
            joined_at: id,
            removed_at: None,
            removed_by: None,
            last_access_at: None,
            licenses: Vec::new(),
            allocate_to_user: false,
            groups: Vec::new(),
            held: Vec::new(),
        }
    }

    fn snapshot(seq: u64, members: Vec<Member>) -> MembersSnapshot {
        MembersSnapshot {
            seq,
            products: Vec::new(),
            members: members.into_iter().map(Arc::new).collect(),
            groups: Vec::new(),
            invitations: Vec::new(),
            seats: Vec::new(),
        }
    }

    #[test]
    fn events_apply_in_sequence_only() {
        let mut state = snapshot(4, vec![member(1, Role::Owner)]);
        let event = |seq| ChangeEvent {
            seq,
            members: vec![member(2, Role::Admin)],
            ..ChangeEvent::default()
        };
        assert_eq!(state.apply(&event(4)), Applied::Stale);
        assert_eq!(state.apply(&event(6)), Applied::Gap);
        assert_eq!(state.members.len(), 1, "neither changed anything");
        assert_eq!(state.apply(&event(5)), Applied::Applied);
        assert_eq!(state.seq, 5);
        assert_eq!(state.members.len(), 2);
    }

    #[test]
    fn groups_and_invitations_come_and_go() {
        let mut state = snapshot(0, Vec::new());
        let group = Group {
            id: GroupId(7),
            name: "Engineering".into(),
            role: None,
            products: vec![ProductId(1)],
        };
        let added = ChangeEvent {
            seq: 1,
            groups: vec![group.clone()],
            ..ChangeEvent::default()
        };
        state.apply(&added);
        assert_eq!(state.groups, [group]);
        let gone = ChangeEvent {
            seq: 2,
            groups_gone: vec![GroupId(7)],
            invitations_gone: vec![InvitationId(3)],
            ..ChangeEvent::default()
        };
        state.apply(&gone);
        assert!(state.groups.is_empty());
    }

    proptest! {
        /// Applying upserts of arbitrary members in order leaves the last state of each, by
        /// id, as a fresh load would list them.
        #[test]
        fn upserts_leave_the_latest_state_sorted_by_id(
            changes in proptest::collection::vec((0i64..40, 0usize..4), 0..60)
        ) {
            let mut state = snapshot(0, Vec::new());
            let mut latest = std::collections::BTreeMap::new();
            for (seq, &(id, role)) in changes.iter().enumerate() {
                let changed = member(id, Role::ALL[role]);
                latest.insert(id, changed.clone());
                let event = ChangeEvent { seq: seq as u64 + 1, members: vec![changed], ..ChangeEvent::default() };
                prop_assert_eq!(state.apply(&event), Applied::Applied);
            }
            let expected: Vec<Arc<Member>> = latest.into_values().map(Arc::new).collect();
            prop_assert_eq!(state.members, expected);
        }
    }
}
