//! Row selection with a tri-state "select all" over the rows matching the search.
//!
//! Selecting every matching row is constant time: the selection is then "every row matching
//! this query, except these", not a set of 100,000 ids. It becomes a set of ids only when the
//! admin mixes (ticks a row the query does not match, or selects all under another search).
//!
//! The selection may hold rows the current search hides (search, tick, search again, tick):
//! "N selected" counts them all, while the header checkbox speaks for the matching rows only.

use std::collections::HashSet;

use crate::search::SearchQuery;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectAll {
    /// No matching row is selected (or nothing matches).
    Unchecked,
    /// Some matching rows are selected, not all.
    Mixed,
    Checked,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// These rows.
    Ids(HashSet<i64>),
    /// Every row `query` matches, except these (each of which it matches).
    Matching {
        query: SearchQuery,
        except: HashSet<i64>,
    },
}

impl Default for Selection {
    fn default() -> Self {
        Self::Ids(HashSet::new())
    }
}

/// A table's rows as a selection sees them: ids and folded search keys by row, the current
/// query and the rows it matches (positions in `ids` and `keys`).
pub struct Rows<'a, K: AsRef<str> = String> {
    pub ids: &'a [i64],
    pub keys: &'a [K],
    pub query: &'a SearchQuery,
    pub matching: &'a [usize],
}

