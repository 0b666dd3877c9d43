//! Seat counting for licenses in use on machines: which pool serves an activation, and how
//! many seats live sessions and unexpired offline licenses hold.

use serde::{Deserialize, Serialize};

use crate::{PoolId, Timestamp};

/// An online session stops holding its seat this long after its last heartbeat.
pub const SESSION_TIMEOUT_SECS: i64 = 10 * 60;
/// How often a product heartbeats an online session: well inside the timeout.
pub const HEARTBEAT_INTERVAL_SECS: i64 = 2 * 60;
/// The longest an offline license lasts (less when its pool expires sooner).
pub const MAX_OFFLINE_SECS: i64 = 30 * 24 * 60 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    /// A seat per licensed member: the allocation is the seat.
    Named,
    /// A seat per concurrent activation.
    Floating,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PoolUsage {
    Online,
    Offline,
}

/// A license pool of a product, with the seats its activations hold now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    pub id: PoolId,
    pub kind: PoolKind,
    pub usage: PoolUsage,
    pub seats: u32,
    pub used: u32,
    pub starts_at: Timestamp,
    pub expires_at: Timestamp,
}

impl Pool {
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.starts_at <= now && now < self.expires_at
    }
}

/// An online session's times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    pub last_heartbeat_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

impl Session {
    /// Not ended, and heard from within `timeout` seconds.
    pub fn is_live(&self, now: Timestamp, timeout: i64) -> bool {
        self.ended_at.is_none() && now - self.last_heartbeat_at < timeout
    }
}

/// Seats a floating online pool's sessions hold: the live ones.
pub fn floating_seats_in_use(sessions: &[Session], now: Timestamp, timeout: i64) -> u32 {
    sessions
        .iter()
        .filter(|session| session.is_live(now, timeout))
        .count() as u32
}

/// Seats an offline pool's licenses hold: those not yet expired, whatever else happened.
pub fn offline_seats_in_use(expiries: &[Timestamp], now: Timestamp) -> u32 {
    expiries
        .iter()
        .filter(|&&expires_at| now < expires_at)
        .count() as u32
}

/// What lets an activation go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A named online pool: the member's allocation is their seat, no further seat is taken.
    Allocation,
    /// A seat of this pool, held by the activation.
    Seat {
        pool_id: PoolId,
        expires_at: Timestamp,
    },
}

/// Why an activation cannot go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The product has no current pool for this usage.
    NoPool,
    /// Every seat of the current pools is taken.
    SeatsExceeded { seats: u32, used: u32 },
}

/// Which of a product's pools serves an activation of `usage` at `now`. Online: a named pool
/// needs no seat beyond the allocation, else the first floating pool with a seat left. Offline:
/// the first pool with a seat left; the license then lasts until that pool expires, at most
/// [`MAX_OFFLINE_SECS`]. Online seats last as long as their session.
pub fn serving_pool(pools: &[Pool], usage: PoolUsage, now: Timestamp) -> Result<Grant, Refusal> {
    let current: Vec<&Pool> = pools
        .iter()
        .filter(|pool| pool.usage == usage && pool.is_current(now))
        .collect();
    if current.is_empty() {
        return Err(Refusal::NoPool);
    }
    if usage == PoolUsage::Online && current.iter().any(|pool| pool.kind == PoolKind::Named) {
        return Ok(Grant::Allocation);
    }
    match current.iter().find(|pool| pool.used < pool.seats) {
        Some(pool) => Ok(Grant::Seat {
            pool_id: pool.id,
            expires_at: match usage {
                PoolUsage::Online => pool.expires_at,
                PoolUsage::Offline => pool.expires_at.min(now + MAX_OFFLINE_SECS),
            },
        }),
        None => Err(Refusal::SeatsExceeded {
            seats: current.iter().map(|pool| pool.seats).sum(),
            used: current.iter().map(|pool| pool.used).sum(),
        }),
    }
}

