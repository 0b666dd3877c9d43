//! The audit log: one entry per change, written in the change's transaction with its sentence
//! and its subjects' names as they were, read newest first, a page at a time.

use allot_core::{
    AccountId, AuditAction, AuditActor, AuditEntry, AuditEntryId, AuditSubject, OrgId,
    audit::{ActorFilter, AuditDetail, SubjectKind},
};

use std::collections::HashMap;

use futures_util::{Stream, TryStreamExt};

use crate::db::{Arg, Conn, Db, Executor, query, query_as, query_scalar};

use super::id_list;

/// An entry to write: the change's action, actor and detail, and what the log shows of it.
pub struct NewEntry<'a> {
    pub org_id: OrgId,
    pub actor: Option<AccountId>,
    pub action: AuditAction,
    pub detail: &'a serde_json::Value,
    pub summary: &'a str,
    pub subjects: &'a [AuditSubject],
    pub search: &'a str,
    pub at: i64,
}

/// Writes the entry; answers its id.
pub async fn insert(conn: &mut Conn, entry: &NewEntry<'_>) -> Result<AuditEntryId, sqlx::Error> {
    let subjects =
        serde_json::to_string(entry.subjects).map_err(|error| sqlx::Error::Encode(error.into()))?;
    query_scalar(
        "INSERT INTO audit_events
           (org_id, actor_id, action, detail, created_at, summary, subjects, search)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(entry.org_id)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.detail.to_string())
    .bind(entry.at)
    .bind(entry.summary)
    .bind(subjects)
    .bind(entry.search)
    .fetch_one(conn)
    .await
}

/// An entry written before sentences were stored: what it takes to describe it now.
pub struct Undescribed {
    pub id: AuditEntryId,
    pub org_id: OrgId,
    pub actor: Option<AccountId>,
    pub action: AuditAction,
    pub detail: String,
    pub at: i64,
}

/// Up to `limit` entries without a sentence, oldest first.
pub async fn undescribed(conn: &mut Conn, limit: u32) -> Result<Vec<Undescribed>, sqlx::Error> {
    let rows: Vec<(
        AuditEntryId,
        OrgId,
        Option<AccountId>,
        AuditAction,
        String,
        i64,
    )> = query_as(
        "SELECT id, org_id, actor_id, action, detail, created_at FROM audit_events
         WHERE summary IS NULL ORDER BY id LIMIT ?",
    )
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, org_id, actor, action, detail, at)| Undescribed {
            id,
            org_id,
            actor,
            action,
            detail,
            at,
        })
        .collect())
}

/// Stores what the log shows of entry `id`: its sentence, subjects and search text.
pub async fn set_description(
    conn: &mut Conn,
    id: AuditEntryId,
    entry: &AuditEntry,
) -> Result<(), sqlx::Error> {
    let subjects = serde_json::to_string(&entry.subjects)
        .map_err(|error| sqlx::Error::Encode(error.into()))?;
    query("UPDATE audit_events SET summary = ?, subjects = ?, search = ? WHERE id = ?")
        .bind(&entry.summary)
        .bind(subjects)
        .bind(entry.search_key())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The person behind `account`: their full name and email.
pub async fn person(
    conn: &mut Conn,
    account: AccountId,
) -> Result<Option<(String, String)>, sqlx::Error> {
    query_as("SELECT full_name, email FROM accounts WHERE id = ?")
        .bind(account)
        .fetch_optional(conn)
        .await
}

/// The names of the organization's `ids` (by kind) that still exist, in the order given.
pub async fn subject_names(
    conn: &mut Conn,
    org_id: OrgId,
    ids: &[(SubjectKind, i64)],
) -> Result<Vec<AuditSubject>, sqlx::Error> {
    let mut found = Vec::with_capacity(ids.len());
    for kind in [
        SubjectKind::Member,
        SubjectKind::Product,
        SubjectKind::Group,
        SubjectKind::Team,
        SubjectKind::Activation,
        SubjectKind::Machine,
    ] {
        let of_kind: Vec<i64> = ids
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|&(_, id)| id)
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        let sql = match kind {
            SubjectKind::Member => {
                "SELECT m.id, a.full_name FROM memberships m JOIN accounts a ON a.id = m.account_id
                 WHERE m.id IN (SELECT value FROM json_each(?1)) AND m.org_id = ?2"
            }
            SubjectKind::Product => {
                "SELECT id, name FROM products
                 WHERE id IN (SELECT value FROM json_each(?1)) AND org_id = ?2"
            }
            SubjectKind::Group => {
                "SELECT id, name FROM groups
                 WHERE id IN (SELECT value FROM json_each(?1)) AND org_id = ?2"
            }
            SubjectKind::Team => {
                "SELECT id, name FROM teams
                 WHERE id IN (SELECT value FROM json_each(?1)) AND org_id = ?2"
            }
            SubjectKind::Activation => {
                "SELECT id, machine_id FROM activations
                 WHERE id IN (SELECT value FROM json_each(?1)) AND org_id = ?2"
            }
            SubjectKind::Machine => {
                "SELECT id, machine_id FROM machines
                 WHERE id IN (SELECT value FROM json_each(?1)) AND org_id = ?2"
            }
        };
        let names: Vec<(i64, String)> = query_as(sql)
            .bind(id_list(&of_kind))
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?;
        found.extend(
            names
                .into_iter()
                .map(|(id, name)| AuditSubject { kind, id, name }),
        );
    }
    // In the order given, looked up by position: a change may touch 10,000 members.
    let position: HashMap<(SubjectKind, i64), usize> = ids
        .iter()
        .enumerate()
        .map(|(at, &subject)| (subject, at))
        .collect();
    found.sort_by_key(|subject| position.get(&(subject.kind, subject.id)).copied());
    Ok(found)
}

