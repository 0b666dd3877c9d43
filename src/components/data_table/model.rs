//! A table's rows seen without their type, and what it derived from them: which rows
//! changed since the last look, their search keys and sort orders, redone only where rows
//! changed.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use allot_core::sort::{Sort, resort, sort_rows};
use leptos::prelude::*;

use super::{Column, TableRow, Unselectable};

/// A column's header, without its row type.
#[derive(Clone, Copy)]
pub(super) struct Head {
    pub label: &'static str,
    pub class: &'static str,
    pub sortable: bool,
}

/// A table's rows and columns seen without their type: `DataTable<T>` wraps them in one, so
/// that the table itself is compiled once, not once per kind of row.
pub(super) trait Model: Send + Sync {
    /// Subscribes the caller to the rows, and to what the cells also read.
    fn track(&self);
    /// Takes note of a change of the rows: which ones changed, when that can be told (all of
    /// them when what the cells also read changed).
    fn refresh(&self);
    fn len(&self) -> usize;
    fn ids(&self) -> Vec<i64>;
    /// Each row's folded search key, redone only for the rows that changed.
    fn keys(&self) -> Arc<Vec<Arc<str>>>;
    /// Row indexes in the order of `sort`, re-sorting only the rows that changed.
    fn sorted(&self, sort: Sort) -> Arc<Vec<usize>>;
    fn id(&self, index: usize) -> i64;
    /// The refresh that last changed the row at `index`: its view is drawn again only then
    /// (or when it moves), so a change to one row leaves the others' elements in place.
    fn stamp(&self, index: usize) -> u64;
    fn label(&self, index: usize) -> String;
    /// Why the row cannot be ticked, if it cannot.
    fn why_not(&self, index: usize) -> Option<&'static str>;
    /// Whether some rows may not be ticked.
    fn has_unselectable(&self) -> bool;
    /// The row's cells: content and, for text, its whole text.
    fn cells(&self, index: usize) -> Vec<(AnyView, Option<String>)>;
}

pub(super) struct Typed<T: Send + Sync + 'static> {
    rows: Signal<Vec<T>>,
    columns: Vec<Column<T>>,
    unselectable: Option<Unselectable<T>>,
    cache: Mutex<Cache<T>>,
}

/// What the table derived from its rows, and what changed since.
struct Cache<T> {
    /// Bumped by each refresh.
    version: u64,
    /// The rows as of the last refresh, when shared (holding them costs a pointer each).
    rows: Vec<T>,
    /// The rows the last refresh found changed, when the others kept their ids and places.
    changed: Option<Vec<usize>>,
    /// Each row's `Model::stamp`, by index.
    stamps: Vec<u64>,
    /// The columns' `also_reads` as of the last refresh.
    also_read: Vec<u64>,
    keys: Option<(u64, Arc<Vec<Arc<str>>>)>,
    order: Option<(u64, Sort, Arc<Vec<usize>>)>,
}

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Self {
            version: 0,
            rows: Vec::new(),
            changed: None,
            stamps: Vec::new(),
            also_read: Vec::new(),
            keys: None,
            order: None,
        }
    }
}

