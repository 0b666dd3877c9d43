//! `allot-server pool add|set|list`: operators record the license pools an organization
//! bought. Each change is audited like any other (with no actor: it is the operator's).

use allot_core::{
    OrgId, PoolId,
    audit::{self, AuditDetail},
    licensing::{PoolKind, PoolUsage, utc_date},
};
use clap::Subcommand;

use crate::{
    change,
    db::{Db, now},
    store::{
        organizations,
        pools::{self, NewPool},
        products,
    },
};

const DAY: i64 = 24 * 60 * 60;

pub type PoolResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Subcommand)]
pub enum PoolCommand {
    /// Adds a pool to a product of an organization, creating the product if it is new.
    Add {
        #[arg(long)]
        org: OrgId,
        /// The product's name, e.g. "Studio Enterprise".
        #[arg(long)]
        product: String,
        #[arg(long)]
        seats: u32,
        #[arg(long, value_parser = parse_kind)]
        kind: PoolKind,
        #[arg(long, value_parser = parse_usage)]
        usage: PoolUsage,
        /// How many days from now the pool is valid.
        #[arg(long, default_value_t = 365)]
        days: i64,
    },
    /// Changes a pool's seats or validity.
    Set {
        /// The pool's id, as `pool list` shows it.
        id: PoolId,
        #[arg(long)]
        seats: Option<u32>,
        /// Valid for this many days from now.
        #[arg(long)]
        days: Option<i64>,
    },
    /// Lists pools with their seats in use.
    List {
        /// Only this organization's.
        #[arg(long)]
        org: Option<OrgId>,
    },
}

fn parse_kind(value: &str) -> Result<PoolKind, String> {
    PoolKind::parse(value).ok_or_else(|| "named or floating".to_owned())
}

fn parse_usage(value: &str) -> Result<PoolUsage, String> {
    PoolUsage::parse(value).ok_or_else(|| "online or offline".to_owned())
}

/// Runs the command; returns what to print.
pub async fn run(db: &Db, command: PoolCommand) -> PoolResult<String> {
    Ok(match command {
        PoolCommand::Add {
            org,
            product,
            seats,
            kind,
            usage,
            days,
        } => {
            let id = add(db, org, &product, seats, kind, usage, now() + days * DAY).await?;
            format!("Added pool {id}.")
        }
        PoolCommand::Set { id, seats, days } => {
            set(db, id, seats, days.map(|days| now() + days * DAY)).await?;
            format!("Changed pool {id}.")
        }
        PoolCommand::List { org } => {
            let lines: Vec<String> = list(db, org).await?.iter().map(PoolListing::line).collect();
            if lines.is_empty() {
                "No pools.".to_owned()
            } else {
                lines.join("\n")
            }
        }
    })
}

/// Adds a pool valid from now until `expires_at`; returns its id.
pub async fn add(
    db: &Db,
    org_id: OrgId,
    product: &str,
    seats: u32,
    kind: PoolKind,
    usage: PoolUsage,
    expires_at: i64,
) -> PoolResult<PoolId> {
    let product = product.trim();
    if product.is_empty() {
        return Err("Give the product's name.".into());
    }
    let mut tx = change::begin(db, org_id).await?;
    if !organizations::exists(&mut *tx, org_id).await? {
        return Err(format!("No organization has id {org_id}.").into());
    }
    let product_id = products::find_or_create(&mut tx, org_id, product).await?;
    let pool = NewPool {
        org_id,
        product_id,
        seats,
        kind,
        usage,
        starts_at: now(),
        expires_at,
    };
    let id = pools::insert(&mut tx, &pool).await?;
    let detail = AuditDetail::PoolAdded(audit::PoolAdded {
        pool: id,
        product: product_id,
        seats,
        kind,
        usage,
        expires_at,
    });
    tx.finish(None, detail).await?;
    Ok(id)
}

/// Gives a pool new seats or a new expiry. Seats below those in use are allowed: nothing is
/// taken from anyone, but no new activation gets one until use falls below.
pub async fn set(
    db: &Db,
    id: PoolId,
    seats: Option<u32>,
    expires_at: Option<i64>,
) -> PoolResult<()> {
    let no_pool = || format!("No pool has id {id}.");
    let org_id = pools::org_of(&mut db.acquire().await?, id)
        .await?
        .ok_or_else(no_pool)?;
    let mut tx = change::begin(db, org_id).await?;
    if !pools::update(&mut tx, id, seats, expires_at).await? {
        return Err(no_pool().into());
    }
    let detail = AuditDetail::PoolChanged(audit::PoolChanged {
        pool: id,
        seats,
        expires_at,
    });
    tx.finish(None, detail).await?;
    Ok(())
}

/// A pool as `pool list` shows it.
#[derive(Debug, PartialEq, Eq)]
pub struct PoolListing {
    pub id: PoolId,
    pub org_id: OrgId,
    pub product: String,
    pub kind: PoolKind,
    pub usage: PoolUsage,
    pub seats: u32,
    pub used: u32,
    pub expires_at: i64,
}

impl PoolListing {
    fn line(&self) -> String {
        format!(
            "{}\torg {}\t{}\t{:?} {:?}\t{} of {} seats used\texpires {}",
            self.id,
            self.org_id,
            self.product,
            self.kind,
            self.usage,
            self.used,
            self.seats,
            utc_date(self.expires_at)
        )
    }
}

/// Every pool (of `org_id`, when given), by organization and product.
pub async fn list(db: &Db, org_id: Option<OrgId>) -> PoolResult<Vec<PoolListing>> {
    let mut conn = db.acquire().await?;
    let products = products::all(&mut conn, org_id).await?;
    let now = now();
    let mut listings = Vec::new();
    for (product_id, org_id, product) in products {
        for pool in pools::summaries(&mut conn, product_id, now).await? {
            listings.push(PoolListing {
                id: pool.id,
                org_id,
                product: product.clone(),
                kind: pool.kind,
                usage: pool.usage,
                seats: pool.seats,
                used: pool.used,
                expires_at: pool.expires_at,
            });
        }
    }
    Ok(listings)
}
