//! The demo organization "Acme QA", seeded on the first start of an empty database with
//! `--demo`. The content is deterministic (the same people, roles and licenses every time);
//! dates are relative to the moment of seeding so that the demo always looks current.
//!
//! Its size can be scaled (`--demo-members N`, for measuring the console with many members):
//! removed members, pending invitations, licenses, seats, machines and sessions then grow in
//! the proportions of the default 250-member demo, written with multi-row INSERTs in one
//! transaction so that 100,000 members take seconds.

use std::collections::{HashMap, HashSet};

use allot_core::{
    ActivateRequest,
    ActivationMode::{Offline, Online},
    Role,
    licensing::{MAX_OFFLINE_SECS, PoolKind, PoolUsage},
    search::fold,
};

use crate::db::{self, Backend, Conn, Values, query, query_scalar};
use crate::{
    ApiError, auth, change,
    db::{Db, now},
    invitations::{self, InvitationLinks},
    license_api,
};

pub const ORGANIZATION: &str = "Acme QA";
pub const PASSWORD: &str = "allot-demo";
/// Well-known accounts of the demo, one per role, for trying the console and for tests.
pub const OWNER_EMAIL: &str = "owner@example.com";
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const MEMBER_EMAIL: &str = "member@example.com";
pub const BILLING_EMAIL: &str = "billing@example.com";

/// Active members of Acme QA unless `--demo-members` says otherwise.
pub const DEFAULT_MEMBERS: usize = 250;
/// Per [`DEFAULT_MEMBERS`] active members.
const REMOVED_MEMBERS: usize = 20;
const PENDING_INVITATIONS: usize = 15;
const DAY: i64 = 24 * 60 * 60;
/// Rows per multi-row INSERT: well within SQLite's 32,766 bound variables at 9 columns.
const ROWS_PER_INSERT: usize = 1000;

/// `base` (a count of the default demo) in proportion to `members` active members, rounded
/// up: exactly `base` for the default size, and never 0.
fn scaled(base: usize, members: usize) -> usize {
    (base * members).div_ceil(DEFAULT_MEMBERS).max(1)
}

const FIRST_NAMES: [&str; 40] = [
    "Olivia", "Liam", "Zoë", "Noah", "Amélie", "Mateo", "Søren", "Ava", "Jürgen", "Chloé", "Ethan",
    "Inès", "Lucas", "Björn", "Maya", "Raphaël", "Hana", "Oskar", "Léa", "Diego", "Priya", "Tomás",
    "Aisha", "Kenji", "Élodie", "Marek", "Nadia", "Luca", "Fatima", "Hugo", "Sofía", "Emil",
    "Yara", "Andrés", "Mei", "Jonas", "Zainab", "Felix", "Ingrid", "Omar",
];
const LAST_NAMES: [&str; 37] = [
    "Martin",
    "Müller",
    "García",
    "Nguyen",
    "Kowalski",
    "Rossi",
    "Dubois",
    "Johansson",
    "Okafor",
    "Tanaka",
    "Silva",
    "Novák",
    "Hernández",
    "Lefèvre",
    "Schmidt",
    "Andersen",
    "Costa",
    "Ibrahim",
    "Kim",
    "Moreau",
    "Jensen",
    "Popescu",
    "Brown",
    "Fernández",
    "Wójcik",
    "Yilmaz",
    "Larsen",
    "Bianchi",
    "Çelik",
    "Haddad",
    "O'Brien",
    "Petrović",
    "Sato",
    "Walsh",
    "Åberg",
    "Ferreira",
    "Chen",
];

/// The `index`-th generated person: a name and an address derived from it.
fn person(index: usize) -> (String, String) {
    let first = FIRST_NAMES[index % FIRST_NAMES.len()];
    let last = LAST_NAMES[(index * 7 + index / FIRST_NAMES.len()) % LAST_NAMES.len()];
    let local = format!("{}.{}", fold(first), fold(last)).replace(['\'', ' '], "");
    (format!("{first} {last}"), local)
}

fn role_of(index: usize) -> Role {
    match index {
        i if i % 50 == 7 => Role::Owner,
        i if i % 20 == 3 => Role::Admin,
        i if i % 25 == 11 => Role::BillingManager,
        _ => Role::Member,
    }
}

