//! Seat usage over time. The server keeps one row per product per hour in which its count
//! changed (the hour's peak, the count at its end, the quota), not a row per heartbeat; a
//! series over the last 24 hours, 30 days or 12 months is built from those rows here.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{Timestamp, format::utc};

const HOUR: i64 = 60 * 60;
const DAY: i64 = 24 * HOUR;

/// How far back a series looks, and how finely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UsageRange {
    /// The last 24 hours, by hour.
    #[serde(rename = "24h")]
    Day,
    /// The last 30 days, by day.
    #[serde(rename = "30d")]
    Month,
    /// The last 12 months, by calendar month (UTC), the current one last.
    #[serde(rename = "12m")]
    Year,
}

impl UsageRange {
    pub fn label(self) -> &'static str {
        match self {
            Self::Day => "Last 24 hours",
            Self::Month => "Last 30 days",
            Self::Year => "Last 12 months",
        }
    }

    /// Where its points start, and where the last one ends: hours, or days of 24 hours, up
    /// to the end of the hour of `now`; or calendar months up to the end of the current one.
    fn bounds(self, now: Timestamp) -> Vec<Timestamp> {
        let points = self.points_len() as u32;
        let next_hour = hour_of(now) + HOUR;
        let steps = |step: i64| -> Vec<Timestamp> {
            (0..=points)
                .map(|i| next_hour - i64::from(points - i) * step)
                .collect()
        };
        match self {
            Self::Day => steps(HOUR),
            Self::Month => steps(DAY),
            Self::Year => {
                let today = utc(now).date_naive();
                let this_month =
                    NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
                (0..=points)
                    .map(|i| {
                        let month = match i.checked_sub(points - 1) {
                            None => this_month.checked_sub_months(Months::new(points - 1 - i)),
                            Some(ahead) => this_month.checked_add_months(Months::new(ahead)),
                        };
                        (month.unwrap_or(this_month))
                            .and_time(chrono::NaiveTime::MIN)
                            .and_utc()
                            .timestamp()
                    })
                    .collect()
            }
        }
    }

    /// How many points a series has.
    pub fn points_len(self) -> usize {
        match self {
            Self::Day => 24,
            Self::Month => 30,
            Self::Year => 12,
        }
    }

    /// The first hour a series ending in the hour of `now` covers.
    pub fn first_hour(self, now: Timestamp) -> Timestamp {
        self.bounds(now)[0]
    }
}

/// The start of the hour of `at`.
pub fn hour_of(at: Timestamp) -> Timestamp {
    at - at.rem_euclid(HOUR)
}

/// One stored hour of a product's usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsageHour {
    pub hour: Timestamp,
    /// The most seats in use at once in the hour.
    pub peak: u32,
    /// Seats in use when the hour ended (or now, for the current hour).
    pub closing: u32,
    pub quota: Option<u32>,
}

/// One point of a series: the most seats in use at once from `start` on, against the quota
/// at its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsagePoint {
    pub start: Timestamp,
    pub peak: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<u32>,
}

/// A product's seats in use against its quota over a range, and what to read from it at a
/// glance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageSeries {
    pub range: UsageRange,
    pub points: Vec<UsagePoint>,
    /// The most seats in use at once over the range.
    pub peak: u32,
    /// The average of the hourly peaks over the range.
    pub average: f64,
    /// Days on which the seats in use reached the quota.
    pub days_at_quota: u32,
    /// When the quota changed (a pool added, changed or expired), and to what.
    pub quota_changes: Vec<UsagePoint>,
}

