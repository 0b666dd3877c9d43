//! How entries say things: subjects by name, lists cut short, counts with their nouns.

use std::collections::HashMap;

use super::{AuditSubject, SubjectKind};
use crate::{ProductId, Role};

/// Names of an entry's subjects, by kind and id: "#id" for one that could not be found.
/// Looked up in a map: a change may touch 10,000 members.
pub(super) struct Names<'a>(HashMap<(SubjectKind, i64), &'a str>);

impl<'a> Names<'a> {
    pub fn new(subjects: &'a [AuditSubject]) -> Self {
        Self(
            subjects
                .iter()
                .map(|subject| ((subject.kind, subject.id), subject.name.as_str()))
                .collect(),
        )
    }

    pub fn of(&self, kind: SubjectKind, id: impl Into<i64>) -> String {
        let id = id.into();
        self.0
            .get(&(kind, id))
            .map_or_else(|| format!("#{id}"), |name| (*name).to_owned())
    }

    pub fn list<Id: Into<i64>>(
        &self,
        kind: SubjectKind,
        ids: impl IntoIterator<Item = Id>,
    ) -> Vec<String> {
        ids.into_iter().map(|id| self.of(kind, id)).collect()
    }
}

/// "Ana", "Ana and Bo", "Ana, Bo and Cy"; at most 5 named, then "and 7 more".
pub(super) fn listed(names: &[String]) -> String {
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
pub(super) fn count(n: usize, noun: &str) -> String {
    let nouns = if noun.ends_with('s') {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    };
    crate::format::plural(n, noun, &nouns)
}

/// `one(name)` for a single name; "3 users: Ana, Bo and Cy" for more.
pub(super) fn one_or_many(names: &[String], one: impl Fn(&str) -> String, noun: &str) -> String {
    match names {
        [name] => one(name),
        _ => format!("{}: {}", count(names.len(), noun), listed(names)),
    }
}

pub(super) fn role_label(role: Option<Role>) -> &'static str {
    role.map_or("another role", Role::label)
}

/// "+ Runtime Engine, − Studio": what a list of products gained and lost.
pub(super) fn product_changes(names: &Names, before: &[ProductId], after: &[ProductId]) -> String {
    let mut changes: Vec<String> = (after.iter())
        .filter(|id| !before.contains(id))
        .map(|&id| format!("+ {}", names.of(SubjectKind::Product, id)))
        .collect();
    changes.extend(
        (before.iter())
            .filter(|id| !after.contains(id))
            .map(|&id| format!("− {}", names.of(SubjectKind::Product, id))),
    );
    if changes.is_empty() {
        "no change".to_owned()
    } else {
        changes.join(", ")
    }
}