/// What a page of the log shows: all of it, or entries of these actions, by this actor, in
/// `[from, until)`, whose folded text contains `search` (already folded).
#[derive(Default)]
pub struct Filter {
    pub actions: Vec<AuditAction>,
    pub actor: Option<ActorFilter>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub search: Option<String>,
}

type EntryRow = (
    AuditEntryId,
    i64,
    AuditAction,
    Option<AccountId>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

/// Up to `limit` entries of the organization that `filter` lets through, newest first, from
/// before entry `before` (the last one of the previous page), if given.
pub async fn page(
    on: impl Executor<'_>,
    org_id: OrgId,
    filter: &Filter,
    before: Option<AuditEntryId>,
    limit: u32,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let (sql, args) = filtered(org_id, filter, before, Some(limit));
    let rows: Vec<EntryRow> = query_as(&sql).binds(args).fetch_all(on).await?;
    Ok(rows.into_iter().map(entry).collect())
}

/// Every entry of the organization that `filter` lets through, newest first, as the
/// database yields them (an export, however long the log).
pub fn all(
    db: Db,
    org_id: OrgId,
    filter: Filter,
) -> impl Stream<Item = Result<AuditEntry, sqlx::Error>> + Send + 'static {
    async_stream::try_stream! {
        let (sql, args) = filtered(org_id, &filter, None, None);
        let mut rows = query_as::<EntryRow>(&sql).binds(args).fetch(&db);
        while let Some(row) = rows.try_next().await? {
            yield entry(row);
        }
    }
}

/// The query of the entries `filter` lets through, newest first.
fn filtered(
    org_id: OrgId,
    filter: &Filter,
    before: Option<AuditEntryId>,
    limit: Option<u32>,
) -> (String, Vec<Arg>) {
    let mut sql = String::from(
        "SELECT e.id, e.created_at, e.action, e.actor_id, a.full_name, a.email, e.detail,
                e.summary, e.subjects
         FROM audit_events e LEFT JOIN accounts a ON a.id = e.actor_id
         WHERE e.org_id = ?",
    );
    let mut args: Vec<Arg> = vec![org_id.into()];
    if let Some(before) = before {
        sql.push_str(" AND e.id < ?");
        args.push(before.into());
    }
    // One placeholder per action (there are a few dozen): `json_each` lists ids only.
    let actions_in = |actions: &[AuditAction], sql: &mut String, args: &mut Vec<Arg>| {
        let marks = vec!["?"; actions.len()].join(", ");
        sql.push_str(&format!(" AND e.action IN ({marks})"));
        args.extend(actions.iter().map(|&action| Arg::from(action)));
    };
    if !filter.actions.is_empty() {
        actions_in(&filter.actions, &mut sql, &mut args);
    }
    match filter.actor {
        Some(ActorFilter::Person(account)) => {
            sql.push_str(" AND e.actor_id = ?");
            args.push(account.into());
        }
        Some(ActorFilter::Agent(agent)) => {
            let actions: Vec<AuditAction> = AuditAction::ALL
                .iter()
                .copied()
                .filter(|action| action.agent() == agent)
                .collect();
            sql.push_str(" AND e.actor_id IS NULL");
            actions_in(&actions, &mut sql, &mut args);
        }
        None => {}
    }
    if let Some(from) = filter.from {
        sql.push_str(" AND e.created_at >= ?");
        args.push(from.into());
    }
    if let Some(until) = filter.until {
        sql.push_str(" AND e.created_at < ?");
        args.push(until.into());
    }
    if let Some(search) = &filter.search {
        // Folded on both sides, so a plain substring test; LIKE's wildcards are escaped.
        let escaped = search
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        sql.push_str(" AND e.search LIKE ? ESCAPE '\\'");
        args.push(format!("%{escaped}%").into());
    }
    sql.push_str(" ORDER BY e.id DESC");
    if let Some(limit) = limit {
        sql.push_str(" LIMIT ?");
        args.push(i64::from(limit).into());
    }
    (sql, args)
}

fn entry(
    (id, at, action, actor_id, name, email, detail, summary, subjects): EntryRow,
) -> AuditEntry {
    let actor = match (actor_id, name, email) {
        (Some(account_id), Some(name), Some(email)) => AuditActor::Person {
            account_id,
            name,
            email,
        },
        _ => AuditActor::Agent {
            agent: action.agent(),
        },
    };
    let subjects: Vec<AuditSubject> = subjects
        .and_then(|subjects| serde_json::from_str(&subjects).ok())
        .unwrap_or_default();
    // Entries written before sentences were stored get theirs now, without names.
    let summary = summary.unwrap_or_else(|| {
        match serde_json::from_str(&detail).and_then(|detail| AuditDetail::read(action, detail)) {
            Ok(detail) => detail.sentence(&actor, &subjects),
            Err(_) => action.bare_sentence(&actor),
        }
    });
    AuditEntry {
        id,
        at,
        action,
        actor,
        summary,
        subjects,
    }
}

/// Forgets the entries made before `before`; answers how many.
pub async fn forget_before(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    Ok(query("DELETE FROM audit_events WHERE created_at < ?")
        .bind(before)
        .execute(db)
        .await?
        .rows_affected())
}
