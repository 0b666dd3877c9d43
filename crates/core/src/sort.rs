//! Sorting member rows by a column.

use crate::{Member, search::fold};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberColumn {
    Name,
    Email,
    Role,
    Joined,
    Removed,
    LastAccess,
    /// By how many licenses a member holds.
    Licenses,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberSort {
    pub column: MemberColumn,
    pub direction: Direction,
}

impl MemberSort {
    pub const fn ascending(column: MemberColumn) -> Self {
        Self {
            column,
            direction: Direction::Ascending,
        }
    }

    /// The sort after a click on `column`'s header: the same column flips, another starts
    /// ascending.
    pub fn clicked(self, column: MemberColumn) -> Self {
        match (self.column == column, self.direction) {
            (true, Direction::Ascending) => Self {
                column,
                direction: Direction::Descending,
            },
            _ => Self::ascending(column),
        }
    }

    /// The direction `column` is sorted in, if it is the sort column.
    pub fn direction_of(self, column: MemberColumn) -> Option<Direction> {
        (self.column == column).then_some(self.direction)
    }
}

/// What a member is compared by, computed once per member rather than once per comparison.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Text(String),
    Number(Option<i64>),
}

fn sort_key(member: &Member, column: MemberColumn) -> SortKey {
    match column {
        MemberColumn::Name => SortKey::Text(fold(&member.full_name)),
        MemberColumn::Email => SortKey::Text(fold(&member.email)),
        MemberColumn::Role => SortKey::Number(Some(member.role as i64)),
        MemberColumn::Joined => SortKey::Number(Some(member.joined_at)),
        MemberColumn::Removed => SortKey::Number(member.removed_at),
        MemberColumn::LastAccess => SortKey::Number(member.last_access_at),
        MemberColumn::Licenses => SortKey::Number(Some(member.licenses.len() as i64)),
    }
}

/// Positions of `members` in display order. Ties fall back to the member id so that the
/// order is total and stable from one render to the next; missing times sort first.
pub fn sort_members(members: &[Member], sort: MemberSort) -> Vec<usize> {
    let mut keyed: Vec<(SortKey, i64, usize)> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (sort_key(m, sort.column), m.id, i))
        .collect();
    keyed.sort_unstable_by(|a, b| {
        let by_key = a.0.cmp(&b.0).then(a.1.cmp(&b.1));
        match sort.direction {
            Direction::Ascending => by_key,
            Direction::Descending => by_key.reverse(),
        }
    });
    keyed.into_iter().map(|(_, _, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MemberStatus, Role};
    use proptest::prelude::*;

    fn member(id: i64, name: &str, role: Role, joined_at: i64, last: Option<i64>) -> Member {
        Member {
            id,
            full_name: name.into(),
            email: format!("{}@example.com", fold(name).replace(' ', ".")),
            role,
            status: MemberStatus::Active,
            joined_at,
            removed_at: None,
            removed_by: None,
            last_access_at: last,
            licenses: vec![],
        }
    }

    fn names(members: &[Member], sort: MemberSort) -> Vec<&str> {
        sort_members(members, sort)
            .into_iter()
            .map(|i| members[i].full_name.as_str())
            .collect()
    }

    fn sample() -> Vec<Member> {
        vec![
            member(1, "zoë Adams", Role::Member, 30, Some(5)),
            member(2, "Émile Brun", Role::Owner, 10, None),
            member(3, "anna Clark", Role::BillingManager, 20, Some(9)),
            member(4, "Bo Dunn", Role::Admin, 20, Some(1)),
        ]
    }

    #[test]
    fn names_sort_ignoring_case_and_accents() {
        let members = sample();
        let sort = MemberSort::ascending(MemberColumn::Name);
        assert_eq!(
            names(&members, sort),
            ["anna Clark", "Bo Dunn", "Émile Brun", "zoë Adams"]
        );
        let flipped = sort.clicked(MemberColumn::Name);
        assert_eq!(flipped.direction, Direction::Descending);
        assert_eq!(
            names(&members, flipped),
            ["zoë Adams", "Émile Brun", "Bo Dunn", "anna Clark"]
        );
    }

    #[test]
    fn roles_sort_by_rank_and_ties_by_id() {
        let members = sample();
        let by_role = MemberSort::ascending(MemberColumn::Role);
        assert_eq!(
            names(&members, by_role),
            ["Émile Brun", "Bo Dunn", "zoë Adams", "anna Clark"]
        );
        let by_joined = MemberSort::ascending(MemberColumn::Joined);
        assert_eq!(
            names(&members, by_joined),
            ["Émile Brun", "anna Clark", "Bo Dunn", "zoë Adams"]
        );
    }

    #[test]
    fn never_accessed_sorts_first_ascending() {
        let members = sample();
        let sort = MemberSort::ascending(MemberColumn::LastAccess);
        assert_eq!(
            names(&members, sort),
            ["Émile Brun", "Bo Dunn", "zoë Adams", "anna Clark"]
        );
    }

    #[test]
    fn clicking_another_column_starts_ascending() {
        let sort = MemberSort::ascending(MemberColumn::Name).clicked(MemberColumn::Name);
        let other = sort.clicked(MemberColumn::Email);
        assert_eq!(other, MemberSort::ascending(MemberColumn::Email));
        assert_eq!(other.direction_of(MemberColumn::Name), None);
    }

    proptest! {
        #[test]
        fn descending_is_ascending_reversed(joined in proptest::collection::vec(0i64..5, 0..40)) {
            let members: Vec<Member> = joined
                .iter()
                .enumerate()
                .map(|(i, &t)| member(i as i64, "x", Role::Member, t, None))
                .collect();
            let up = sort_members(&members, MemberSort::ascending(MemberColumn::Joined));
            let mut down = sort_members(&members, MemberSort::ascending(MemberColumn::Joined).clicked(MemberColumn::Joined));
            down.reverse();
            prop_assert_eq!(&up, &down);
            prop_assert!(up.windows(2).all(|w| members[w[0]].joined_at <= members[w[1]].joined_at));
        }
    }
}