/// The UTC calendar date of `at`, `2026-12-23`: unambiguous in messages for any reader.
pub fn utc_date(at: Timestamp) -> String {
    crate::format::utc(at).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: Timestamp = 1_000_000;

    fn pool(id: i64, kind: PoolKind, usage: PoolUsage, seats: u32, used: u32) -> Pool {
        Pool {
            id: PoolId(id),
            kind,
            usage,
            seats,
            used,
            starts_at: NOW - 100,
            expires_at: NOW + 365 * 24 * 60 * 60,
        }
    }

    fn session(last_heartbeat_at: Timestamp, ended_at: Option<Timestamp>) -> Session {
        Session {
            last_heartbeat_at,
            ended_at,
        }
    }

    #[test]
    fn only_live_sessions_hold_floating_seats() {
        let sessions = [
            session(NOW - 10, None),
            session(NOW - SESSION_TIMEOUT_SECS, None),
            session(NOW - 5, Some(NOW - 1)),
            session(NOW - SESSION_TIMEOUT_SECS + 1, None),
        ];
        assert_eq!(
            floating_seats_in_use(&sessions, NOW, SESSION_TIMEOUT_SECS),
            2
        );
    }

    #[test]
    fn offline_licenses_hold_seats_until_they_expire() {
        assert_eq!(
            offline_seats_in_use(&[NOW - 1, NOW, NOW + 1, NOW + 99], NOW),
            2
        );
    }

    #[test]
    fn named_online_pools_need_no_further_seat() {
        let pools = [
            pool(1, PoolKind::Floating, PoolUsage::Online, 1, 1),
            pool(2, PoolKind::Named, PoolUsage::Online, 5, 5),
        ];
        assert_eq!(
            serving_pool(&pools, PoolUsage::Online, NOW),
            Ok(Grant::Allocation)
        );
    }

    #[test]
    fn floating_pools_serve_while_seats_are_left() {
        let mut pools = [
            pool(1, PoolKind::Floating, PoolUsage::Online, 2, 2),
            pool(2, PoolKind::Floating, PoolUsage::Online, 3, 1),
            pool(3, PoolKind::Floating, PoolUsage::Offline, 9, 0),
        ];
        assert!(matches!(
            serving_pool(&pools, PoolUsage::Online, NOW),
            Ok(Grant::Seat {
                pool_id: PoolId(2),
                ..
            })
        ));
        pools[1].used = 3;
        assert_eq!(
            serving_pool(&pools, PoolUsage::Online, NOW),
            Err(Refusal::SeatsExceeded { seats: 5, used: 5 })
        );
    }

    #[test]
    fn offline_licenses_last_thirty_days_or_until_the_pool_expires() {
        let mut pools = [pool(7, PoolKind::Named, PoolUsage::Offline, 1, 0)];
        assert_eq!(
            serving_pool(&pools, PoolUsage::Offline, NOW),
            Ok(Grant::Seat {
                pool_id: PoolId(7),
                expires_at: NOW + MAX_OFFLINE_SECS
            })
        );
        pools[0].expires_at = NOW + 60;
        assert_eq!(
            serving_pool(&pools, PoolUsage::Offline, NOW),
            Ok(Grant::Seat {
                pool_id: PoolId(7),
                expires_at: NOW + 60
            })
        );
    }

    #[test]
    fn expired_and_future_pools_serve_nothing() {
        let mut expired = pool(1, PoolKind::Named, PoolUsage::Online, 5, 0);
        expired.expires_at = NOW;
        let mut future = pool(2, PoolKind::Floating, PoolUsage::Online, 5, 0);
        future.starts_at = NOW + 1;
        assert_eq!(
            serving_pool(&[expired, future], PoolUsage::Online, NOW),
            Err(Refusal::NoPool)
        );
        assert_eq!(
            serving_pool(&[], PoolUsage::Offline, NOW),
            Err(Refusal::NoPool)
        );
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_798_070_399), "2026-12-23");
        assert_eq!(utc_date(-1), "1969-12-31");
    }

    proptest! {
        /// Activating one by one, counting each granted seat, never takes more seats than
        /// the floating pools have, and takes all of them.
        #[test]
        fn floating_grants_never_exceed_the_seats(
            seats in proptest::collection::vec(0u32..20, 0..4),
            attempts in 0usize..100,
        ) {
            let mut pools: Vec<Pool> = seats
                .iter()
                .enumerate()
                .map(|(id, &seats)| pool(id as i64, PoolKind::Floating, PoolUsage::Online, seats, 0))
                .collect();
            let mut granted = 0;
            for _ in 0..attempts {
                if let Ok(Grant::Seat { pool_id, .. }) = serving_pool(&pools, PoolUsage::Online, NOW) {
                    pools[pool_id.0 as usize].used += 1;
                    granted += 1;
                }
            }
            let total: u32 = seats.iter().sum();
            prop_assert_eq!(granted, (attempts as u32).min(total));
            prop_assert!(pools.iter().all(|pool| pool.used <= pool.seats));
        }

        #[test]
        fn live_sessions_are_counted_exactly(
            sessions in proptest::collection::vec((0i64..2000, proptest::option::of(0i64..10)), 0..50),
        ) {
            let sessions: Vec<Session> = sessions
                .into_iter()
                .map(|(age, ended)| session(NOW - age, ended.map(|_| NOW)))
                .collect();
            let live = floating_seats_in_use(&sessions, NOW, SESSION_TIMEOUT_SECS);
            prop_assert!(live as usize <= sessions.len());
            let later = floating_seats_in_use(&sessions, NOW + 60, SESSION_TIMEOUT_SECS);
            prop_assert!(later <= live, "no session comes back to life by itself");
        }
    }
}
