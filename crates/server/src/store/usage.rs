//! Seats in use over time: a row per product, kind of seat and hour in which its count
//! changed, written by the change that changed it (the hour's peak, the count at its end,
//! the quota).

use allot_core::{
    OrgId, ProductId,
    licensing::PoolKind,
    usage::{UsageHour, hour_of},
};

use crate::db::{Conn, Executor, insert_all, query, query_as};

/// A product's seats of one kind in use now, against its quota.
#[derive(Clone, Copy, Debug)]
pub struct InUse {
    pub product: ProductId,
    pub kind: PoolKind,
    pub used: u32,
    pub quota: Option<u32>,
}

/// Notes the seats in use at `now` in their hour: its peak rises to the count if higher, and
/// its closing count and quota become these.
pub async fn record(
    conn: &mut Conn,
    org_id: OrgId,
    in_use: &[InUse],
    now: i64,
) -> Result<(), sqlx::Error> {
    let hour = hour_of(now);
    // A statement per product and kind: an organization has a handful.
    for seats in in_use {
        query(
            "INSERT INTO seat_usage (org_id, product_id, kind, hour, peak, closing, quota)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
             ON CONFLICT (product_id, kind, hour) DO UPDATE SET
               peak = CASE WHEN excluded.peak > seat_usage.peak THEN excluded.peak
                           ELSE seat_usage.peak END,
               closing = excluded.closing, quota = excluded.quota",
        )
        .bind(org_id)
        .bind(seats.product)
        .bind(seats.kind)
        .bind(hour)
        .bind(seats.used)
        .bind(seats.quota)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Stores past hours as they were (the demo's history).
pub async fn insert_history(
    conn: &mut Conn,
    org_id: OrgId,
    product: ProductId,
    kind: PoolKind,
    hours: &[UsageHour],
) -> Result<(), sqlx::Error> {
    insert_all(
        conn,
        "INSERT INTO seat_usage (org_id, product_id, kind, hour, peak, closing, quota)",
        hours,
        super::ROWS_PER_INSERT,
        |values, hour| {
            values
                .push_bind(org_id)
                .push_bind(product)
                .push_bind(kind)
                .push_bind(hour.hour)
                .push_bind(hour.peak)
                .push_bind(hour.closing)
                .push_bind(hour.quota);
        },
    )
    .await
}

/// The stored hours of the product's seats of `kind` from `first` on, in order, with the
/// last one before it (whose count carries into the range).
pub async fn hours(
    on: impl Executor<'_>,
    org_id: OrgId,
    product: ProductId,
    kind: PoolKind,
    first: i64,
) -> Result<Vec<UsageHour>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, Option<i64>)> = query_as(
        "SELECT hour, peak, closing, quota FROM seat_usage
         WHERE product_id = ?1 AND kind = ?4 AND org_id = ?2
           AND hour >= COALESCE((SELECT MAX(hour) FROM seat_usage
                                 WHERE product_id = ?1 AND kind = ?4 AND hour < ?3), ?3)
         ORDER BY hour",
    )
    .bind(product)
    .bind(org_id)
    .bind(first)
    .bind(kind)
    .fetch_all(on)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(hour, peak, closing, quota)| UsageHour {
            hour,
            peak: peak as u32,
            closing: closing as u32,
            quota: quota.map(|quota| quota as u32),
        })
        .collect())
}
