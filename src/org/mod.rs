//! The organization's state in the console: one snapshot, kept current by the server's change
//! feed (`feed`), read through the selectors here; the marks of this admin's own changes
//! while the server has not confirmed them; and the one way to send a change (`Mutation`).

mod feed;
mod mutation;
mod remote;

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use allot_core::{
    AllocationError, AuditEntry, ChangeEvent, Group, GroupId, Invitation, Member, MemberId,
    MemberStatus, MembersSnapshot, OrgId, Product, ProductId, ProductSeats, Team, format,
};
use leptos::prelude::*;

use crate::{
    api::ApiError,
    components::{Loadable, table_rows},
};

pub use feed::{Connection, ConnectionStatus};
pub use mutation::{Mutation, send_once};
pub use remote::Remote;

/// What a pending change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Member(i64),
    Invitation(i64),
    Group(i64),
}

/// A change this admin made that the server's events have not reflected yet.
#[derive(Clone, Debug, PartialEq)]
struct Pending {
    label: String,
    /// The sequence number whose event confirms it, once the server answered.
    confirmed_at: Option<u64>,
}

/// Live audit entries kept for an open Audit Log; older ones are on the server.
const LIVE_AUDIT_ENTRIES: usize = 500;

/// The lists views load apart from the snapshot, each with a version that changes when the
/// feed says the list did.
#[derive(Clone, Copy, Default)]
struct ListVersions {
    licenses: RwSignal<u64>,
    allocation_errors: RwSignal<u64>,
    teams: RwSignal<u64>,
}

impl ListVersions {
    /// The lists `event` changed; every list when there is no event to say (a fresh snapshot
    /// after missed events).
    fn changed(self, event: Option<&ChangeEvent>) {
        let bump = |version: RwSignal<u64>, changed: bool| {
            if changed {
                version.update(|version| *version += 1);
            }
        };
        bump(
            self.licenses,
            event.is_none_or(|event| event.licenses_changed),
        );
        let errors = event.is_none_or(|event| event.allocation_errors_changed);
        bump(self.allocation_errors, errors);
        bump(self.teams, event.is_none_or(|event| event.teams_changed));
    }
}

#[derive(Clone, Copy)]
pub struct OrgState {
    pub org: OrgId,
    snapshot: RwSignal<Option<MembersSnapshot>>,
    error: RwSignal<Option<ApiError>>,
    connection: RwSignal<Connection>,
    versions: ListVersions,
    /// Audit entries the feed brought since the organization's pages opened, newest last.
    audit: RwSignal<Vec<AuditEntry>>,
    pending: RwSignal<HashMap<Subject, Pending>>,
    products: Memo<Vec<Product>>,
    feed: feed::FeedHandle,
}

impl OrgState {
    /// Loads the organization's snapshot and follows its changes while the caller's owner
    /// lives (the organization's pages).
    pub fn new(org: OrgId) -> Self {
        let snapshot = RwSignal::new(None::<MembersSnapshot>);
        // Apart, so that what shows product names follows them, not every event.
        let products = Memo::new(move |_| {
            snapshot.with(|snapshot| {
                snapshot
                    .as_ref()
                    .map(|snapshot| snapshot.products.clone())
                    .unwrap_or_default()
            })
        });
        let state = Self {
            org,
            snapshot,
            error: RwSignal::new(None),
            connection: RwSignal::new(Connection::Connecting),
            versions: ListVersions::default(),
            audit: RwSignal::new(Vec::new()),
            pending: RwSignal::new(HashMap::new()),
            products,
            feed: feed::FeedHandle::new(),
        };
        state.start();
        state
    }

    pub fn get() -> Self {
        expect_context()
    }

    /// The organization as the last event left it.
    pub fn latest(&self) -> RwSignal<Option<MembersSnapshot>> {
        self.snapshot
    }

    /// Reads the snapshot without subscribing (table cells and panels are drawn again on
    /// their own terms, not on every event), or the default before it loads.
    pub fn read<R: Default>(&self, read: impl FnOnce(&MembersSnapshot) -> R) -> R {
        self.snapshot
            .with_untracked(|snapshot| snapshot.as_ref().map(read).unwrap_or_default())
    }

    /// Moves on when the groups or the products change: member cells name roles and
    /// licenses after them (see `Column::also_reads`).
    pub fn groups_and_products(&self) -> Signal<u64> {
        let snapshot = self.snapshot;
        let parts = Memo::new(move |_| {
            snapshot.with(|s| s.as_ref().map(|s| (s.groups.clone(), s.products.clone())))
        });
        Memo::new(move |revision: Option<&u64>| {
            // Read, not only tracked: a memo nobody reads is never computed, and follows nothing.
            parts.with(|_| ());
            revision.map_or(0, |n| n + 1)
        })
        .into()
    }

