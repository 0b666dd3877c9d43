//! What every change to an organization does besides the change itself, in its transaction.

use std::{
    collections::HashMap,
    ops::{Deref, DerefMut},
    path::{Path, PathBuf},
    sync::{Arc, LazyLock, Mutex as StdMutex},
};

use allot_core::{
    AccountId, AuditAction, AuditActor, AuditEntry, AuditEntryId, AuditSubject, ChangeEvent, OrgId,
    audit::{AuditDetail, Nothing},
    licensing::PoolKind,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{
    db::{self, Backend, Conn, Db, Tx, now},
    store::{audit, changes, pools, products, snapshot, usage},
};

/// One queue of writers per SQLite file: a writer waits here for its turn, without a
/// connection, instead of polling SQLite's busy timeout (whose back-off makes the unlucky
/// wait seconds under load). PostgreSQL needs none: its writers lock their organization.
static WRITERS: LazyLock<StdMutex<HashMap<PathBuf, Arc<Mutex<()>>>>> =
    LazyLock::new(Default::default);

fn writers(file: &Path) -> Arc<Mutex<()>> {
    let mut writers = WRITERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    writers.entry(file.to_path_buf()).or_default().clone()
}

/// A write transaction and, on SQLite, this process's turn to write, given back when it
/// ends. Derefs to the connection, like a [`Tx`].
pub struct WriteTx {
    // Dropped first: an unfinished transaction is rolled back before the turn passes on.
    tx: Tx,
    _turn: Option<OwnedMutexGuard<()>>,
    /// The organization whose turn it is.
    org_id: OrgId,
}

impl WriteTx {
    /// Records the change `actor` (or an agent) made, as `detail` tells it: its audit entry,
    /// the organization's next sequence number and change event. Once per change; a
    /// transaction may hold several changes (the expiry task records one per kind).
    pub async fn record(
        &mut self,
        actor: Option<AccountId>,
        detail: AuditDetail,
    ) -> Result<u64, sqlx::Error> {
        let org_id = self.org_id;
        record(self, org_id, actor, detail).await
    }

    /// Records the change `actor` (or an agent) made, as `detail` tells it, and commits:
    /// the end of most mutations. Returns the organization's new sequence number.
    pub async fn finish(
        mut self,
        actor: Option<AccountId>,
        detail: AuditDetail,
    ) -> Result<u64, sqlx::Error> {
        let seq = self.record(actor, detail).await?;
        self.commit().await?;
        Ok(seq)
    }

    /// Commits a change that turned out to change nothing (only refusals): no event.
    /// Returns the organization's sequence number, as it was.
    pub async fn finish_unchanged(mut self) -> Result<u64, sqlx::Error> {
        let org_id = self.org_id;
        let seq = current_seq(&mut self, org_id).await?;
        self.commit().await?;
        Ok(seq)
    }

    /// Commits, provided every change the transaction made has its event: a change noted in
    /// `change_dirty` but never recorded would be missing from the feed and would poison the
    /// next transaction's bookkeeping, so such a transaction is rolled back and fails.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        if changes::unrecorded(&mut self.tx).await? {
            self.tx.rollback().await?;
            tracing::error!("a write transaction changed state without recording its change");
            return Err(sqlx::Error::Protocol(
                "a change was made without its change event; it was rolled back".into(),
            ));
        }
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for WriteTx {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

/// Stores take a write transaction as they take any connection.
impl<'e> db::Executor<'e> for &'e mut WriteTx {
    fn target(self) -> db::Target<'e> {
        db::Target::Conn(self)
    }
}

