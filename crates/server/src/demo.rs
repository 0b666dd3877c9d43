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
    AccountId, ActivateRequest,
    ActivationMode::{Offline, Online},
    MemberId, OrgId, ProductId, Role, TeamRole,
    licensing::{MAX_OFFLINE_SECS, PoolKind, PoolUsage},
    search::fold,
    usage::{UsageHour, hour_of},
};
use chrono::{Datelike, Timelike};

use crate::{
    ApiError, change, credentials,
    db::{Conn, Db, now},
    links::{self, InvitationLinks},
    ops::activate,
    store::{
        self, accounts,
        accounts::AccountRow,
        activations::{self, NewActivation},
        allocations, changes, expiries, groups,
        invitations::NewInvitation,
        memberships::{self, MembershipRow},
        organizations,
        pools::{self, NewPool},
        products, seats, teams, usage,
    },
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
    if organizations::count(db).await? > 0 {
        return Ok(false);
    }
    // One hash for every demo account: they share the demo password, and hashing each time
    // would make the first start slow for nothing (argon2 is slow on purpose).
    let password_hash = tokio::task::spawn_blocking(|| credentials::hash_password(PASSWORD))
        .await
        .expect("hashing does not panic");
    let mut tx = db.begin().await?;
    let now = now();
    seed(&mut tx, &password_hash, links, now, members).await?;
    if let Some(org) = organizations::find_by_name(&mut *tx, ORGANIZATION).await? {
        seed_usage_history(&mut tx, org, now).await?;
    }
    // The organizations start here: nobody follows a change feed from before them, nor saw
    // their past expiries happen.
    expiries::note_past_as_history(&mut tx, now).await?;
    changes::clear_all_marks(&mut tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// A year of seat usage for each product's named seats and floating seats, so that License
/// Usage has a history to show: busier on weekdays and in office hours, growing towards
/// today's count, never over the quota; a row every three hours, as changes would leave them.
async fn seed_usage_history(conn: &mut Conn, org: OrgId, now: i64) -> Result<(), sqlx::Error> {
    let current = hour_of(now);
    for product in seats::product_seats(conn, org).await? {
        if let Some(quota) = product.seats {
            let hours = usage_history(current, product.used, quota);
            usage::insert_history(conn, org, product.id, PoolKind::Named, &hours).await?;
        }
        let floating: u32 = pools::in_use(conn, product.id, now)
            .await?
            .iter()
            .filter(|pool| pool.kind == PoolKind::Floating && pool.is_current(now))
            .map(|pool| pool.seats)
            .sum();
        if floating > 0 {
            // Sessions come and go: about two thirds of the floating seats in use of late.
            let hours = usage_history(current, floating * 2 / 3, floating);
            usage::insert_history(conn, org, product.id, PoolKind::Floating, &hours).await?;
        }
    }
    Ok(())
}

/// A year of hours before `current` (366 days: twelve calendar months can span that many),
/// ending at `used` seats in use of `quota`.
fn usage_history(current: i64, used: u32, quota: u32) -> Vec<UsageHour> {
    const STEP_HOURS: i64 = 3;
    const HOURS: i64 = 366 * 24;
    let today = used.min(quota);
    (1..=HOURS / STEP_HOURS)
        .rev()
        .map(|step| {
            let hour = current - step * STEP_HOURS * 3600;
            let age = (step * STEP_HOURS) as f64 / HOURS as f64;
            // From 60% of today's count a year ago to today's.
            let trend = f64::from(today) * (1.0 - 0.4 * age);
            let day = hour.div_euclid(DAY);
            let moment = allot_core::format::utc(hour);
            let at = i64::from(moment.hour());
            let weekday = moment.weekday().number_from_monday() <= 5;
            let busy = if weekday && (8..18).contains(&at) {
                1.0
            } else {
                0.55
            };
            let wobble = ((day * 7919 + at * 31) % 11) as f64 / 100.0;
            let closing = ((trend * (busy + wobble)).round() as u32).min(quota);
            let peak = (closing + (day % 3) as u32).min(quota);
            UsageHour {
                hour,
                peak,
                closing,
                quota: Some(quota),
            }
        })
        .chain(std::iter::once(UsageHour {
            hour: current - 3600,
            peak: today,
            closing: used,
            quota: Some(quota),
        }))
        .collect()
}

/// The demo's products in use: a few members' machines with online sessions and offline
/// licenses, activated as the products themselves would, through the License API's code.
/// Run after [`seed_if_empty`] has seeded; the online sessions time out 10 minutes later, as
/// any session that stops heartbeating does.
pub async fn activate_licenses(db: &Db, links: &InvitationLinks) -> Result<(), ApiError> {
    let now = now();
    let org = organizations::find_by_name(db, ORGANIZATION)
        .await?
        .ok_or_else(ApiError::not_found)?;
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
        let product_id = products::find_by_name(&mut tx, org, product)
            .await?
            .ok_or_else(ApiError::not_found)?;
        // The first few members who hold a license of the product, one machine each.
        let holders = allocations::first_holders(&mut tx, product_id, machines.len()).await?;
        for (member, (machine_id, mode)) in holders.into_iter().zip(machines) {
            let request = ActivateRequest {
                product_id,
                machine_id: machine_id.into(),
                hostname: format!("{}.acme.lan", machine_id.to_lowercase()),
                mode,
            };
            activate::activate_for(&mut tx, links, org, member, &request, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Makes the demo's people: addresses without repeats, and membership dates.
struct Seeder {
    now: i64,
    emails: HashSet<String>,
    /// The next numeric suffix to try for each address already taken, so that the many
    /// namesakes of a large demo do not try every suffix again.
    next_suffix: HashMap<String, usize>,
}

impl Seeder {
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

    /// A membership's dates: joined, removed (half way since joining) and last access.
    fn membership_row(
        &self,
        id: MemberId,
        account_id: AccountId,
        role: Role,
        joined_days_ago: i64,
        last_access_hours_ago: Option<i64>,
        removed_by: Option<AccountId>,
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
        now,
        emails: HashSet::new(),
        next_suffix: HashMap::new(),
    };
    let org = organizations::insert(&mut *tx, ORGANIZATION, now).await?;

    // The well-known accounts first, then generated people.
    let known = [
        ("Olivia Owens", OWNER_EMAIL, Role::Owner),
        ("Adam Alvarez", ADMIN_EMAIL, Role::Admin),
        ("Mia Moreno", MEMBER_EMAIL, Role::Member),
        ("Blake Bishop", BILLING_EMAIL, Role::BillingManager),
    ];
    let active = active.max(known.len());
    let removed = scaled(REMOVED_MEMBERS, active);
    let first_account = tx.next_id("accounts").await?;
    let first_membership = tx.next_id("memberships").await?;
    let mut accounts: Vec<AccountRow> = Vec::with_capacity(active + removed);
    let mut memberships: Vec<MembershipRow> = Vec::with_capacity(active + removed);
    let mut owner_account = AccountId::default();
    let mut members = Vec::with_capacity(active);
    for (i, (name, email, role)) in known.into_iter().enumerate() {
        let local = email.trim_end_matches("@example.com");
        let account = AccountId(first_account + accounts.len() as i64);
        accounts.push(AccountRow {
            id: account,
            email: seeder.unique_email(local),
            full_name: name.to_owned(),
        });
        if role == Role::Owner {
            owner_account = account;
        }
        let days = 900 - i as i64;
        let id = MemberId(first_membership + memberships.len() as i64);
        memberships.push(seeder.membership_row(id, account, role, days, Some(1), None));
        members.push((id, role));
    }
    for i in known.len()..active + removed {
        let (name, local) = person(i);
        let account = AccountId(first_account + accounts.len() as i64);
        accounts.push(AccountRow {
            id: account,
            email: seeder.unique_email(&local),
            full_name: name,
        });
        let joined_days_ago = (i as i64 * 37) % 880 + 2;
        let last_access = (i % 10 != 4).then_some((i as i64 * 13) % (24 * 45) + 1);
        let removed_by = (i >= active).then_some(owner_account);
        let role = role_of(i);
        let id = MemberId(first_membership + memberships.len() as i64);
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
    accounts::insert_many(tx, &accounts, password_hash, now).await?;
    memberships::insert_many(tx, org, &memberships).await?;
    drop((accounts, memberships));
    tx.continue_ids_after(&["accounts", "memberships"]).await?;

    let studio = products::find_or_create(tx, org, "Studio Enterprise").await?;
    let runtime = products::find_or_create(tx, org, "Runtime Engine").await?;
    let visual = products::find_or_create(tx, org, "Visual Testing").await?;
    let mut pools = Vec::with_capacity(4);
    for (product, seats, kind, usage, days_left) in [
        (studio, 150, PoolKind::Named, PoolUsage::Online, 365),
        (runtime, 40, PoolKind::Floating, PoolUsage::Online, 200),
        // Enough named seats for everyone with a Runtime Engine license (every 7th member).
        (runtime, 40, PoolKind::Named, PoolUsage::Offline, 200),
        (visual, 25, PoolKind::Named, PoolUsage::Online, 20),
    ] {
        let pool = NewPool {
            org_id: org,
            product_id: product,
            seats: scaled(seats, active) as u32,
            kind,
            usage,
            starts_at: now - 30 * DAY,
            expires_at: now + days_left * DAY,
        };
        let pool = pools::insert(tx, &pool).await?;
        pools.push((pool, now + days_left * DAY));
    }
    let allocations: Vec<(MemberId, ProductId)> = members
        .iter()
        .enumerate()
        .flat_map(|(i, &(membership, _))| {
            [(2, studio), (7, runtime), (13, visual)]
                .into_iter()
                .filter(move |&(every, _)| i % every == 0)
                .map(move |(_, product)| (membership, product))
        })
        .collect();
    allocations::grant_many(tx, org, &allocations, now).await?;

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
    let activations: Vec<NewActivation> = machines
        .iter()
        .map(
            |(member, product, pool_id, mode, machine_id, hostname, expires_at)| NewActivation {
                org_id: org,
                member: *member,
                product: *product,
                pool_id: *pool_id,
                mode: *mode,
                machine_id,
                hostname,
                expires_at: *expires_at,
            },
        )
        .collect();
    activations::insert_many(tx, &activations, now).await?;

    for (t, team) in ["QA Core", "Mobile", "Web Platform", "Release Engineering"]
        .into_iter()
        .enumerate()
    {
        let team_id = teams::create(tx, org, team).await?;
        // Billing Managers cannot be in a team.
        let eligible = members
            .iter()
            .filter(|(_, role)| *role != Role::BillingManager);
        for (n, &(membership, _)) in eligible.skip(t * 11).step_by(5).take(12).enumerate() {
            let role = if n == 0 {
                TeamRole::Admin
            } else {
                TeamRole::Member
            };
            teams::set_member(tx, team_id, membership, role).await?;
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
        let group_id = groups::create(tx, org, group, None).await?;
        groups::set_products(tx, group_id, &rule).await?;
        let group_members: Vec<MemberId> = members
            .iter()
            .skip(5 + g * 3)
            .step_by(9)
            .take(15)
            .map(|&(membership, _)| membership)
            .collect();
        groups::add_members(tx, group_id, &group_members).await?;
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
        let invitation = NewInvitation {
            org_id: org,
            email: &email,
            role: if i % 5 == 0 {
                Role::Admin
            } else {
                Role::Member
            },
            invited_by: owner_account,
            created_at: now - hours_ago * 3600,
            expires_at: now - hours_ago * 3600 + DAY,
            placeholder_hash: crate::secret::random(),
        };
        let id = store::invitations::insert(tx, invitation, &[]).await?;
        links::issue_token(tx, links, id).await?;
    }

    // A second, smaller organization: the demo owner is an Admin there, which shows the
    // organization switcher and keeps tenant isolation visible.
    let labs = organizations::insert(&mut *tx, "Acme Labs", now).await?;
    let join = |days_ago: i64, hours_ago: i64| (now - days_ago * DAY, Some(now - hours_ago * 3600));
    let (joined_at, last_access_at) = join(120, 30);
    memberships::insert(
        tx,
        labs,
        owner_account,
        Role::Admin,
        joined_at,
        last_access_at,
    )
    .await?;
    for i in 0..12 {
        let (name, local) = person(2000 + i);
        let email = seeder.unique_email(&format!("{local}.labs"));
        let account = accounts::insert(&mut *tx, &email, &name, password_hash, now).await?;
        let role = if i == 0 { Role::Owner } else { Role::Member };
        let (joined_at, last_access_at) = join(100 - i as i64, 5);
        memberships::insert(tx, labs, account, role, joined_at, last_access_at).await?;
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
