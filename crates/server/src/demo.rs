//! The demo organization "Acme QA", seeded on the first start of an empty database with
//! `--demo`. The content is deterministic (the same people, roles and licenses every time);
//! dates are relative to the moment of seeding so that the demo always looks current.

use std::collections::HashSet;

use allot_core::{ActivateRequest, ActivationMode, Role, search::fold};
use sqlx::{Sqlite, Transaction};

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

const ACTIVE_MEMBERS: usize = 250;
const REMOVED_MEMBERS: usize = 20;
const PENDING_INVITATIONS: usize = 15;
const DAY: i64 = 24 * 60 * 60;

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
    let organizations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
        .fetch_one(db)
        .await?;
    if organizations > 0 {
        return Ok(false);
    }
    // One hash for every demo account: they share the demo password, and hashing 300 times
    // would make the first start slow for nothing.
    let password_hash = tokio::task::spawn_blocking(|| auth::hash_password(PASSWORD))
        .await
        .expect("hashing does not panic");
    let mut tx = db.begin().await?;
    seed(&mut tx, &password_hash, links, now()).await?;
    tx.commit().await?;
    Ok(true)
}

/// The demo's products in use: a few members' machines with online sessions and offline
/// licenses, activated as the products themselves would, through the License API's code.
/// Run after [`seed_if_empty`] has seeded; the online sessions time out 10 minutes later, as
/// any session that stops heartbeating does.
pub async fn activate_licenses(db: &Db, links: &InvitationLinks) -> Result<(), ApiError> {
    use ActivationMode::{Offline, Online};
    let now = now();
    let mut tx = change::begin(db).await?;
    let org: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE name = ?")
        .bind(ORGANIZATION)
        .fetch_one(&mut *tx)
        .await?;
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
        let product_id: i64 =
            sqlx::query_scalar("SELECT id FROM products WHERE org_id = ? AND name = ?")
                .bind(org)
                .bind(product)
                .fetch_one(&mut *tx)
                .await?;
        // The first few members who hold a license of the product, one machine each.
        let holders: Vec<i64> = sqlx::query_scalar(
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

struct Seeder<'t, 'c> {
    tx: &'t mut Transaction<'c, Sqlite>,
    password_hash: &'t str,
    now: i64,
    emails: HashSet<String>,
}

impl Seeder<'_, '_> {
    async fn account(&mut self, full_name: &str, local: &str) -> Result<i64, sqlx::Error> {
        let mut email = format!("{local}@example.com");
        let mut n = 2;
        while !self.emails.insert(email.clone()) {
            email = format!("{local}{n}@example.com");
            n += 1;
        }
        sqlx::query_scalar(
            "INSERT INTO accounts (email, full_name, password_hash, created_at)
             VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(email)
        .bind(full_name)
        .bind(self.password_hash)
        .bind(self.now)
        .fetch_one(&mut **self.tx)
        .await
    }

    async fn organization(&mut self, name: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id",
        )
        .bind(name)
        .bind(self.now)
        .fetch_one(&mut **self.tx)
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn membership(
        &mut self,
        org_id: i64,
        account_id: i64,
        role: Role,
        joined_days_ago: i64,
        last_access_hours_ago: Option<i64>,
        removed_by: Option<i64>,
    ) -> Result<i64, sqlx::Error> {
        let joined_at = self.now - joined_days_ago * DAY;
        let removed_at = removed_by.map(|_| joined_at + (self.now - joined_at) / 2);
        sqlx::query_scalar(
            "INSERT INTO memberships
               (org_id, account_id, role, status, joined_at, removed_at, removed_by, last_access_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(role.as_str())
        .bind(if removed_by.is_some() {
            "removed"
        } else {
            "active"
        })
        .bind(joined_at)
        .bind(removed_at)
        .bind(removed_by)
        .bind(last_access_hours_ago.map(|hours| removed_at.unwrap_or(self.now) - hours * 3600))
        .fetch_one(&mut **self.tx)
        .await
    }

    async fn named(&mut self, sql: &str, org_id: i64, name: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(sql)
            .bind(org_id)
            .bind(name)
            .fetch_one(&mut **self.tx)
            .await
    }

    async fn link(&mut self, sql: &str, a: i64, b: i64) -> Result<(), sqlx::Error> {
        sqlx::query(sql)
            .bind(a)
            .bind(b)
            .execute(&mut **self.tx)
            .await?;
        Ok(())
    }
}

async fn seed(
    tx: &mut Transaction<'_, Sqlite>,
    password_hash: &str,
    links: &InvitationLinks,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut seeder = Seeder {
        tx,
        password_hash,
        now,
        emails: HashSet::new(),
    };
    let org = seeder.organization(ORGANIZATION).await?;

    // The well-known accounts first, then generated people.
    let known = [
        ("Olivia Owens", OWNER_EMAIL, Role::Owner),
        ("Adam Alvarez", ADMIN_EMAIL, Role::Admin),
        ("Mia Moreno", MEMBER_EMAIL, Role::Member),
        ("Blake Bishop", BILLING_EMAIL, Role::BillingManager),
    ];
    let mut owner_account = 0;
    let mut members = Vec::with_capacity(ACTIVE_MEMBERS);
    for (i, (name, email, role)) in known.into_iter().enumerate() {
        let local = email.trim_end_matches("@example.com");
        let account = seeder.account(name, local).await?;
        if role == Role::Owner {
            owner_account = account;
        }
        let days = 900 - i as i64;
        members.push((
            seeder
                .membership(org, account, role, days, Some(1), None)
                .await?,
            role,
        ));
    }
    for i in known.len()..ACTIVE_MEMBERS + REMOVED_MEMBERS {
        let (name, local) = person(i);
        let account = seeder.account(&name, &local).await?;
        let joined_days_ago = (i as i64 * 37) % 880 + 2;
        let last_access = (i % 10 != 4).then_some((i as i64 * 13) % (24 * 45) + 1);
        let removed_by = (i >= ACTIVE_MEMBERS).then_some(owner_account);
        let role = role_of(i);
        let membership = seeder
            .membership(org, account, role, joined_days_ago, last_access, removed_by)
            .await?;
        if removed_by.is_none() {
            members.push((membership, role));
        }
    }

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
    for (product, seats, kind, usage, days_left) in [
        (studio, 150, "named", "online", 365),
        (runtime, 40, "floating", "online", 200),
        // Enough named seats for everyone with a Runtime Engine license (every 7th member).
        (runtime, 40, "named", "offline", 200),
        (visual, 25, "named", "online", 20),
    ] {
        sqlx::query(
            "INSERT INTO license_pools (org_id, product_id, seats, kind, usage, starts_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(org)
        .bind(product)
        .bind(seats)
        .bind(kind)
        .bind(usage)
        .bind(now - 30 * DAY)
        .bind(now + days_left * DAY)
        .execute(&mut **seeder.tx)
        .await?;
    }
    for (i, &(membership, _)) in members.iter().enumerate() {
        for (every, product) in [(2, studio), (7, runtime), (13, visual)] {
            if i % every == 0 {
                sqlx::query(
                    "INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at)
                     VALUES (?, ?, ?, ?)",
                )
                .bind(org)
                .bind(membership)
                .bind(product)
                .bind(now)
                .execute(&mut **seeder.tx)
                .await?;
            }
        }
    }

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
            sqlx::query("INSERT INTO team_members (team_id, membership_id, role) VALUES (?, ?, ?)")
                .bind(team_id)
                .bind(membership)
                .bind(if n == 0 { "admin" } else { "member" })
                .execute(&mut **seeder.tx)
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

    for i in 0..PENDING_INVITATIONS {
        let (_, local) = person(1000 + i * 3);
        let hours_ago = i as i64 + 1;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO invitations (org_id, email, role, invited_by, created_at, expires_at, status, token_hash)
             VALUES (?, ?, ?, ?, ?, ?, 'pending', randomblob(32)) RETURNING id",
        )
        .bind(org)
        .bind(format!("{local}.invited@example.com"))
        .bind(if i % 5 == 0 { Role::Admin } else { Role::Member }.as_str())
        .bind(owner_account)
        .bind(now - hours_ago * 3600)
        .bind(now - hours_ago * 3600 + DAY)
        .fetch_one(&mut **seeder.tx)
        .await?;
        invitations::issue_token(seeder.tx, links, id).await?;
    }

    // A second, smaller organization: the demo owner is an Admin there, which shows the
    // organization switcher and keeps tenant isolation visible.
    let labs = seeder.organization("Acme Labs").await?;
    seeder
        .membership(labs, owner_account, Role::Admin, 120, Some(30), None)
        .await?;
    for i in 0..12 {
        let (name, local) = person(2000 + i);
        let account = seeder.account(&name, &format!("{local}.labs")).await?;
        let role = if i == 0 { Role::Owner } else { Role::Member };
        seeder
            .membership(labs, account, role, 100 - i as i64, Some(5), None)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_people_have_plain_ascii_addresses() {
        for i in 0..ACTIVE_MEMBERS + REMOVED_MEMBERS {
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
        let roles: HashSet<Role> = (4..ACTIVE_MEMBERS).map(role_of).collect();
        assert_eq!(roles.len(), Role::ALL.len());
    }
}
