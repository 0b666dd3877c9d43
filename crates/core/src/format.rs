//! Numbers and times as admins read them in tables.

use chrono::{DateTime, Utc};

use crate::{Product, ProductId, Timestamp};

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

/// The moment `at` in UTC (clamped to what the calendar holds, far beyond any real time).
pub fn utc(at: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(at, 0).unwrap_or(if at < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
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

/// "1 user", "2 users", "1,000 users": a count and its noun, singular or plural.
pub fn plural(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{} {plural}", count(n))
    }
}

/// What a change did to whom, as a sentence: "Removed Ana Díaz.", "Removed Ana Díaz and Bo
/// Li.", "Removed 3 users."; `tail` follows the names: "Changed the role of Ana Díaz to Admin."
pub fn done_to(
    verb: &str,
    names: &[impl AsRef<str>],
    (singular, plural_noun): (&str, &str),
    tail: &str,
) -> String {
    let whom = match names {
        [] => plural(0, singular, plural_noun),
        [one] => one.as_ref().to_owned(),
        [first, second] => format!("{} and {}", first.as_ref(), second.as_ref()),
        more => plural(more.len(), singular, plural_noun),
    };
    format!("{verb} {whom}{tail}.")
}

/// The names of `ids` in alphabetical order, or `none`.
pub fn product_names(products: &[Product], ids: &[ProductId], none: &str) -> String {
    let mut names: Vec<&str> = products
        .iter()
        .filter(|p| ids.contains(&p.id))
        .map(|p| p.name.as_str())
        .collect();
    names.sort();
    if names.is_empty() {
        none.to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::{ago, count, done_to, plural, product_names, until};
    use crate::Product;
    use crate::ids::ProductId;

    #[test]
    fn sentences_name_one_or_two_and_count_more() {
        let users = ("user", "users");
        assert_eq!(
            done_to("Removed", &["Ana Díaz"], users, ""),
            "Removed Ana Díaz."
        );
        assert_eq!(
            done_to("Removed", &["Ana Díaz", "Bo Li"], users, ""),
            "Removed Ana Díaz and Bo Li."
        );
        assert_eq!(
            done_to("Removed", &["a", "b", "c"], users, ""),
            "Removed 3 users."
        );
        assert_eq!(
            done_to("Removed", &[] as &[&str], users, ""),
            "Removed 0 users."
        );
        assert_eq!(
            done_to("Changed the role of", &["Ana Díaz"], users, " to Admin"),
            "Changed the role of Ana Díaz to Admin."
        );
        assert_eq!(plural(1, "invitation", "invitations"), "1 invitation");
        assert_eq!(plural(1200, "seat", "seats"), "1,200 seats");
    }

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

    #[test]
    fn product_names_are_listed_alphabetically_or_none() {
        let products = [
            Product {
                id: ProductId(1),
                name: "Studio".into(),
            },
            Product {
                id: ProductId(2),
                name: "Runtime Engine".into(),
            },
        ];
        assert_eq!(
            product_names(&products, &[ProductId(1), ProductId(2)], "None"),
            "Runtime Engine, Studio"
        );
        assert_eq!(product_names(&products, &[], "None"), "None");
    }
}
