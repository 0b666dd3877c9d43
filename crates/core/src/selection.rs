//! Row selection with a tri-state "select all" over the rows matching the search.
//!
//! The selection may hold rows the current search hides (search, tick, search again, tick):
//! "N selected" counts them all, while the header checkbox speaks for the matching rows only.

use std::collections::HashSet;
use std::hash::Hash;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectAll {
    /// No matching row is selected (or nothing matches).
    Unchecked,
    /// Some matching rows are selected, not all.
    Mixed,
    Checked,
}

pub fn select_all_state<T: Eq + Hash>(matching: &[T], selected: &HashSet<T>) -> SelectAll {
    if matching.is_empty() || selected.is_empty() {
        return SelectAll::Unchecked;
    }
    let count = matching.iter().filter(|id| selected.contains(id)).count();
    match count {
        0 => SelectAll::Unchecked,
        n if n == matching.len() => SelectAll::Checked,
        _ => SelectAll::Mixed,
    }
}

/// The header checkbox: when every matching row is selected it clears them, otherwise it
/// selects them all. Rows the search hides keep their state either way.
pub fn toggle_all<T: Eq + Hash + Copy>(matching: &[T], selected: &mut HashSet<T>) {
    if select_all_state(matching, selected) == SelectAll::Checked {
        for id in matching {
            selected.remove(id);
        }
    } else {
        selected.extend(matching.iter().copied());
    }
}

/// Flips one row.
pub fn toggle<T: Eq + Hash>(id: T, selected: &mut HashSet<T>) {
    if !selected.remove(&id) {
        selected.insert(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tri_state_follows_the_matching_rows() {
        let matching = [1, 2, 3];
        let mut selected = HashSet::from([9]);
        assert_eq!(select_all_state(&matching, &selected), SelectAll::Unchecked);
        toggle(2, &mut selected);
        assert_eq!(select_all_state(&matching, &selected), SelectAll::Mixed);
        toggle_all(&matching, &mut selected);
        assert_eq!(select_all_state(&matching, &selected), SelectAll::Checked);
        assert_eq!(selected, HashSet::from([1, 2, 3, 9]));
        toggle_all(&matching, &mut selected);
        assert_eq!(selected, HashSet::from([9]), "hidden selections survive");
    }

    #[test]
    fn nothing_matching_is_unchecked() {
        let selected = HashSet::from([1]);
        assert_eq!(
            select_all_state::<i32>(&[], &selected),
            SelectAll::Unchecked
        );
    }

    proptest! {
        #[test]
        fn select_all_flips_matching_rows_and_keeps_hidden_ones(
            matching in proptest::collection::hash_set(0u32..100, 0..30),
            selected in proptest::collection::hash_set(0u32..100, 0..30),
        ) {
            let matching: Vec<u32> = matching.into_iter().collect();
            let before = select_all_state(&matching, &selected);
            let mut after = selected.clone();
            toggle_all(&matching, &mut after);
            if !matching.is_empty() {
                let expected = if before == SelectAll::Checked { SelectAll::Unchecked } else { SelectAll::Checked };
                prop_assert_eq!(select_all_state(&matching, &after), expected);
            }
            let hidden = |s: &HashSet<u32>| s.iter().filter(|id| !matching.contains(id)).copied().collect::<HashSet<_>>();
            prop_assert_eq!(hidden(&after), hidden(&selected));
        }
    }
}