impl<K: AsRef<str>> Rows<'_, K> {
    fn matching_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.matching.iter().map(|&i| self.ids[i])
    }
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Ids(ids) if ids.is_empty())
    }

    /// The one row selected, if exactly one was ticked.
    pub fn single(&self) -> Option<i64> {
        match self {
            Self::Ids(ids) if ids.len() == 1 => ids.iter().next().copied(),
            _ => None,
        }
    }

    /// Whether the row `id`, whose folded search key is `key`, is selected.
    pub fn contains(&self, id: i64, key: &str) -> bool {
        match self {
            Self::Ids(ids) => ids.contains(&id),
            Self::Matching { query, except } => query.matches(key) && !except.contains(&id),
        }
    }

    /// How many rows are selected: constant time, unless the selection was made under
    /// another search than the current one.
    pub fn count(&self, rows: &Rows<impl AsRef<str>>) -> usize {
        match self {
            Self::Ids(ids) => ids.len(),
            Self::Matching { query, except } if query == rows.query => {
                rows.matching.len().saturating_sub(except.len())
            }
            Self::Matching { .. } => self.ids(rows).len(),
        }
    }

    /// The header checkbox's state for the rows the current search matches.
    pub fn state(&self, rows: &Rows<impl AsRef<str>>) -> SelectAll {
        if rows.matching.is_empty() || self.is_empty() {
            return SelectAll::Unchecked;
        }
        if let Self::Matching { query, except } = self
            && query == rows.query
        {
            return match except.len() {
                0 => SelectAll::Checked,
                n if n >= rows.matching.len() => SelectAll::Unchecked,
                _ => SelectAll::Mixed,
            };
        }
        let selected = rows
            .matching
            .iter()
            .filter(|&&i| self.contains(rows.ids[i], rows.keys[i].as_ref()))
            .count();
        match selected {
            0 => SelectAll::Unchecked,
            n if n == rows.matching.len() => SelectAll::Checked,
            _ => SelectAll::Mixed,
        }
    }

    /// The ids of the selected rows.
    pub fn ids(&self, rows: &Rows<impl AsRef<str>>) -> HashSet<i64> {
        match self {
            Self::Ids(ids) => ids.clone(),
            Self::Matching { query, except } => rows
                .ids
                .iter()
                .zip(rows.keys)
                .filter(|&(id, key)| query.matches(key.as_ref()) && !except.contains(id))
                .map(|(&id, _)| id)
                .collect(),
        }
    }

    /// The header checkbox: when every matching row is selected it clears them, otherwise
    /// it selects them all. Rows the search hides keep their state either way. `selectable`
    /// lists the matching rows that may be ticked when some may not (`None`: all may).
    pub fn toggle_all(&mut self, rows: &Rows<impl AsRef<str>>, selectable: Option<Vec<i64>>) {
        let checked = self.state(rows) == SelectAll::Checked;
        *self = match (checked, &selectable) {
            // From nothing to everything matching: constant time.
            (false, None) if self.is_empty() => Self::Matching {
                query: rows.query.clone(),
                except: HashSet::new(),
            },
            (true, _) if matches!(self, Self::Matching { query, .. } if query == rows.query) => {
                Self::default()
            }
            (true, _) => {
                let mut ids = self.ids(rows);
                for id in rows.matching_ids() {
                    ids.remove(&id);
                }
                Self::Ids(ids)
            }
            (false, _) => {
                let mut ids = self.ids(rows);
                match selectable {
                    Some(selectable) => ids.extend(selectable),
                    None => ids.extend(rows.matching_ids()),
                }
                Self::Ids(ids)
            }
        };
    }

    /// Flips one row, whose folded search key is `key`.
    pub fn toggle(&mut self, id: i64, key: &str, rows: &Rows<impl AsRef<str>>) {
        match self {
            Self::Matching { query, except } if query.matches(key) => {
                if !except.remove(&id) {
                    except.insert(id);
                }
                if query == rows.query && except.len() >= rows.matching.len() {
                    *self = Self::default();
                }
            }
            Self::Matching { .. } => {
                let mut ids = self.ids(rows);
                ids.insert(id);
                *self = Self::Ids(ids);
            }
            Self::Ids(ids) => {
                if !ids.remove(&id) {
                    ids.insert(id);
                }
            }
        }
    }

    /// Forgets rows that are gone (removed elsewhere, revoked...), or that no longer match
    /// the query they were left out of. `present` holds the ids of the rows that may still
    /// be ticked.
    pub fn retain(&mut self, present: &HashSet<i64>, rows: &Rows<impl AsRef<str>>) {
        match self {
            Self::Ids(ids) => ids.retain(|id| present.contains(id)),
            Self::Matching { query, except } => {
                let matched: HashSet<i64> = rows
                    .ids
                    .iter()
                    .zip(rows.keys)
                    .filter(|(id, key)| except.contains(id) && query.matches(key.as_ref()))
                    .map(|(&id, _)| id)
                    .collect();
                except.retain(|id| matched.contains(id));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Rows 0..n with keys "r{i}x" (so "r1" matches 1 and 10-19), matched by `query`.
    struct Table {
        ids: Vec<i64>,
        keys: Vec<String>,
        query: SearchQuery,
        matching: Vec<usize>,
    }

    impl Table {
        fn new(n: usize, query: &str) -> Self {
            let keys: Vec<String> = (0..n).map(|i| format!("r{i}x")).collect();
            let query = SearchQuery::new(query);
            let matching = (0..n).filter(|&i| query.matches(&keys[i])).collect();
            Self {
                ids: (0..n as i64).collect(),
                keys,
                query,
                matching,
            }
        }

        fn rows(&self) -> Rows<'_> {
            Rows {
                ids: &self.ids,
                keys: &self.keys,
                query: &self.query,
                matching: &self.matching,
            }
        }

        fn search(&mut self, query: &str) {
            *self = Self::new(self.ids.len(), query);
        }
    }

    #[test]
    fn select_all_from_nothing_is_a_query_not_a_set_of_ids() {
        let table = Table::new(100_000, "");
        let mut selection = Selection::default();
        selection.toggle_all(&table.rows(), None);
        assert!(matches!(&selection, Selection::Matching { except, .. } if except.is_empty()));
        assert_eq!(selection.count(&table.rows()), 100_000);
        assert_eq!(selection.state(&table.rows()), SelectAll::Checked);
        selection.toggle(7, "r7x", &table.rows());
        assert_eq!(selection.count(&table.rows()), 99_999);
        assert_eq!(selection.state(&table.rows()), SelectAll::Mixed);
        assert!(!selection.contains(7, "r7x"));
        assert!(selection.contains(8, "r8x"));
        selection.toggle_all(&table.rows(), None);
        assert_eq!(selection.count(&table.rows()), 100_000);
        selection.toggle_all(&table.rows(), None);
        assert!(selection.is_empty());
    }

    #[test]
    fn tri_state_follows_the_matching_rows_and_hidden_selections_survive() {
        let mut table = Table::new(30, "");
        let mut selection = Selection::default();
        selection.toggle(9, "r9x", &table.rows());
        table.search("r2");
        assert_eq!(selection.state(&table.rows()), SelectAll::Unchecked);
        selection.toggle(2, "r2x", &table.rows());
        assert_eq!(selection.state(&table.rows()), SelectAll::Mixed);
        selection.toggle_all(&table.rows(), None);
        assert_eq!(selection.state(&table.rows()), SelectAll::Checked);
        let expected: HashSet<i64> = [2, 9, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29].into();
        assert_eq!(selection.ids(&table.rows()), expected);
        selection.toggle_all(&table.rows(), None);
        assert_eq!(
            selection.ids(&table.rows()),
            HashSet::from([9]),
            "hidden selections survive"
        );
    }

    #[test]
    fn a_selection_made_under_one_search_counts_under_another() {
        let mut table = Table::new(30, "r1");
        let mut selection = Selection::default();
        selection.toggle_all(&table.rows(), None);
        assert_eq!(selection.count(&table.rows()), 11);
        table.search("");
        assert_eq!(selection.count(&table.rows()), 11);
        assert_eq!(selection.state(&table.rows()), SelectAll::Mixed);
        // Ticking a row the selection's query does not match turns it into ids.
        selection.toggle(3, "r3x", &table.rows());
        assert!(matches!(selection, Selection::Ids(_)));
        assert_eq!(selection.count(&table.rows()), 12);
    }

    #[test]
    fn unticking_every_matching_row_leaves_nothing_selected() {
        let table = Table::new(3, "");
        let mut selection = Selection::default();
        selection.toggle_all(&table.rows(), None);
        for i in 0..3 {
            selection.toggle(i, &format!("r{i}x"), &table.rows());
        }
        assert!(selection.is_empty());
        assert_eq!(selection.state(&table.rows()), SelectAll::Unchecked);
    }

    #[test]
    fn rows_that_cannot_be_ticked_are_left_out_of_select_all() {
        let table = Table::new(4, "");
        let mut selection = Selection::default();
        selection.toggle_all(&table.rows(), Some(vec![1, 3]));
        assert_eq!(selection, Selection::Ids(HashSet::from([1, 3])));
    }

    #[test]
    fn gone_rows_leave_the_selection() {
        let table = Table::new(5, "");
        let mut ids = Selection::Ids(HashSet::from([1, 4, 9]));
        ids.retain(&HashSet::from([0, 1, 2, 3, 4]), &table.rows());
        assert_eq!(ids, Selection::Ids(HashSet::from([1, 4])));
        let mut matching = Selection::default();
        matching.toggle_all(&table.rows(), None);
        matching.toggle(2, "r2x", &table.rows());
        let shorter = Table::new(2, "");
        matching.retain(&HashSet::from([0, 1]), &shorter.rows());
        assert_eq!(matching.count(&shorter.rows()), 2);
    }

    #[test]
    fn nothing_matching_is_unchecked() {
        let table = Table::new(5, "nobody");
        let selection = Selection::Ids(HashSet::from([1]));
        assert_eq!(selection.state(&table.rows()), SelectAll::Unchecked);
    }

    proptest! {
        #[test]
        fn select_all_flips_matching_rows_and_keeps_hidden_ones(
            query in "r[0-9]?",
            ticked in proptest::collection::hash_set(0i64..40, 0..20),
            select_all_first in any::<bool>(),
        ) {
            let mut table = Table::new(40, "");
            let mut selection = Selection::default();
            if select_all_first {
                selection.toggle_all(&table.rows(), None);
            }
            for id in &ticked {
                selection.toggle(*id, &format!("r{id}x"), &table.rows());
            }
            table.search(&query);
            let before_ids = selection.ids(&table.rows());
            let before = selection.state(&table.rows());
            selection.toggle_all(&table.rows(), None);
            let after_ids = selection.ids(&table.rows());
            prop_assert_eq!(selection.count(&table.rows()), after_ids.len());
            if !table.matching.is_empty() {
                let expected = if before == SelectAll::Checked { SelectAll::Unchecked } else { SelectAll::Checked };
                prop_assert_eq!(selection.state(&table.rows()), expected);
            }
            let matching: HashSet<i64> = table.matching.iter().map(|&i| i as i64).collect();
            let hidden = |s: &HashSet<i64>| s.difference(&matching).copied().collect::<HashSet<_>>();
            prop_assert_eq!(hidden(&after_ids), hidden(&before_ids));
        }
    }
}