/// Opens a write transaction on `org_id`'s data in which what it counts (seats left, Owners
/// left, an invitation still pending) cannot change under it until it ends, whichever server
/// writes: on SQLite it holds the write lock from the start (`BEGIN IMMEDIATE`), after this
/// process's writers have queued for their turn, in order; on PostgreSQL it locks the
/// organization's row, so that the organization's writers take turns across all servers
/// while other organizations' go on.
///
/// A write made outside the servers (an operator's SQL) is noted by the triggers like any
/// other but has no event yet: it becomes its organization's next event here, before this
/// transaction's own change, so that the feed stays complete and `commit` finds the
/// bookkeeping clean.
pub async fn begin(db: &Db, org_id: OrgId) -> Result<WriteTx, sqlx::Error> {
    let turn = match db.sqlite_file() {
        Some(file) => Some(writers(&file).lock_owned().await),
        None => None,
    };
    let mut tx = WriteTx {
        tx: db.begin_write().await?,
        _turn: turn,
        org_id,
    };
    let outside = changes::outside_marks(&mut tx).await?;
    if db.backend() == Backend::Postgres {
        // Organizations locked in one order by everyone, so that two writers never wait for
        // each other.
        let mut orgs: Vec<OrgId> = outside.iter().copied().chain([org_id]).collect();
        orgs.sort_unstable();
        orgs.dedup();
        for &org in &orgs {
            changes::lock_organization(&mut tx, org).await?;
        }
    }
    changes::take_outside_marks(&mut tx, &outside).await?;
    for org_id in outside {
        tracing::warn!(%org_id, "recording a change made outside the server");
        let detail = AuditDetail::ExternalChange(Nothing {});
        record(&mut tx, org_id, None, detail).await?;
    }
    Ok(tx)
}

/// The organization's sequence number: its last change event's.
pub async fn current_seq(conn: &mut Conn, org_id: OrgId) -> Result<u64, sqlx::Error> {
    changes::current_seq(conn, org_id).await
}

/// Records who did what in the audit log, advances the organization's sequence number and
/// appends the change event: the new state of everything the transaction touched, and the
/// audit entry (for open Audit Logs). Returns the new number. Call once per change, inside
/// the change's transaction, after its writes.
async fn record(
    tx: &mut Conn,
    org_id: OrgId,
    actor: Option<AccountId>,
    detail: AuditDetail,
) -> Result<u64, sqlx::Error> {
    let now = now();
    let entry = audit_entry(tx, org_id, actor, &detail, now).await?;
    let seq = changes::next_seq(tx, org_id).await?;
    let mut event = snapshot::touched(tx, org_id, seq as u64).await?;
    let in_use = seats_in_use(tx, org_id, &event, now).await?;
    usage::record(tx, org_id, &in_use, now).await?;
    event.audit = Some(entry);
    let body = serde_json::to_string(&event).map_err(|error| sqlx::Error::Encode(error.into()))?;
    changes::append(tx, org_id, seq, body, now).await?;
    changes::clear_marks(tx, org_id).await?;
    changes::notify(tx, org_id).await?;
    Ok(seq as u64)
}

/// The seats in use now that `event` may have moved, for the usage history: named seats when
/// seat use changed (the event carries them), floating seats (sessions and offline licenses
/// in floating pools) when seat use or licenses changed.
async fn seats_in_use(
    tx: &mut Conn,
    org_id: OrgId,
    event: &ChangeEvent,
    now: i64,
) -> Result<Vec<usage::InUse>, sqlx::Error> {
    let mut in_use: Vec<usage::InUse> = event
        .products
        .iter()
        .flat_map(|products| &products.seats)
        .map(|seats| usage::InUse {
            product: seats.id,
            kind: PoolKind::Named,
            used: seats.used,
            quota: seats.seats,
        })
        .collect();
    if event.products.is_none() && !event.licenses_changed {
        return Ok(in_use);
    }
    for (product, _) in products::list(tx, org_id).await? {
        let floating: Vec<_> = pools::in_use(tx, product, now)
            .await?
            .into_iter()
            .filter(|pool| pool.kind == PoolKind::Floating)
            .collect();
        if floating.is_empty() {
            continue;
        }
        let current: Vec<_> = floating
            .iter()
            .filter(|pool| pool.is_current(now))
            .collect();
        in_use.push(usage::InUse {
            product,
            kind: PoolKind::Floating,
            used: current.iter().map(|pool| pool.used).sum(),
            quota: (!current.is_empty()).then(|| current.iter().map(|pool| pool.seats).sum()),
        });
    }
    Ok(in_use)
}

