//! What the table derives from its rows, the sort and the search, each redone only when
//! what it reads changed.

use std::sync::Arc;

use allot_core::{search::SearchQuery, selection::Rows, sort::Sort};
use leptos::prelude::*;

use super::model::Model;

/// Searches remembered per table, so that deleting a letter (or typing past a deletion)
/// starts from an earlier result instead of every row.
const REMEMBERED_SEARCHES: usize = 12;

pub(super) type SharedModel = StoredValue<Arc<dyn Model>>;

/// What the table derives from its rows and the search, read together by the selection.
#[derive(Clone, Copy)]
pub(super) struct Derived {
    /// Bumped on every change of the rows, or of what the cells also read: positions index
    /// one version of them.
    pub version: Memo<u64>,
    pub ids: Memo<Vec<i64>>,
    pub keys: Memo<Arc<Vec<Arc<str>>>>,
    query: Memo<SearchQuery>,
    /// Row indexes that match, in the sort order.
    pub matching: Memo<Arc<Vec<usize>>>,
}

impl Derived {
    pub fn new(model: SharedModel, sort: RwSignal<Sort>, search: RwSignal<String>) -> Self {
        let read = move || model.get_value();
        let version = Memo::new(move |previous: Option<&u64>| {
            let model = read();
            model.track();
            model.refresh();
            previous.map_or(0, |n| n + 1)
        });
        let ids = Memo::new(move |_| {
            version.track();
            read().ids()
        });
        // Folded when first searched, then again only for the rows that change, so that
        // each keystroke folds only the query.
        let keys = Memo::new_with_compare(
            move |_| {
                version.track();
                read().keys()
            },
            changed,
        );
        let sorted = Memo::new_with_compare(
            move |_| {
                version.track();
                read().sorted(sort.get())
            },
            changed,
        );
        let query = Memo::new(move |_| SearchQuery::new(&search.read()));
        let searches = StoredValue::new(Searches::default());
        let matching = Memo::new_with_compare(
            move |_| {
                let sorted = sorted.get();
                let query = query.get();
                if query.is_empty() {
                    return sorted;
                }
                searches.update_value(|s| s.over(&sorted));
                let (start, exact) = searches.with_value(|s| s.start_for(&query));
                if exact && let Some(result) = start {
                    return result;
                }
                let result = keys.with(|keys| {
                    let matches = |&&i: &&usize| query.matches(&keys[i]);
                    let from = start.unwrap_or(sorted);
                    Arc::new(from.iter().filter(matches).copied().collect::<Vec<_>>())
                });
                searches.update_value(|s| s.remember(query, result.clone()));
                result
            },
            changed,
        );
        Self {
            version,
            ids,
            keys,
            query,
            matching,
        }
    }

    /// How many rows match the search.
    pub fn matching_len(&self) -> usize {
        self.matching.with(|m| m.len())
    }

    pub fn with<R>(&self, read: impl FnOnce(&Rows<Arc<str>>) -> R) -> R {
        self.ids.with(|ids| {
            self.keys.with(|keys| {
                self.query.with(|query| {
                    self.matching.with(|matching| {
                        read(&Rows {
                            ids,
                            keys,
                            query,
                            matching,
                        })
                    })
                })
            })
        })
    }

    pub fn with_untracked<R>(&self, read: impl FnOnce(&Rows<Arc<str>>) -> R) -> R {
        untrack(|| self.with(read))
    }
}

/// Earlier results of the search over one order of the rows (one version, one sort).
#[derive(Default)]
struct Searches {
    order: Option<Arc<Vec<usize>>>,
    results: Vec<(SearchQuery, Arc<Vec<usize>>)>,
}

impl Searches {
    /// Forgets the results of another order of the rows.
    fn over(&mut self, order: &Arc<Vec<usize>>) {
        if !self.order.as_ref().is_some_and(|o| Arc::ptr_eq(o, order)) {
            self.order = Some(order.clone());
            self.results.clear();
        }
    }

    /// The result of `query` if remembered, else the smallest remembered result that holds
    /// all its matches (`query` narrows it), to filter instead of every row.
    fn start_for(&self, query: &SearchQuery) -> (Option<Arc<Vec<usize>>>, bool) {
        if let Some((_, exact)) = self.results.iter().find(|(q, _)| q == query) {
            return (Some(exact.clone()), true);
        }
        let base = self
            .results
            .iter()
            .filter(|(q, _)| query.narrows(q))
            .min_by_key(|(_, result)| result.len())
            .map(|(_, result)| result.clone());
        (base, false)
    }

    fn remember(&mut self, query: SearchQuery, result: Arc<Vec<usize>>) {
        if self.results.len() == REMEMBERED_SEARCHES {
            self.results.remove(0);
        }
        self.results.push((query, result));
    }
}

fn changed<T>(a: Option<&Arc<T>>, b: Option<&Arc<T>>) -> bool {
    !matches!((a, b), (Some(a), Some(b)) if Arc::ptr_eq(a, b))
}
