//! How each kind of row meets the tables: id, search key, and name.

use std::sync::Arc;

use allot_core::{
    Group, GroupId, Invitation, LicensedUser, Member, MemberStatus, MembersSnapshot,
    OfflineActivation, OnlineActivation, RegisteredMachine,
    format::{self, count},
    search::search_key,
    sort::SortKey,
};
use leptos::prelude::*;

use crate::{
    components::{Column, IconButton, TableRow, table_rows},
    org::OrgState,
};

impl TableRow for Arc<Member> {
    const SHARED: bool = true;

    fn id(&self) -> i64 {
        self.id.into()
    }

    fn unchanged(&self, earlier: &Self) -> bool {
        Arc::ptr_eq(self, earlier)
    }

    fn search_key(&self) -> String {
        allot_core::search::member_search_key(self)
    }

    fn label(&self) -> String {
        self.full_name.clone()
    }
}

impl TableRow for Invitation {
    fn id(&self) -> i64 {
        self.id.into()
    }

    fn search_key(&self) -> String {
        search_key(&[&self.email, &self.invited_by])
    }

    fn label(&self) -> String {
        self.email.clone()
    }
}

impl TableRow for LicensedUser {
    fn id(&self) -> i64 {
        self.member_id.into()
    }

    fn search_key(&self) -> String {
        search_key(&[&self.full_name, &self.email])
    }

    fn label(&self) -> String {
        self.full_name.clone()
    }
}

/// Rows about a machine: found by its id, hostname and user; named by user and machine.
macro_rules! machine_row {
    ($row:ty, $id:ident, $label:expr) => {
        impl TableRow for $row {
            fn id(&self) -> i64 {
                self.$id.into()
            }

            fn search_key(&self) -> String {
                search_key(&[&self.machine_id, &self.hostname, &self.member_name])
            }

            fn label(&self) -> String {
                $label(self)
            }
        }
    };
}

machine_row!(OnlineActivation, activation_id, |a: &OnlineActivation| {
    format!("{} on {}", a.member_name, a.machine_id)
});
machine_row!(OfflineActivation, activation_id, |a: &OfflineActivation| {
    format!("{} on {}", a.member_name, a.machine_id)
});
machine_row!(RegisteredMachine, id, |m: &RegisteredMachine| m
    .machine_id
    .clone());

/// The Full name and Email columns of tables of members.
pub fn member_identity_columns() -> Vec<Column<Arc<Member>>> {
    vec![
        Column::text("Full name", |m: &Arc<Member>| m.full_name.clone())
            .sorted_by(|m| SortKey::text(&m.full_name))
            .class("name"),
        Column::text("Email", |m: &Arc<Member>| m.email.clone())
            .sorted_by(|m| SortKey::text(&m.email))
            .class("email"),
    ]
}

/// A group as the group tables list it, with how many active members it has.
#[derive(Clone, PartialEq)]
pub struct GroupRow {
    pub group: Group,
    pub members: usize,
    /// The products of its allocation rule by name: "Studio Enterprise, Visual Testing".
    pub rule: String,
}

impl GroupRow {
    pub fn all(snapshot: &MembersSnapshot) -> Vec<GroupRow> {
        snapshot
            .groups
            .iter()
            .map(|group| GroupRow {
                group: group.clone(),
                members: snapshot
                    .members
                    .iter()
                    .filter(|m| m.status == MemberStatus::Active && m.groups.contains(&group.id))
                    .count(),
                rule: format::product_names(&snapshot.products, &group.products, "No license"),
            })
            .collect()
    }

    /// The organization's groups, kept current with it.
    pub fn rows(state: OrgState) -> Signal<Vec<GroupRow>> {
        table_rows(move || {
            state
                .latest()
                .with(|snapshot| snapshot.as_ref().map(GroupRow::all))
                .unwrap_or_default()
        })
    }

    pub fn name_column() -> Column<GroupRow> {
        Column::text("Group", |g: &GroupRow| g.group.name.clone())
            .sorted_by(|g| SortKey::text(&g.group.name))
            .class("name")
    }

    /// The allocation rule, under the heading `label`.
    pub fn rule_column(label: &'static str) -> Column<GroupRow> {
        Column::text(label, |g: &GroupRow| g.rule.clone())
            .sorted_by(|g| SortKey::text(&g.rule))
            .class("licenses")
    }

    /// Icon buttons that open a dialog or panel about the group.
    pub fn actions_column(actions: Vec<GroupAction>) -> Column<GroupRow> {
        let actions = std::sync::Arc::new(actions);
        Column::new("Actions", move |g: &GroupRow| {
            let (id, name) = (g.group.id, g.group.name.as_str());
            let buttons = actions
                .iter()
                .map(|action| {
                    let opens = action.opens;
                    view! {
                        <IconButton
                            action=action.action
                            label=(action.label)(name)
                            icon=(action.icon)()
                            tone=action.tone
                            on_click=Callback::new(move |_| opens.set(Some(id)))
                        />
                    }
                })
                .collect_view();
            view! { <div class="row-actions">{buttons}</div> }
        })
    }

    pub fn members_column() -> Column<GroupRow> {
        Column::new("Members", |g: &GroupRow| count(g.members))
            .sorted_by(|g| SortKey::Number(Some(g.members as i64)))
    }
}

/// An icon button of a group's row.
pub struct GroupAction {
    /// The document's words, in its tooltip: "Edit group allocation rule".
    pub action: &'static str,
    /// Its accessible name, from the group's name.
    pub label: fn(&str) -> String,
    pub icon: fn() -> AnyView,
    /// `danger` for deletion, `edit` for the rest.
    pub tone: &'static str,
    /// Set to the group's id on click: what the page opens.
    pub opens: RwSignal<Option<GroupId>>,
}

impl GroupAction {
    pub fn new(
        action: &'static str,
        label: fn(&str) -> String,
        icon: fn() -> AnyView,
        opens: RwSignal<Option<GroupId>>,
    ) -> Self {
        Self {
            action,
            label,
            icon,
            tone: "edit",
            opens,
        }
    }

    /// A removal, drawn as dangerous.
    pub fn danger(self) -> Self {
        Self {
            tone: "danger",
            ..self
        }
    }
}

impl TableRow for GroupRow {
    // Few, and small: compared whole, so that a change to one group redraws only its row.
    const SHARED: bool = true;

    fn id(&self) -> i64 {
        self.group.id.into()
    }

    fn unchanged(&self, earlier: &Self) -> bool {
        self == earlier
    }

    fn search_key(&self) -> String {
        search_key(&[&self.group.name])
    }

    fn label(&self) -> String {
        self.group.name.clone()
    }
}