/// Writes the change's audit entry, with its sentence and its subjects' names as they are
/// now (a few queries, however many subjects); answers it as the log shows it.
async fn audit_entry(
    tx: &mut Conn,
    org_id: OrgId,
    actor: Option<AccountId>,
    detail: &AuditDetail,
    at: i64,
) -> Result<AuditEntry, sqlx::Error> {
    let action = detail.action();
    let mut entry = describe(tx, org_id, actor, action, Some(detail), at).await?;
    let search = entry.search_key();
    entry.id = audit::insert(
        tx,
        &audit::NewEntry {
            org_id,
            actor,
            action,
            detail: &detail.to_json(),
            summary: &entry.summary,
            subjects: &entry.subjects,
            search: &search,
            at,
        },
    )
    .await?;
    Ok(entry)
}

/// What the log shows of a change: who did it, the sentence, and its subjects with their
/// names as they are now; of an old entry whose `detail` no longer reads, who and the action.
async fn describe(
    tx: &mut Conn,
    org_id: OrgId,
    actor: Option<AccountId>,
    action: AuditAction,
    detail: Option<&AuditDetail>,
    at: i64,
) -> Result<AuditEntry, sqlx::Error> {
    let person = match actor {
        Some(account) => audit::person(tx, account).await?,
        None => None,
    };
    let actor_shown = match (actor, person) {
        (Some(account_id), Some((name, email))) => AuditActor::Person {
            account_id,
            name,
            email,
        },
        _ => AuditActor::Agent {
            agent: action.agent(),
        },
    };
    let ids = detail.map(AuditDetail::subject_ids).unwrap_or_default();
    let mut subjects = audit::subject_names(tx, org_id, &ids).await?;
    // What the change deleted cannot be looked up: its detail names it.
    let deleted = detail.map(AuditDetail::named_subjects).unwrap_or_default();
    let unfound: Vec<AuditSubject> = (deleted.into_iter())
        .filter(|named| {
            !subjects
                .iter()
                .any(|s| s.kind == named.kind && s.id == named.id)
        })
        .collect();
    subjects.extend(unfound);
    let summary = match detail {
        Some(detail) => detail.sentence(&actor_shown, &subjects),
        None => action.bare_sentence(&actor_shown),
    };
    Ok(AuditEntry {
        id: AuditEntryId::default(),
        at,
        action,
        actor: actor_shown,
        summary,
        subjects,
    })
}

/// Entries described per transaction when describing old ones.
const DESCRIBED_PER_BATCH: u32 = 500;

/// Gives entries written before sentences were stored theirs, with their subjects' names as
/// they are now (the names they had then were not kept), so that they read like the others
/// and search finds them. Run in the background at start by every server: an entry described
/// twice reads the same.
pub async fn describe_old_entries(db: &Db) -> Result<u64, sqlx::Error> {
    let mut described = 0;
    loop {
        let mut tx = db.begin().await?;
        let old = audit::undescribed(&mut tx, DESCRIBED_PER_BATCH).await?;
        if old.is_empty() {
            return Ok(described);
        }
        for old in &old {
            let detail = serde_json::from_str(&old.detail)
                .and_then(|detail| AuditDetail::read(old.action, detail))
                .ok();
            let (org_id, actor) = (old.org_id, old.actor);
            let entry =
                describe(&mut tx, org_id, actor, old.action, detail.as_ref(), old.at).await?;
            audit::set_description(&mut tx, old.id, &entry).await?;
        }
        tx.commit().await?;
        described += old.len() as u64;
    }
}
