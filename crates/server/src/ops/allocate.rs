//! License allocation as a change needs it: each member's allocation state (direct licenses,
//! groups, inherited seats held), their licenses before a change, and settling after it
//! (inherited seats no longer owed freed, sessions of lost products ended), all in the
//! caller's write transaction and with the same few statements for any number of members;
//! and taking a seat for an inherited license.

use std::collections::BTreeMap;

use allot_core::{
    Group, GroupId, MemberId, OrgId, ProductId, Role,
    allocation::{self, EffectiveLicense, Entitlement},
};

use crate::{
    db::Conn,
    error::{ApiError, ApiResult},
    store::{
        activations::{self, Live},
        allocation_errors, allocations, groups, memberships, seats,
    },
};

/// What the allocation rules need to know about one member.
pub struct MemberState {
    pub name: String,
    pub role: Role,
    pub allocate_to_user: bool,
    pub direct: Vec<ProductId>,
    pub groups: Vec<GroupId>,
    pub held: Vec<ProductId>,
}

impl MemberState {
    pub fn licenses(&self, groups: &[Group]) -> Vec<EffectiveLicense> {
        allocation::effective_licenses(self.allocate_to_user, &self.direct, &self.groups, groups)
    }

    pub fn entitlement(&self, product: ProductId, groups: &[Group]) -> Entitlement {
        allocation::entitlement(
            product,
            self.allocate_to_user,
            &self.direct,
            &self.groups,
            groups,
            &self.held,
        )
    }
}

/// The allocation state of each of `members` that is an active member of the organization,
/// by member: the same few queries for any number of members.
pub async fn member_states(
    conn: &mut Conn,
    org_id: OrgId,
    members: &[MemberId],
) -> ApiResult<BTreeMap<MemberId, MemberState>> {
    let settings = memberships::allocation_settings(conn, org_id, members).await?;
    let active: Vec<MemberId> = settings.iter().map(|&(member, ..)| member).collect();
    let mut direct = allocations::direct_of_many(conn, &active).await?;
    let mut groups = groups::of_members(conn, &active).await?;
    let mut held = allocations::held_of_many(conn, &active).await?;
    Ok(settings
        .into_iter()
        .map(|(member, name, role, allocate_to_user)| {
            let state = MemberState {
                name,
                role,
                allocate_to_user,
                direct: direct.remove(&member).unwrap_or_default(),
                groups: groups.remove(&member).unwrap_or_default(),
                held: held.remove(&member).unwrap_or_default(),
            };
            (member, state)
        })
        .collect())
}

/// The active member's allocation state, or `None` when `member` is not an active member of
/// the organization.
pub async fn member_state(
    conn: &mut Conn,
    org_id: OrgId,
    member: MemberId,
) -> ApiResult<Option<MemberState>> {
    Ok(member_states(conn, org_id, &[member])
        .await?
        .remove(&member))
}

/// A member's licenses and role before a change, to settle against afterwards.
pub struct Before {
    member: MemberId,
    licenses: Vec<EffectiveLicense>,
    role: Role,
}

/// What settling did: members whose licenses or role changed, and seats freed.
pub use allot_core::audit::Settled;

/// The members' licenses and roles before a change (see [`settle`]).
pub async fn snapshot_members(
    conn: &mut Conn,
    org_id: OrgId,
    members: &[MemberId],
    groups: &[Group],
) -> ApiResult<Vec<Before>> {
    Ok(member_states(conn, org_id, members)
        .await?
        .into_iter()
        .map(|(member, state)| Before {
            member,
            licenses: state.licenses(groups),
            role: allocation::effective_role(state.role, &state.groups, groups),
        })
        .collect())
}

/// After the change is written: frees the seats of inherited licenses the members no longer
/// hold by inheritance only, and ends their sessions of products they lost; a few statements
/// per product, however many members.
pub async fn settle(
    conn: &mut Conn,
    org_id: OrgId,
    before: &[Before],
    now: i64,
) -> ApiResult<Settled> {
    let groups = groups::list(conn, org_id).await?;
    let members: Vec<MemberId> = before.iter().map(|was| was.member).collect();
    let states = member_states(conn, org_id, &members).await?;
    let mut settled = Settled::default();
    let mut released: BTreeMap<ProductId, Vec<MemberId>> = BTreeMap::new();
    let mut lost: BTreeMap<ProductId, Vec<MemberId>> = BTreeMap::new();
    for was in before {
        let Some(state) = states.get(&was.member) else {
            continue;
        };
        let after = state.licenses(&groups);
        for product in allocation::held_to_release(&state.held, &after) {
            released.entry(product).or_default().push(was.member);
        }
        for product in allocation::lost(&was.licenses, &after) {
            lost.entry(product).or_default().push(was.member);
        }
        let role = allocation::effective_role(state.role, &state.groups, &groups);
        let products = |licenses: &[EffectiveLicense]| -> Vec<ProductId> {
            licenses.iter().map(|license| license.product).collect()
        };
        if role != was.role || products(&after) != products(&was.licenses) {
            settled.members_changed += 1;
        }
    }
    for (&product, members) in &released {
        allocations::release(conn, product, members).await?;
        settled.seats_freed += members.len() as u32;
    }
    for (&product, members) in &lost {
        activations::end(conn, Live::OfProduct { product, members }, now).await?;
    }
    Ok(settled)
}

/// Takes a seat for an inherited license the member's product is acquiring: `Err` with the
/// reason when none is free. Run inside the activation's transaction, after `change::begin`.
pub async fn acquire_inherited(
    conn: &mut Conn,
    org_id: OrgId,
    member: MemberId,
    product: ProductId,
    now: i64,
) -> ApiResult<()> {
    let seats = seats::product_seats(&mut *conn, org_id).await?;
    let seat = seats.iter().find(|seats| seats.id == product);
    if let Some(shortfall) = seat.and_then(|seat| seat.shortfall(1)) {
        return Err(ApiError::conflict(
            "seats_exceeded",
            format!("No seat is free for the license inherited from a group: {shortfall}"),
        ));
    }
    allocations::hold(conn, member, product, now).await?;
    allocation_errors::delete_for(conn, member, product).await?;
    Ok(())
}