    /// Rows picked from the snapshot, computed again when it changes.
    pub fn select<T: Send + Sync + 'static>(
        &self,
        pick: impl Fn(&MembersSnapshot) -> Vec<T> + Send + Sync + 'static,
    ) -> Signal<Vec<T>> {
        let snapshot = self.snapshot;
        table_rows(move || snapshot.with(|s| s.as_ref().map(&pick).unwrap_or_default()))
    }

    /// The members with `status`, in the snapshot's order.
    pub fn members_with(&self, status: MemberStatus) -> Signal<Vec<Arc<Member>>> {
        self.select(move |s| {
            s.members
                .iter()
                .filter(|m| m.status == status)
                .cloned()
                .collect()
        })
    }

    /// Active members by id, as they are now.
    pub fn active_members_untracked(&self) -> HashMap<MemberId, Arc<Member>> {
        self.read(|s| {
            s.members
                .iter()
                .filter(|m| m.status == MemberStatus::Active)
                .map(|m| (m.id, m.clone()))
                .collect()
        })
    }

    /// The group `id` as it is now, if it still exists.
    pub fn group_untracked(&self, id: GroupId) -> Option<Group> {
        self.read(|s| s.groups.iter().find(|g| g.id == id).cloned())
    }

    pub fn invitations(&self) -> Signal<Vec<Invitation>> {
        self.select(|s| s.invitations.clone())
    }

    /// Each product's seats, following changes.
    pub fn seats(&self) -> Vec<ProductSeats> {
        self.snapshot
            .with(|s| s.as_ref().map(|s| s.seats.clone()).unwrap_or_default())
    }

    /// A product's name, following changes (names arrive with the snapshot, which may load
    /// after the rows that show them).
    pub fn product_name(&self, id: ProductId) -> String {
        self.products.with(|all| {
            all.iter()
                .find(|product| product.id == id)
                .map(|product| product.name.clone())
                .unwrap_or_default()
        })
    }

    /// "Runtime Engine, Studio Enterprise": the names of `products` in alphabetical order,
    /// or `none`, following changes.
    pub fn product_list(
        &self,
        products: Vec<ProductId>,
        none: &'static str,
    ) -> impl Fn() -> String + Send + Sync + use<> {
        let all = self.products;
        move || all.with(|all| format::product_names(all, &products, none))
    }

    /// The full names of members `ids`, for messages: one pass over the members, however
    /// many were changed at once.
    pub fn names_of(&self, ids: &[i64]) -> Vec<String> {
        let wanted: HashSet<MemberId> = ids.iter().copied().map(MemberId).collect();
        self.read(|s| {
            s.members
                .iter()
                .filter(|m| wanted.contains(&m.id))
                .map(|m| m.full_name.clone())
                .collect()
        })
    }

    /// Licenses members should have had but could not get, loaded again when they change.
    pub fn allocation_errors(&self) -> Remote<Vec<AllocationError>> {
        let (org, version) = (self.org, self.versions.allocation_errors);
        Remote::following(
            move || crate::api::allocation_errors(org),
            move || version.get(),
        )
    }

    /// The organization's teams, loaded again when they change (by any admin).
    pub fn teams(&self) -> Remote<Vec<Team>> {
        let (org, version) = (self.org, self.versions.teams);
        Remote::following(move || crate::api::teams(org), move || version.get())
    }

    /// Audit entries of the changes heard from the feed since the pages opened, newest last
    /// (at most the last `LIVE_AUDIT_ENTRIES`).
    pub fn live_audit(&self) -> RwSignal<Vec<AuditEntry>> {
        self.audit
    }

    /// Changes whenever machines or activations changed, for views that load them.
    pub fn licenses_version(&self) -> u64 {
        self.versions.licenses.get()
    }

    /// Marks subjects as changing, shown at once on their rows as `label`.
    pub fn mark_pending(&self, subjects: &[Subject], label: &str) {
        self.pending.update(|pending| {
            for subject in subjects {
                pending.insert(
                    *subject,
                    Pending {
                        label: label.to_owned(),
                        confirmed_at: None,
                    },
                );
            }
        });
    }

    /// The server did these: the marks go when the event of `seq` has arrived.
    pub fn confirm(&self, subjects: &[Subject], seq: u64) {
        self.pending.update(|pending| {
            for subject in subjects {
                if let Some(mark) = pending.get_mut(subject) {
                    mark.confirmed_at = Some(seq);
                }
            }
        });
        self.settle_pending();
    }

    /// The server refused these: nothing changed, so the marks go now.
    pub fn roll_back(&self, subjects: &[Subject]) {
        self.pending.update(|pending| {
            for subject in subjects {
                pending.remove(subject);
            }
        });
    }

    /// What this admin is doing to the rows of `subject`, until the server confirms it.
    pub fn pending(&self, subject: fn(i64) -> Subject) -> Callback<i64, Option<String>> {
        let pending = self.pending;
        Callback::new(move |id| {
            pending.with(|pending| pending.get(&subject(id)).map(|mark| mark.label.clone()))
        })
    }

    fn settle_pending(&self) {
        let Some(seq) = self.snapshot.with_untracked(|s| s.as_ref().map(|s| s.seq)) else {
            return;
        };
        let settled = self.pending.with_untracked(|pending| {
            pending
                .values()
                .any(|mark| mark.confirmed_at.is_some_and(|at| at <= seq))
        });
        if settled {
            self.pending.update(|pending| {
                pending.retain(|_, mark| mark.confirmed_at.is_none_or(|at| at > seq))
            });
        }
    }
}

impl Loadable for OrgState {
    fn is_loaded(&self) -> bool {
        self.snapshot.with(Option::is_some)
    }

    fn error(&self) -> Option<ApiError> {
        self.error.get()
    }

    /// Loads a fresh snapshot (the feed keeps it current; this is for a retry).
    fn retry(&self) {
        self.load();
    }
}