/// Seeds the demo unless the database already holds an organization. Returns whether it did.
/// `links` signs the demo's pending invitations, so that their links work.
pub async fn seed_if_empty(db: &Db, links: &InvitationLinks) -> Result<bool, sqlx::Error> {
    seed_if_empty_with(db, links, DEFAULT_MEMBERS).await
}

/// [`seed_if_empty`] with `members` active members in Acme QA (at least the four well-known
/// accounts), everything else in proportion. Machines and sessions beyond those of
/// [`activate_licenses`] (which works at any size) are written here directly, 10 for every
/// further 250 members, within the pools' seats.
pub async fn seed_if_empty_with(
    db: &Db,
    links: &InvitationLinks,
    members: usize,
) -> Result<bool, sqlx::Error> {
    let organizations: i64 = query_scalar("SELECT COUNT(*) FROM organizations")
        .fetch_one(db)
        .await?;
    if organizations > 0 {
        return Ok(false);
    }
    // One hash for every demo account: they share the demo password, and hashing each time
    // would make the first start slow for nothing (argon2 is slow on purpose).
    let password_hash = tokio::task::spawn_blocking(|| auth::hash_password(PASSWORD))
        .await
        .expect("hashing does not panic");
    let mut tx = db.begin().await?;
    seed(&mut tx, &password_hash, links, now(), members).await?;
    // The organizations start here: nobody follows a change feed from before them.
    // (Not a server write transaction: on PostgreSQL its marks are in the shared table.)
    let marks = match tx.backend() {
        Backend::Sqlite => "DELETE FROM change_dirty",
        Backend::Postgres => "DELETE FROM public.change_dirty",
    };
    query(marks).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// The demo's products in use: a few members' machines with online sessions and offline
/// licenses, activated as the products themselves would, through the License API's code.
/// Run after [`seed_if_empty`] has seeded; the online sessions time out 10 minutes later, as
/// any session that stops heartbeating does.
pub async fn activate_licenses(db: &Db, links: &InvitationLinks) -> Result<(), ApiError> {
    let now = now();
    let org: i64 = query_scalar("SELECT id FROM organizations WHERE name = ?")
        .bind(ORGANIZATION)
        .fetch_one(db)
        .await?;
    let mut tx = change::begin(db, org).await?;
    for (product, machines) in [
        (
            "Runtime Engine",
            [
                ("BUILD-AGENT-07", Online),
                ("BUILD-AGENT-12", Online),
                ("QA-WS-0142", Online),
                ("LAB-RIG-03", Offline),
                ("FIELD-LT-0019", Offline),
            ],
        ),
        (
            "Studio Enterprise",
            [
                ("QA-WS-0107", Online),
                ("DEV-LT-2231", Online),
                ("QA-WS-0188", Online),
                ("DEV-LT-2310", Online),
                ("QA-MAC-015", Online),
            ],
        ),
    ] {
        let product_id: i64 = query_scalar("SELECT id FROM products WHERE org_id = ? AND name = ?")
            .bind(org)
            .bind(product)
            .fetch_one(&mut *tx)
            .await?;
        // The first few members who hold a license of the product, one machine each.
        let holders: Vec<i64> = query_scalar(
            "SELECT membership_id FROM direct_allocations WHERE product_id = ?
             ORDER BY membership_id LIMIT ?",
        )
        .bind(product_id)
        .bind(machines.len() as i64)
        .fetch_all(&mut *tx)
        .await?;
        for (member, (machine_id, mode)) in holders.into_iter().zip(machines) {
            let request = ActivateRequest {
                product_id,
                machine_id: machine_id.into(),
                hostname: format!("{}.acme.lan", machine_id.to_lowercase()),
                mode,
            };
            license_api::activate_for(&mut tx, links, org, member, &request, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

struct Seeder<'t> {
    tx: &'t mut Conn,
    password_hash: &'t str,
    now: i64,
    emails: HashSet<String>,
    /// The next numeric suffix to try for each address already taken, so that the many
    /// namesakes of a large demo do not try every suffix again.
    next_suffix: HashMap<String, usize>,
}

/// An account or membership to write, with its id chosen beforehand (they are written many
/// at a time, so the ids cannot come back one by one).
struct AccountRow {
    id: i64,
    email: String,
    full_name: String,
}

struct MembershipRow {
    id: i64,
    account_id: i64,
    role: Role,
    joined_at: i64,
    removed_at: Option<i64>,
    removed_by: Option<i64>,
    last_access_at: Option<i64>,
}

impl Seeder<'_> {
    /// `local@example.com`, or with the first free number after `local` if taken.
    fn unique_email(&mut self, local: &str) -> String {
        let mut email = format!("{local}@example.com");
        let n = self.next_suffix.entry(local.to_owned()).or_insert(2);
        while !self.emails.insert(email.clone()) {
            email = format!("{local}{n}@example.com");
            *n += 1;
        }
        email
    }

    async fn account(&mut self, full_name: &str, local: &str) -> Result<i64, sqlx::Error> {
        let email = self.unique_email(local);
        query_scalar(
            "INSERT INTO accounts (email, full_name, password_hash, created_at)
             VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(email)
        .bind(full_name)
        .bind(self.password_hash)
        .bind(self.now)
        .fetch_one(&mut *self.tx)
        .await
    }

    async fn organization(&mut self, name: &str) -> Result<i64, sqlx::Error> {
        query_scalar("INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id")
            .bind(name)
            .bind(self.now)
            .fetch_one(&mut *self.tx)
            .await
    }

    /// A membership's dates: joined, removed (half way since joining) and last access.
    fn membership_row(
        &self,
        id: i64,
        account_id: i64,
        role: Role,
        joined_days_ago: i64,
        last_access_hours_ago: Option<i64>,
        removed_by: Option<i64>,
    ) -> MembershipRow {
        let joined_at = self.now - joined_days_ago * DAY;
        let removed_at = removed_by.map(|_| joined_at + (self.now - joined_at) / 2);
        MembershipRow {
            id,
            account_id,
            role,
            joined_at,
            removed_at,
            removed_by,
            last_access_at: last_access_hours_ago
                .map(|hours| removed_at.unwrap_or(self.now) - hours * 3600),
        }
    }

    async fn membership(
        &mut self,
        org_id: i64,
        account_id: i64,
        role: Role,
        joined_days_ago: i64,
        last_access_hours_ago: Option<i64>,
    ) -> Result<i64, sqlx::Error> {
        let row = self.membership_row(
            0,
            account_id,
            role,
            joined_days_ago,
            last_access_hours_ago,
            None,
        );
        query_scalar(
            "INSERT INTO memberships
               (org_id, account_id, role, status, joined_at, last_access_at)
             VALUES (?, ?, ?, 'active', ?, ?) RETURNING id",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(role.as_str())
        .bind(row.joined_at)
        .bind(row.last_access_at)
        .fetch_one(&mut *self.tx)
        .await
    }

    async fn named(&mut self, sql: &str, org_id: i64, name: &str) -> Result<i64, sqlx::Error> {
        query_scalar(sql)
            .bind(org_id)
            .bind(name)
            .fetch_one(&mut *self.tx)
            .await
    }

    async fn link(&mut self, sql: &str, a: i64, b: i64) -> Result<(), sqlx::Error> {
        query(sql).bind(a).bind(b).execute(&mut *self.tx).await?;
        Ok(())
    }

    /// The next id `table` would give.
    async fn next_id(&mut self, table: &str) -> Result<i64, sqlx::Error> {
        query_scalar(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))
            .fetch_one(&mut *self.tx)
            .await
    }
}

/// Writes `rows` with one multi-row INSERT per [`ROWS_PER_INSERT`] rows.
async fn insert_all<T>(
    conn: &mut Conn,
    head: &str,
    rows: &[T],
    bind: impl FnMut(&mut Values, &T),
) -> Result<(), sqlx::Error> {
    db::insert_all(conn, head, rows, ROWS_PER_INSERT, bind).await
}

/// Machines of the default demo's sessions, by product, each online or offline (`true`):
/// the names [`activate_licenses`] uses, repeated with a number for every further 250
/// members of a larger demo.
const RUNTIME_MACHINES: [(&str, bool); 5] = [
    ("BUILD-AGENT-07", false),
    ("BUILD-AGENT-12", false),
    ("QA-WS-0142", false),
    ("LAB-RIG-03", true),
    ("FIELD-LT-0019", true),
];
const STUDIO_MACHINES: [(&str, bool); 5] = [
    ("QA-WS-0107", false),
    ("DEV-LT-2231", false),
    ("QA-WS-0188", false),
    ("DEV-LT-2310", false),
    ("QA-MAC-015", false),
];

async fn seed(
    tx: &mut Conn,
    password_hash: &str,
    links: &InvitationLinks,
    now: i64,
    active: usize,
) -> Result<(), sqlx::Error> {
    let mut seeder = Seeder {
        tx,
        password_hash,
        now,
        emails: HashSet::new(),
        next_suffix: HashMap::new(),
    };
    let org = seeder.organization(ORGANIZATION).await?;

    // The well-known accounts first, then generated people.
    let known = [
        ("Olivia Owens", OWNER_EMAIL, Role::Owner),
        ("Adam Alvarez", ADMIN_EMAIL, Role::Admin),
        ("Mia Moreno", MEMBER_EMAIL, Role::Member),
        ("Blake Bishop", BILLING_EMAIL, Role::BillingManager),
    ];
    let active = active.max(known.len());
    let removed = scaled(REMOVED_MEMBERS, active);
    let first_account = seeder.next_id("accounts").await?;
    let first_membership = seeder.next_id("memberships").await?;
    let mut accounts: Vec<AccountRow> = Vec::with_capacity(active + removed);
    let mut memberships: Vec<MembershipRow> = Vec::with_capacity(active + removed);
    let mut owner_account = 0;
    let mut members = Vec::with_capacity(active);
    for (i, (name, email, role)) in known.into_iter().enumerate() {
        let local = email.trim_end_matches("@example.com");
        let account = first_account + accounts.len() as i64;
        accounts.push(AccountRow {
            id: account,
            email: seeder.unique_email(local),
            full_name: name.to_owned(),
        });
        if role == Role::Owner {
            owner_account = account;
        }
        let days = 900 - i as i64;
        let id = first_membership + memberships.len() as i64;
        memberships.push(seeder.membership_row(id, account, role, days, Some(1), None));
        members.push((id, role));
    }
    for i in known.len()..active + removed {
        let (name, local) = person(i);
        let account = first_account + accounts.len() as i64;
        accounts.push(AccountRow {
            id: account,
            email: seeder.unique_email(&local),
            full_name: name,
        });
        let joined_days_ago = (i as i64 * 37) % 880 + 2;
        let last_access = (i % 10 != 4).then_some((i as i64 * 13) % (24 * 45) + 1);
        let removed_by = (i >= active).then_some(owner_account);
        let role = role_of(i);
        let id = first_membership + memberships.len() as i64;
        memberships.push(seeder.membership_row(
            id,
            account,
            role,
            joined_days_ago,
            last_access,
            removed_by,
        ));
        if removed_by.is_none() {
            members.push((id, role));
        }
    }
    insert_all(
        seeder.tx,
        "INSERT INTO accounts (id, email, full_name, password_hash, created_at) ",
        &accounts,
        |values, row| {
            values
                .push_bind(row.id)
                .push_bind(row.email.as_str())
                .push_bind(row.full_name.as_str())
                .push_bind(password_hash)
                .push_bind(now);
        },
    )
    .await?;
    insert_all(
        seeder.tx,
        "INSERT INTO memberships (id, org_id, account_id, role, status, joined_at, removed_at,
           removed_by, last_access_at) ",
        &memberships,
        |values, row| {
            values
                .push_bind(row.id)
                .push_bind(org)
                .push_bind(row.account_id)
                .push_bind(row.role.as_str())
                .push_bind(if row.removed_by.is_some() {
                    "removed"
                } else {
                    "active"
                })
                .push_bind(row.joined_at)
                .push_bind(row.removed_at)
                .push_bind(row.removed_by)
                .push_bind(row.last_access_at);
        },
    )
    .await?;
    drop((accounts, memberships));
    seeder
        .tx
        .continue_ids_after(&["accounts", "memberships"])
        .await?;

    let studio = seeder
        .named(
            "INSERT INTO products (org_id, name) VALUES (?, ?) RETURNING id",
            org,
            "Studio Enterprise",
        )
        .await?;
    let runtime = seeder
        .named(
            "INSERT INTO products (org_id, name) VALUES (?, ?) RETURNING id",
            org,
            "Runtime Engine",
        )
        .await?;
    let visual = seeder
        .named(
            "INSERT INTO products (org_id, name) VALUES (?, ?) RETURNING id",
            org,
            "Visual Testing",
        )
        .await?;
    let mut pools = Vec::with_capacity(4);
    for (product, seats, kind, usage, days_left) in [
        (studio, 150, PoolKind::Named, PoolUsage::Online, 365),
        (runtime, 40, PoolKind::Floating, PoolUsage::Online, 200),
        // Enough named seats for everyone with a Runtime Engine license (every 7th member).
        (runtime, 40, PoolKind::Named, PoolUsage::Offline, 200),
        (visual, 25, PoolKind::Named, PoolUsage::Online, 20),
    ] {
        let pool: i64 = query_scalar(
            "INSERT INTO license_pools (org_id, product_id, seats, kind, usage, starts_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(org)
        .bind(product)
        .bind(scaled(seats, active) as i64)
        .bind(kind)
        .bind(usage)
        .bind(now - 30 * DAY)
        .bind(now + days_left * DAY)
        .fetch_one(&mut *seeder.tx)
        .await?;
        pools.push((pool, now + days_left * DAY));
    }
    let allocations: Vec<(i64, i64)> = members
        .iter()
        .enumerate()
        .flat_map(|(i, &(membership, _))| {
            [(2, studio), (7, runtime), (13, visual)]
                .into_iter()
                .filter(move |&(every, _)| i % every == 0)
                .map(move |(_, product)| (membership, product))
        })
        .collect();
    insert_all(
        seeder.tx,
        "INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at) ",
        &allocations,
        |values, &(membership, product)| {
            values
                .push_bind(org)
                .push_bind(membership)
                .push_bind(product)
                .push_bind(now);
        },
    )
    .await?;

    // Machines and sessions of every further 250 members, as `activate_licenses` makes them
    // for the first 250: the first five holders of Runtime Engine and of Studio Enterprise in
    // each block, one machine each. Runtime Engine's online sessions hold floating seats and
    // its offline licenses named offline seats; Studio Enterprise's pool is named online, so
    // its sessions hold no seat beyond the allocation. Both pools grew in proportion above.
    let (floating, _) = pools[1];
    let (offline_pool, offline_pool_expiry) = pools[2];
    let mut machines = Vec::new();
    for block in 1..active / DEFAULT_MEMBERS {
        let range = block * DEFAULT_MEMBERS..(block + 1) * DEFAULT_MEMBERS;
        for (product, every, names) in
            [(runtime, 7, RUNTIME_MACHINES), (studio, 2, STUDIO_MACHINES)]
        {
            let holders = range
                .clone()
                .filter(|i| i % every == 0)
                .map(|i| members[i].0);
            for (member, (name, offline)) in holders.zip(names) {
                let machine_id = format!("{name}-{block:04}");
                let hostname = format!("{}.acme.lan", machine_id.to_lowercase());
                let (pool, expires_at) = match (product == runtime, offline) {
                    (true, false) => (Some(floating), None),
                    (true, true) => (
                        Some(offline_pool),
                        Some(offline_pool_expiry.min(now + MAX_OFFLINE_SECS)),
                    ),
                    (false, _) => (None, None),
                };
                let mode = if offline { Offline } else { Online };
                machines.push((
                    member, product, pool, mode, machine_id, hostname, expires_at,
                ));
            }
        }
    }
    insert_all(
        seeder.tx,
        "INSERT INTO machines (org_id, membership_id, machine_id, hostname, registered_at,
           last_seen_at) ",
        &machines,
        |values, (member, _, _, _, machine_id, hostname, _)| {
            values
                .push_bind(org)
                .push_bind(*member)
                .push_bind(machine_id.as_str())
                .push_bind(hostname.as_str())
                .push_bind(now)
                .push_bind(now);
        },
    )
    .await?;
    insert_all(
        seeder.tx,
        "INSERT INTO activations (org_id, membership_id, product_id, pool_id, mode, machine_id,
           hostname, started_at, last_heartbeat_at, expires_at) ",
        &machines,
        |values, (member, product, pool, mode, machine_id, hostname, expires_at)| {
            values
                .push_bind(org)
                .push_bind(*member)
                .push_bind(*product)
                .push_bind(*pool)
                .push_bind(*mode)
                .push_bind(machine_id.as_str())
                .push_bind(hostname.as_str())
                .push_bind(now)
                .push_bind(now)
                .push_bind(*expires_at);
        },
    )
    .await?;

    for (t, team) in ["QA Core", "Mobile", "Web Platform", "Release Engineering"]
        .into_iter()
        .enumerate()
    {
        let team_id = seeder
            .named(
                "INSERT INTO teams (org_id, name) VALUES (?, ?) RETURNING id",
                org,
                team,
            )
            .await?;
        // Billing Managers cannot be in a team.
        let eligible = members
            .iter()
            .filter(|(_, role)| *role != Role::BillingManager);
        for (n, &(membership, _)) in eligible.skip(t * 11).step_by(5).take(12).enumerate() {
            query("INSERT INTO team_members (team_id, membership_id, role) VALUES (?, ?, ?)")
                .bind(team_id)
                .bind(membership)
                .bind(if n == 0 { "admin" } else { "member" })
                .execute(&mut *seeder.tx)
                .await?;
        }
    }

    for (g, (group, rule)) in [
        ("Engineering", vec![studio]),
        ("Automation", vec![runtime]),
        ("Contractors", vec![]),
    ]
    .into_iter()
    .enumerate()
    {
        let group_id = seeder
            .named(
                "INSERT INTO groups (org_id, name) VALUES (?, ?) RETURNING id",
                org,
                group,
            )
            .await?;
        for product in rule {
            seeder
                .link(
                    "INSERT INTO group_products (group_id, product_id) VALUES (?, ?)",
                    group_id,
                    product,
                )
                .await?;
        }
        for &(membership, _) in members.iter().skip(5 + g * 3).step_by(9).take(15) {
            seeder
                .link(
                    "INSERT INTO group_members (group_id, membership_id) VALUES (?, ?)",
                    group_id,
                    membership,
                )
                .await?;
        }
    }

    // Generated names repeat in a large demo; pending invitations need distinct addresses.
    let mut invited = HashSet::new();
    for i in 0..scaled(PENDING_INVITATIONS, active) {
        let (_, local) = person(1000 + i * 3);
        let mut email = format!("{local}.invited@example.com");
        let mut n = 2;
        while !invited.insert(email.clone()) {
            email = format!("{local}.invited{n}@example.com");
            n += 1;
        }
        let hours_ago = i as i64 % 23 + 1;
        let id: i64 = query_scalar(
            "INSERT INTO invitations (org_id, email, role, invited_by, created_at, expires_at, status, token_hash)
             VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) RETURNING id",
        )
        .bind(org)
        .bind(email)
        .bind(if i % 5 == 0 { Role::Admin } else { Role::Member }.as_str())
        .bind(owner_account)
        .bind(now - hours_ago * 3600)
        .bind(now - hours_ago * 3600 + DAY)
        .bind(crate::secret::random())
        .fetch_one(&mut *seeder.tx)
        .await?;
        invitations::issue_token(seeder.tx, links, id).await?;
    }

    // A second, smaller organization: the demo owner is an Admin there, which shows the
    // organization switcher and keeps tenant isolation visible.
    let labs = seeder.organization("Acme Labs").await?;
    seeder
        .membership(labs, owner_account, Role::Admin, 120, Some(30))
        .await?;
    for i in 0..12 {
        let (name, local) = person(2000 + i);
        let account = seeder.account(&name, &format!("{local}.labs")).await?;
        let role = if i == 0 { Role::Owner } else { Role::Member };
        seeder
            .membership(labs, account, role, 100 - i as i64, Some(5))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_people_have_plain_ascii_addresses() {
        for i in 0..DEFAULT_MEMBERS + REMOVED_MEMBERS {
            let (name, local) = person(i);
            assert!(!name.is_empty());
            assert!(
                local.bytes().all(|b| b.is_ascii_lowercase() || b == b'.'),
                "{local}"
            );
        }
    }

    #[test]
    fn every_role_is_generated() {
        let roles: HashSet<Role> = (4..DEFAULT_MEMBERS).map(role_of).collect();
        assert_eq!(roles.len(), Role::ALL.len());
    }
}