/// The series over `range` up to the hour of `now`, from the product's stored hours in order
/// (the last one before the range included, to carry its count in).
pub fn series(range: UsageRange, hours: &[UsageHour], now: Timestamp) -> UsageSeries {
    let bounds = range.bounds(now);
    let first = bounds[0];
    let mut stored = hours.iter().peekable();
    // What the hours before the range left: the count and quota carried into it.
    let (mut closing, mut quota) = (0, None);
    while let Some(hour) = stored.next_if(|hour| hour.hour < first) {
        (closing, quota) = (hour.closing, hour.quota);
    }
    let mut series = UsageSeries {
        range,
        points: Vec::with_capacity(bounds.len() - 1),
        peak: 0,
        average: 0.0,
        days_at_quota: 0,
        quota_changes: Vec::new(),
    };
    let (mut total, mut counted) = (0u64, 0u64);
    let mut day_at_quota = None;
    for (point, span) in bounds.windows(2).enumerate() {
        let [start, end] = [span[0], span[1]];
        let mut peak = 0;
        for at in (start..end.min(now + 1)).step_by(HOUR as usize) {
            let in_use = match stored.next_if(|stored| stored.hour == at) {
                Some(stored) => {
                    if stored.quota != quota && (counted > 0 || point > 0) {
                        series.quota_changes.push(UsagePoint {
                            start: at,
                            peak: stored.peak,
                            quota: stored.quota,
                        });
                    }
                    (closing, quota) = (stored.closing, stored.quota);
                    stored.peak
                }
                None => closing,
            };
            peak = peak.max(in_use);
            total += u64::from(in_use);
            counted += 1;
            let day = at.div_euclid(DAY);
            if quota.is_some_and(|quota| quota > 0 && in_use >= quota) && day_at_quota != Some(day)
            {
                day_at_quota = Some(day);
                series.days_at_quota += 1;
            }
        }
        series.peak = series.peak.max(peak);
        series.points.push(UsagePoint { start, peak, quota });
    }
    if counted > 0 {
        series.average = (total as f64 / counted as f64 * 10.0).round() / 10.0;
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = 1_795_000_000 + 1800;

    fn hour(hours_ago: i64, peak: u32, closing: u32, quota: u32) -> UsageHour {
        UsageHour {
            hour: hour_of(NOW) - hours_ago * HOUR,
            peak,
            closing,
            quota: Some(quota),
        }
    }

    #[test]
    fn hours_without_a_row_carry_the_last_count() {
        let hours = [hour(30, 4, 3, 10), hour(5, 9, 6, 10), hour(0, 7, 7, 10)];
        let series = series(UsageRange::Day, &hours, NOW);
        assert_eq!(series.points.len(), 24);
        // Carried in from before the range: 3, until 5 hours ago.
        assert_eq!(series.points[0].peak, 3);
        assert_eq!(series.points[17].peak, 3);
        assert_eq!(series.points[18].peak, 9);
        assert_eq!(series.points[19].peak, 6);
        assert_eq!(series.points[23].peak, 7);
        assert_eq!(series.peak, 9);
        assert_eq!(series.points[23].start, hour_of(NOW));
        assert!(series.quota_changes.is_empty());
    }

    #[test]
    fn a_month_reads_peaks_by_day_days_at_quota_and_quota_changes() {
        let hours = [
            hour(24 * 40, 2, 2, 5),
            hour(24 * 3, 5, 4, 5),
            hour(24 * 2, 4, 4, 8),
        ];
        let series = series(UsageRange::Month, &hours, NOW);
        assert_eq!(series.points.len(), 30);
        assert_eq!(series.peak, 5);
        assert_eq!(
            series.days_at_quota, 1,
            "the day the 5 seats were all in use"
        );
        assert_eq!(series.quota_changes.len(), 1);
        assert_eq!(series.quota_changes[0].quota, Some(8));
        assert_eq!(series.points[29].quota, Some(8));
        assert!(
            series.average > 2.0 && series.average < 3.0,
            "{}",
            series.average
        );
    }

    #[test]
    fn a_year_has_twelve_points_and_nothing_stored_reads_zero() {
        let series = series(UsageRange::Year, &[], NOW);
        assert_eq!(series.points.len(), 12);
        assert_eq!(
            (series.peak, series.average, series.days_at_quota),
            (0, 0.0, 0)
        );
        assert_eq!(UsageRange::parse("12m"), Some(UsageRange::Year));
        assert_eq!(UsageRange::parse("1y"), None);
    }

    /// The points' bounds as chrono's calendar reads them, at `now`.
    fn check_bounds(now: Timestamp) -> Result<(), proptest::test_runner::TestCaseError> {
        use chrono::{Datelike, Months, Timelike};
        use proptest::prelude::*;
        for range in UsageRange::ALL {
            let bounds = range.bounds(now);
            let points = bounds.len() - 1;
            prop_assert_eq!(points, range.points_len());
            // The last point holds now; no point is empty.
            prop_assert!(bounds[points - 1] <= now && now < bounds[points]);
            prop_assert!(bounds.windows(2).all(|span| span[0] < span[1]));
            for span in bounds.windows(2) {
                let (start, end) = (utc(span[0]), utc(span[1]));
                match range {
                    UsageRange::Day => prop_assert_eq!(end - start, chrono::TimeDelta::hours(1)),
                    UsageRange::Month => prop_assert_eq!(end - start, chrono::TimeDelta::days(1)),
                    UsageRange::Year => {
                        prop_assert_eq!((start.day(), start.num_seconds_from_midnight()), (1, 0));
                        prop_assert_eq!(start.checked_add_months(Months::new(1)), Some(end));
                    }
                }
            }
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn ranges_step_as_the_calendar_does(now in -2_000_000_000i64..6_000_000_000) {
            check_bounds(now)?;
        }
    }

    #[test]
    fn ranges_step_over_month_ends_leap_days_and_year_ends() {
        for at in [
            "2024-02-29T12:30:00Z",
            "2024-03-01T00:00:00Z",
            "2025-02-28T23:59:59Z",
            "2026-12-31T23:59:59Z",
            "2027-01-01T00:00:00Z",
            "2100-03-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
        ] {
            let now = chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .timestamp();
            check_bounds(now).unwrap();
        }
        // The year to 2024-02-29: March 2023 to February 2024, the leap month of 29 days.
        let now = chrono::DateTime::parse_from_rfc3339("2024-02-29T12:30:00Z").unwrap();
        let bounds = UsageRange::Year.bounds(now.timestamp());
        assert_eq!(crate::csv::iso_datetime(bounds[0]), "2023-03-01T00:00:00Z");
        assert_eq!(crate::csv::iso_datetime(bounds[11]), "2024-02-01T00:00:00Z");
        assert_eq!(bounds[12] - bounds[11], 29 * DAY);
    }

    #[test]
    fn a_year_reads_each_month_from_its_own_hours() {
        // 2026-03-15: a peak in February's last hour and one in March's first.
        let now = 1_773_576_000;
        let march = UsageRange::Year.bounds(now)[11];
        let hours = [
            UsageHour {
                hour: march - HOUR,
                peak: 9,
                closing: 2,
                quota: None,
            },
            UsageHour {
                hour: march,
                peak: 5,
                closing: 1,
                quota: None,
            },
        ];
        let series = series(UsageRange::Year, &hours, now);
        assert_eq!(series.points[10].peak, 9, "February");
        assert_eq!(series.points[11].peak, 5, "March");
        assert_eq!(series.points[11].start, march);
    }
}
