//! Seat arithmetic: a pool's seats are never exceeded.

use crate::{ProductSeats, format::count};

impl ProductSeats {
    /// Seats still free; `None` when the product is not limited per member.
    pub fn left(&self) -> Option<u32> {
        self.seats.map(|seats| seats.saturating_sub(self.used))
    }

    /// Whether `more` further members can be licensed.
    pub fn can_take(&self, more: u32) -> bool {
        self.left().is_none_or(|left| more <= left)
    }

    /// Seats held by active members: `used` without the pending invitations.
    pub fn in_use(&self) -> u32 {
        self.used.saturating_sub(self.reserved)
    }

    /// "36 of 40 seats used: 30 in use, 6 reserved by pending invitations", "3 of 150 seats
    /// used", or "No seat limit": the same words on every screen that shows seats.
    pub fn usage(&self) -> String {
        let Some(seats) = self.seats else {
            return "No seat limit".to_owned();
        };
        let used = format!(
            "{} of {} seats used",
            count(self.used as usize),
            count(seats as usize)
        );
        match self.reserved {
            0 => used,
            reserved => format!(
                "{used}: {} in use, {} reserved by pending {}",
                count(self.in_use() as usize),
                count(reserved as usize),
                if reserved == 1 {
                    "invitation"
                } else {
                    "invitations"
                }
            ),
        }
    }

    /// Why `more` members cannot be licensed, with the numbers, or `None` when they can.
    pub fn shortfall(&self, more: u32) -> Option<String> {
        let left = self.left()?;
        (more > left).then(|| {
            format!(
                "{} has {left} of {} seats left; this needs {more}.",
                self.name,
                self.seats.unwrap_or_default()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use proptest::prelude::*;

    fn product(seats: Option<u32>, used: u32) -> ProductSeats {
        ProductSeats {
            id: ProductId(1),
            name: "Studio Enterprise".into(),
            seats,
            used,
            reserved: 0,
        }
    }

    #[test]
    fn says_how_many_seats_pending_invitations_reserve() {
        let runtime = ProductSeats {
            reserved: 6,
            ..product(Some(40), 36)
        };
        assert_eq!(runtime.in_use(), 30);
        assert_eq!(runtime.left(), Some(4));
        assert_eq!(
            runtime.usage(),
            "36 of 40 seats used: 30 in use, 6 reserved by pending invitations"
        );
        let one = ProductSeats {
            reserved: 1,
            ..product(Some(1500), 1001)
        };
        assert_eq!(
            one.usage(),
            "1,001 of 1,500 seats used: 1,000 in use, 1 reserved by pending invitation"
        );
    }

    #[test]
    fn counts_what_is_left() {
        let studio = product(Some(150), 147);
        assert_eq!(studio.left(), Some(3));
        assert!(studio.can_take(3));
        assert!(!studio.can_take(4));
        assert_eq!(studio.usage(), "147 of 150 seats used");
        assert_eq!(
            studio.shortfall(5).as_deref(),
            Some("Studio Enterprise has 3 of 150 seats left; this needs 5.")
        );
        assert_eq!(studio.shortfall(3), None);
    }

    #[test]
    fn unlimited_products_take_anyone() {
        let floating = product(None, 1000);
        assert_eq!(floating.left(), None);
        assert!(floating.can_take(u32::MAX));
        assert_eq!(floating.usage(), "No seat limit");
    }

    #[test]
    fn over_allocated_pools_have_nothing_left() {
        // A pool shrunk below its use by an operator.
        assert_eq!(product(Some(10), 12).left(), Some(0));
    }

    proptest! {
        #[test]
        fn taking_what_is_allowed_never_exceeds_the_seats(seats in 0u32..500, used in 0u32..500, more in 0u32..500) {
            let pool = product(Some(seats), used);
            if pool.can_take(more) && used <= seats {
                prop_assert!(used + more <= seats);
            }
            prop_assert_eq!(pool.can_take(more), pool.shortfall(more).is_none());
        }
    }
}
