//! The Export Users file: its columns, a member's row, and cells made safe to open in a
//! spreadsheet.

use std::borrow::Cow;

use crate::{Member, MemberStatus, Timestamp, search::fold};

pub const HEADER: [&str; 9] = [
    "Full name",
    "Email",
    "Role",
    "Status",
    "Join date",
    "Removed date",
    "Removed by",
    "Last access",
    "Licenses",
];

/// A cell as a spreadsheet should show it. Text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be run as a formula (a name like `=HYPERLINK(...)` typed by anyone
/// who can sign up), so it gets a leading single quote, which spreadsheets show as text.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A moment in ISO 8601, UTC, to the second: `2026-11-23T13:12:47Z`.
pub fn iso_datetime(at: Timestamp) -> String {
    crate::format::utc(at)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A member's row under [`HEADER`], every cell neutralised; `licenses` are product names.
pub fn member_row(member: &Member, licenses: &[&str]) -> [String; 9] {
    let date = |at: Option<Timestamp>| at.map(iso_datetime).unwrap_or_default();
    let status = match member.status {
        MemberStatus::Active => "Active",
        MemberStatus::Removed => "Removed",
    };
    [
        member.full_name.as_str(),
        &member.email,
        member.role.label(),
        status,
        &iso_datetime(member.joined_at),
        &date(member.removed_at),
        member.removed_by.as_deref().unwrap_or_default(),
        &date(member.last_access_at),
        &licenses.join("; "),
    ]
    .map(|cell| neutralise(cell).into_owned())
}

/// The Audit Log export's columns.
pub const AUDIT_HEADER: [&str; 6] = ["Time", "Actor", "Actor email", "Action", "What", "Touched"];

/// An audit entry's row under [`AUDIT_HEADER`], every cell neutralised.
pub fn audit_row(entry: &crate::AuditEntry) -> [String; 6] {
    let (actor, email) = match &entry.actor {
        crate::AuditActor::Person { name, email, .. } => (name.as_str(), email.as_str()),
        crate::AuditActor::Agent { agent } => (agent.label(), ""),
    };
    let touched: Vec<&str> = entry.subjects.iter().map(|s| s.name.as_str()).collect();
    [
        iso_datetime(entry.at),
        actor.to_owned(),
        email.to_owned(),
        entry.action.as_str().to_owned(),
        entry.summary.clone(),
        touched.join("; "),
    ]
    .map(|cell| neutralise(&cell).into_owned())
}

/// An export's file name: `acme-qa-users-2026-11-23.csv` for the users of "Acme QA" as CSV
/// on that (UTC) day.
pub fn file_name(org_name: &str, what: &str, extension: &str, today: Timestamp) -> String {
    let mut slug = String::new();
    for c in fold(org_name).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = match slug.trim_end_matches('-') {
        "" => "organization",
        slug => slug,
    };
    format!("{slug}-{what}-{}.{extension}", &iso_datetime(today)[..10])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::ids::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_get_a_leading_quote() {
        for cell in [
            "=1+1",
            "+33 1 23",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\r=x",
            "=HYPERLINK(\"http://x\")",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["Ann Lee", "ann@example.com", "", "a=b", " =1", "'quoted"] {
            assert_eq!(neutralise(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn dates_are_iso_8601_utc() {
        assert_eq!(iso_datetime(1_795_439_567), "2026-11-23T13:12:47Z");
        assert_eq!(iso_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_datetime(951_868_799), "2000-02-29T23:59:59Z");
        assert_eq!(iso_datetime(-1), "1969-12-31T23:59:59Z");
        assert_eq!(iso_datetime(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    fn member() -> Member {
        Member {
            id: MemberId(7),
            full_name: "=cmd|' /C calc'!A0".into(),
            email: "ann@example.com".into(),
            role: Role::BillingManager,
            status: MemberStatus::Removed,
            joined_at: 0,
            removed_at: Some(1_795_439_567),
            removed_by: Some("Olivia Owens".into()),
            last_access_at: None,
            licenses: Vec::new(),
            allocate_to_user: false,
            groups: Vec::new(),
            held: Vec::new(),
        }
    }

    #[test]
    fn a_row_follows_the_header() {
        let row = member_row(&member(), &["Runtime Engine", "Studio Enterprise"]);
        assert_eq!(
            row,
            [
                "'=cmd|' /C calc'!A0",
                "ann@example.com",
                "Billing Manager",
                "Removed",
                "1970-01-01T00:00:00Z",
                "2026-11-23T13:12:47Z",
                "Olivia Owens",
                "",
                "Runtime Engine; Studio Enterprise",
            ]
        );
    }

    #[test]
    fn file_names_are_slugs_with_the_day() {
        assert_eq!(
            file_name("Acme QA", "users", "csv", 1_795_439_567),
            "acme-qa-users-2026-11-23.csv"
        );
        assert_eq!(
            file_name("  Zoë's Ångström & Co. ", "users", "csv", 0),
            "zoe-s-angstrom-co-users-1970-01-01.csv"
        );
        assert_eq!(
            file_name("東京", "users", "csv", 0),
            "organization-users-1970-01-01.csv"
        );
    }

    proptest! {
        #[test]
        fn no_neutralised_cell_starts_a_formula(cell in "(?s).{0,12}") {
            let safe = neutralise(&cell);
            prop_assert!(!safe.starts_with(['=', '+', '-', '@', '\t', '\r']));
            prop_assert!(safe.ends_with(cell.as_str()));
        }

    }
}
