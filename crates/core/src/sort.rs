//! Sorting table rows by a column.

use std::cmp::Ordering;

use crate::search::fold;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

/// A table's sort: which column (by position) and which way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub direction: Direction,
}

impl Sort {
    pub const fn ascending(column: usize) -> Self {
        Self {
            column,
            direction: Direction::Ascending,
        }
    }

    pub const fn descending(column: usize) -> Self {
        Self {
            column,
            direction: Direction::Descending,
        }
    }

    /// The sort after a click on `column`'s header: the same column flips, another starts
    /// ascending.
    pub fn clicked(self, column: usize) -> Self {
        match (self.column == column, self.direction) {
            (true, Direction::Ascending) => Self::descending(column),
            _ => Self::ascending(column),
        }
    }

    /// The direction `column` is sorted in, if it is the sort column.
    pub fn direction_of(self, column: usize) -> Option<Direction> {
        (self.column == column).then_some(self.direction)
    }
}

/// What a row is compared by in one column, computed once per row rather than once per
/// comparison. Missing values (`Number(None)`) sort first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Text(String),
    Number(Option<i64>),
}

impl SortKey {
    /// Text compared as people read it: without regard to case or accents.
    pub fn text(text: &str) -> Self {
        SortKey::Text(fold(text))
    }
}

/// Positions of `rows` in display order. Ties fall back to the row id, so that the order is
/// total and stable from one render to the next.
pub fn sort_rows<T>(
    rows: &[T],
    key: impl Fn(&T) -> SortKey,
    id: impl Fn(&T) -> i64,
    direction: Direction,
) -> Vec<usize> {
    let mut keyed: Vec<(SortKey, i64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| (key(row), id(row), i))
        .collect();
    keyed.sort_unstable_by(|a, b| compare((&a.0, a.1), (&b.0, b.1), direction));
    keyed.into_iter().map(|(_, _, i)| i).collect()
}

/// Rows compare by key, then by id (so that equal keys keep one order), in `direction`.
fn compare(a: (&SortKey, i64), b: (&SortKey, i64), direction: Direction) -> Ordering {
    let by_key = a.0.cmp(b.0).then(a.1.cmp(&b.1));
    match direction {
        Direction::Ascending => by_key,
        Direction::Descending => by_key.reverse(),
    }
}

/// Keeps `order` (row indexes as [`sort_rows`] orders them) sorted after the rows at
/// `changed` changed: takes those out and puts each back where it now belongs, instead of
/// sorting every row again. `key` and `id` read a row by index, as the rows are now.
pub fn resort(
    order: &mut Vec<usize>,
    changed: &[usize],
    key: impl Fn(usize) -> SortKey,
    id: impl Fn(usize) -> i64,
    direction: Direction,
) {
    let moving: std::collections::HashSet<usize> = changed.iter().copied().collect();
    order.retain(|i| !moving.contains(i));
    for &row in changed {
        let (row_key, row_id) = (key(row), id(row));
        let at = order.partition_point(|&other| {
            compare((&key(other), id(other)), (&row_key, row_id), direction) == Ordering::Less
        });
        order.insert(at, row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct Row {
        id: i64,
        name: &'static str,
        seen: Option<i64>,
    }

    fn rows() -> Vec<Row> {
        vec![
            Row {
                id: 1,
                name: "zoë Adams",
                seen: Some(5),
            },
            Row {
                id: 2,
                name: "Émile Brun",
                seen: None,
            },
            Row {
                id: 3,
                name: "anna Clark",
                seen: Some(9),
            },
            Row {
                id: 4,
                name: "Bo Dunn",
                seen: Some(5),
            },
        ]
    }

    fn names(rows: &[Row], key: fn(&Row) -> SortKey, direction: Direction) -> Vec<&'static str> {
        sort_rows(rows, key, |row| row.id, direction)
            .into_iter()
            .map(|i| rows[i].name)
            .collect()
    }

    #[test]
    fn text_sorts_ignoring_case_and_accents() {
        let by_name = |row: &Row| SortKey::text(row.name);
        assert_eq!(
            names(&rows(), by_name, Direction::Ascending),
            ["anna Clark", "Bo Dunn", "Émile Brun", "zoë Adams"]
        );
        assert_eq!(
            names(&rows(), by_name, Direction::Descending),
            ["zoë Adams", "Émile Brun", "Bo Dunn", "anna Clark"]
        );
    }

    #[test]
    fn missing_values_first_and_ties_by_id() {
        let by_seen = |row: &Row| SortKey::Number(row.seen);
        assert_eq!(
            names(&rows(), by_seen, Direction::Ascending),
            ["Émile Brun", "zoë Adams", "Bo Dunn", "anna Clark"]
        );
    }

    #[test]
    fn clicking_flips_the_same_column_and_starts_others_ascending() {
        let sort = Sort::ascending(0);
        assert_eq!(sort.clicked(0), Sort::descending(0));
        assert_eq!(sort.clicked(0).clicked(0), Sort::ascending(0));
        assert_eq!(Sort::descending(0).clicked(2), Sort::ascending(2));
        assert_eq!(sort.direction_of(1), None);
        assert_eq!(sort.direction_of(0), Some(Direction::Ascending));
    }

    proptest! {
        #[test]
        fn descending_is_ascending_reversed(values in proptest::collection::vec(0i64..5, 0..40)) {
            let key = |v: &(i64, i64)| SortKey::Number(Some(v.1));
            let rows: Vec<(i64, i64)> = values.iter().enumerate().map(|(i, &v)| (i as i64, v)).collect();
            let up = sort_rows(&rows, key, |v| v.0, Direction::Ascending);
            let mut down = sort_rows(&rows, key, |v| v.0, Direction::Descending);
            down.reverse();
            prop_assert_eq!(&up, &down);
            prop_assert!(up.windows(2).all(|w| rows[w[0]].1 <= rows[w[1]].1));
        }
    }

    proptest! {
        /// Re-sorting only the changed rows gives the order a full sort would.
        #[test]
        fn resorting_the_changed_rows_equals_sorting_all(
            before in proptest::collection::vec(0i64..20, 1..60),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0i64..20), 0..8),
            descending in any::<bool>(),
        ) {
            let direction = if descending { Direction::Descending } else { Direction::Ascending };
            let key = |rows: &[i64], i: usize| SortKey::Number(Some(rows[i]));
            // Ids are the indexes: equal keys order by position.
            let mut order = sort_rows(&before, |v| SortKey::Number(Some(*v)), |_| 0, direction);
            order.sort_by(|&a, &b| compare((&key(&before, a), a as i64), (&key(&before, b), b as i64), direction));
            let mut after = before.clone();
            let mut changed = Vec::new();
            for (at, value) in edits {
                let i = at.index(after.len());
                after[i] = value;
                if !changed.contains(&i) {
                    changed.push(i);
                }
            }
            resort(&mut order, &changed, |i| key(&after, i), |i| i as i64, direction);
            let mut expected = (0..after.len()).collect::<Vec<_>>();
            expected.sort_by(|&a, &b| compare((&key(&after, a), a as i64), (&key(&after, b), b as i64), direction));
            prop_assert_eq!(order, expected);
        }
    }
}
