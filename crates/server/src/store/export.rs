//! Export Users' read: the organization's members with their effective licenses' names,
//! streamed from the database.

use allot_core::{Member, MemberId, MemberStatus, OrgId, Role};
use futures_util::{Stream, TryStreamExt};

use crate::db::{Backend, Db, query_as};

/// Active members first, then removed ones, each by name. Licenses are the effective ones
/// (`allot_core::allocation`: direct, plus the groups' rules unless Allocate to User), as
/// product names joined with U+001F, which no name contains, for `csv::member_row` to join.
const MEMBERS_SQL: &str = "
    SELECT m.id, a.full_name, a.email, m.role, m.status, m.joined_at, m.removed_at,
           r.full_name AS removed_by, m.last_access_at,
           (SELECT {names} FROM products p
             WHERE p.id IN (SELECT product_id FROM direct_allocations WHERE membership_id = m.id)
                OR (NOT m.allocate_to_user AND p.id IN (
                      SELECT gp.product_id FROM group_members gm
                        JOIN group_products gp ON gp.group_id = gm.group_id
                       WHERE gm.membership_id = m.id))) AS licenses
    FROM memberships m
    JOIN accounts a ON a.id = m.account_id
    LEFT JOIN accounts r ON r.id = m.removed_by
    WHERE m.org_id = ?1 AND (?2 IS NULL OR m.status = ?2)
    ORDER BY m.status, a.full_name COLLATE NOCASE, m.id";

/// [`MEMBERS_SQL`] for `backend`: the product names joined with U+001F.
fn members_sql(backend: Backend) -> String {
    let names = match backend {
        Backend::Sqlite => "GROUP_CONCAT(p.name, char(31) ORDER BY p.name)",
        Backend::Postgres => "string_agg(p.name, chr(31) ORDER BY p.name)",
    };
    MEMBERS_SQL.replace("{names}", names)
}

/// The members of `org_id` (only those with `status`, when given) as the file lists them,
/// as the database yields them.
pub fn members(
    db: Db,
    org_id: OrgId,
    status: Option<MemberStatus>,
) -> impl Stream<Item = Result<ExportRow, sqlx::Error>> + Send + 'static {
    async_stream::try_stream! {
        let sql = members_sql(db.backend());
        let mut rows = query_as::<ExportRow>(&sql).bind(org_id).bind(status).fetch(&db);
        while let Some(row) = rows.try_next().await? {
            yield row;
        }
    }
}

/// A row of [`MEMBERS_SQL`]: a member and their licenses' names.
#[derive(sqlx::FromRow)]
pub struct ExportRow {
    id: MemberId,
    full_name: String,
    email: String,
    role: Role,
    status: MemberStatus,
    joined_at: i64,
    removed_at: Option<i64>,
    removed_by: Option<String>,
    last_access_at: Option<i64>,
    /// Joined with U+001F.
    licenses: Option<String>,
}

impl ExportRow {
    /// The member as the console sees it, and their licenses' names (which the console's
    /// `Member` holds as ids).
    pub fn into_member(self) -> (Member, Vec<String>) {
        let licenses = self
            .licenses
            .iter()
            .flat_map(|names| names.split('\u{1f}'))
            .map(str::to_owned)
            .collect();
        let member = Member {
            id: self.id,
            full_name: self.full_name,
            email: self.email,
            role: self.role,
            status: self.status,
            joined_at: self.joined_at,
            removed_at: self.removed_at,
            removed_by: self.removed_by,
            last_access_at: self.last_access_at,
            licenses: Vec::new(),
            allocate_to_user: false,
            groups: Vec::new(),
            held: Vec::new(),
        };
        (member, licenses)
    }
}