impl<T: TableRow> Typed<T> {
    pub fn new(
        rows: Signal<Vec<T>>,
        columns: Vec<Column<T>>,
        unselectable: Option<Unselectable<T>>,
    ) -> Self {
        Self {
            rows,
            columns,
            unselectable,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The columns' headers.
    pub fn heads(&self) -> Vec<Head> {
        (self.columns.iter())
            .map(|column| Head {
                label: column.label,
                class: column.class,
                sortable: column.sort_key.is_some(),
            })
            .collect()
    }

    fn row<R>(&self, index: usize, read: impl FnOnce(&T) -> R) -> R {
        self.rows.with_untracked(|rows| read(&rows[index]))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache<T>> {
        // Nothing panics while holding it; a poisoned cache is still a cache.
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T: TableRow> Model for Typed<T> {
    fn track(&self) {
        self.rows.track();
        for revision in self.columns.iter().filter_map(|column| column.also_reads) {
            revision.track();
        }
    }

    fn refresh(&self) {
        let mut cache = self.cache();
        cache.version += 1;
        let version = cache.version;
        let also_read: Vec<u64> = (self.columns.iter())
            .filter_map(|column| column.also_reads.map(|revision| revision.get_untracked()))
            .collect();
        let all = cache.also_read != also_read;
        cache.also_read = also_read;
        if !T::SHARED {
            cache.changed = None;
            cache.stamps = vec![version; self.len()];
            return;
        }
        self.rows.with_untracked(|rows| {
            if all {
                cache.changed = None;
                cache.stamps = vec![version; rows.len()];
                cache.rows = rows.clone();
                return;
            }
            let same_places = rows.len() == cache.rows.len()
                && rows
                    .iter()
                    .zip(&cache.rows)
                    .all(|(now, then)| now.id() == then.id());
            if same_places {
                let changed: Vec<usize> = (0..rows.len())
                    .filter(|&i| !rows[i].unchanged(&cache.rows[i]))
                    .collect();
                for &i in &changed {
                    cache.stamps[i] = version;
                }
                cache.changed = Some(changed);
            } else {
                // Rows came, went or moved: each keeps its stamp if it is still itself.
                let earlier: HashMap<i64, (&T, u64)> = cache
                    .rows
                    .iter()
                    .zip(&cache.stamps)
                    .map(|(row, &stamp)| (row.id(), (row, stamp)))
                    .collect();
                let stamps = rows
                    .iter()
                    .map(|row| match earlier.get(&row.id()) {
                        Some((then, stamp)) if row.unchanged(then) => *stamp,
                        _ => version,
                    })
                    .collect();
                cache.stamps = stamps;
                cache.changed = None;
            }
            cache.rows = rows.clone();
        });
    }

    fn len(&self) -> usize {
        self.rows.with_untracked(Vec::len)
    }

    fn ids(&self) -> Vec<i64> {
        self.rows
            .with_untracked(|rows| rows.iter().map(T::id).collect())
    }

    fn keys(&self) -> Arc<Vec<Arc<str>>> {
        let mut cache = self.cache();
        let version = cache.version;
        let keys = self
            .rows
            .with_untracked(|rows| match (&cache.keys, &cache.changed) {
                (Some((at, keys)), _) if *at == version => keys.clone(),
                (Some((at, keys)), Some(changed)) if at + 1 == version => {
                    let mut keys = Vec::clone(keys);
                    for &i in changed {
                        keys[i] = rows[i].search_key().into();
                    }
                    Arc::new(keys)
                }
                _ => Arc::new(rows.iter().map(|row| row.search_key().into()).collect()),
            });
        cache.keys = Some((version, keys.clone()));
        keys
    }

    fn sorted(&self, sort: Sort) -> Arc<Vec<usize>> {
        let mut cache = self.cache();
        let version = cache.version;
        let order = self.rows.with_untracked(|rows| {
            let Some(key) = &self.columns[sort.column].sort_key else {
                return Arc::new((0..rows.len()).collect());
            };
            match (&cache.order, &cache.changed) {
                (Some((at, by, order)), _) if *at == version && *by == sort => order.clone(),
                (Some((at, by, order)), Some(changed)) if at + 1 == version && *by == sort => {
                    let mut order = Vec::clone(order);
                    let (key, id) = (|i: usize| key(&rows[i]), |i: usize| rows[i].id());
                    resort(&mut order, changed, key, id, sort.direction);
                    Arc::new(order)
                }
                _ => Arc::new(sort_rows(rows, |row| key(row), T::id, sort.direction)),
            }
        });
        cache.order = Some((version, sort, order.clone()));
        order
    }

    fn id(&self, index: usize) -> i64 {
        self.row(index, T::id)
    }

    fn stamp(&self, index: usize) -> u64 {
        self.cache().stamps.get(index).copied().unwrap_or_default()
    }

    fn label(&self, index: usize) -> String {
        self.row(index, T::label)
    }

    fn why_not(&self, index: usize) -> Option<&'static str> {
        let why = self.unselectable?;
        self.row(index, why)
    }

    fn has_unselectable(&self) -> bool {
        self.unselectable.is_some()
    }

    fn cells(&self, index: usize) -> Vec<(AnyView, Option<String>)> {
        self.row(index, |row| {
            self.columns
                .iter()
                .map(|column| {
                    let title = column.title.as_ref().map(|title| title(row));
                    ((column.cell)(row), title)
                })
                .collect()
        })
    }
}
