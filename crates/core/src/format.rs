//! Numbers and times as admins read them in tables.

use crate::Timestamp;

/// How long before `now` the moment `at` was, in words: "just now", "5 minutes ago",
/// "3 days ago". Moments in the future (clock skew) read as "just now".
pub fn ago(now: Timestamp, at: Timestamp) -> String {
    const UNITS: [(i64, &str); 6] = [
        (365 * 24 * 3600, "year"),
        (30 * 24 * 3600, "month"),
        (7 * 24 * 3600, "week"),
        (24 * 3600, "day"),
        (3600, "hour"),
        (60, "minute"),
    ];
    let elapsed = now - at;
    UNITS
        .iter()
        .find(|(seconds, _)| elapsed >= *seconds)
        .map_or_else(
            || "just now".to_owned(),
            |&(seconds, unit)| {
                let count = elapsed / seconds;
                let plural = if count == 1 { "" } else { "s" };
                format!("{count} {unit}{plural} ago")
            },
        )
}

/// How long from `now` until `at`: "in 5 hours", "in 1 day"; a past moment reads as
/// "expired".
pub fn until(now: Timestamp, at: Timestamp) -> String {
    if at <= now {
        return "expired".to_owned();
    }
    // The same units as `ago`, counted the other way.
    let spoken = ago(at, now);
    match spoken.strip_suffix(" ago") {
        Some(span) => format!("in {span}"),
        None => "in under a minute".to_owned(),
    }
}

/// A count with thousands separated: 100000 reads "100,000".
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{ago, count, until};

    #[test]
    fn until_reads_forward() {
        let now = 1_000_000_000;
        assert_eq!(until(now, now + 5 * 3600 + 10), "in 5 hours");
        assert_eq!(until(now, now + 24 * 3600), "in 1 day");
        assert_eq!(until(now, now + 30), "in under a minute");
        assert_eq!(until(now, now), "expired");
        assert_eq!(until(now, now - 10), "expired");
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(250_000), "250,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn reads_like_a_person_would_say_it() {
        let now = 1_000_000_000;
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now, now + 30), "just now");
        assert_eq!(ago(now, now - 59), "just now");
        assert_eq!(ago(now, now - 60), "1 minute ago");
        assert_eq!(ago(now, now - 3 * 3600 - 5), "3 hours ago");
        assert_eq!(ago(now, now - 24 * 3600), "1 day ago");
        assert_eq!(ago(now, now - 15 * 24 * 3600), "2 weeks ago");
        assert_eq!(ago(now, now - 400 * 24 * 3600), "1 year ago");
    }
}
