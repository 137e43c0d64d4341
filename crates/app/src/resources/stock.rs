//! Stock moves that can never overdraw, and a resource's availability exceptions.

use super::access::editable;
use super::model::{COLS, Resource, exceptions, from_row};
use super::snapshot::touch;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use sqlx::{Any, Transaction};
use wushe_domain::error::optional_text;
use wushe_domain::ids::ResourceId;
use wushe_domain::resources::{Availability, Exception, apply_stock, parse_quantity};
use wushe_domain::{FieldError, FieldErrors};

pub(crate) async fn insert_move(
    tx: &mut Transaction<'_, Any>,
    r: &Resource,
    delta: i64,
    balance: i64,
    reason: &str,
    user: Option<i64>,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO resource_stock_moves (community_id, resource_id, delta, balance, reason, user_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.community_id)
    .bind(r.id.get())
    .bind(delta)
    .bind(balance)
    .bind(reason)
    .bind(user)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One change of stock: `delta` units in (positive) or out (negative), with a reason.
/// The new level is computed and checked inside the UPDATE, so two concurrent withdrawals can
/// never take stock below zero.
pub async fn move_stock(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: ResourceId,
    delta: &str,
    reason: &str,
) -> Result<Resource, AppError> {
    let r = editable(db, actor, id).await?;
    if !r.kind.has_stock() {
        return Err(FieldError::new("delta", "errors.stock.not_counted").into());
    }
    let mut e = FieldErrors::default();
    let delta =
        e.check(parse_quantity("delta", delta, true).and_then(|d| apply_stock(r.quantity.unwrap_or(0), d).map(|_| d)));
    let reason = e.check(wushe_domain::error::text("reason", reason, 200));
    e.into_result()?;
    let (delta, reason) = (delta.expect("checked"), reason.expect("checked"));
    let mut tx = AuditedTx::begin(db, at).await?;
    let row = sqlx::query(crate::sql!(
        "UPDATE resources SET quantity = COALESCE(quantity, 0) + $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND COALESCE(quantity, 0) + $1 >= 0 RETURNING {COLS}"
    ))
    .bind(delta)
    .bind(at)
    .bind(id.get())
    .fetch_optional(&mut *tx.tx)
    .await?;
    let Some(row) = row else {
        return Err(FieldError::new("delta", "errors.stock.negative").into());
    };
    let updated = from_row(&row)?;
    insert_move(&mut tx.tx, &updated, delta, updated.quantity.unwrap_or(0), &reason, actor.user_id, at).await?;
    tx.record(actor, r.community_id, "resource.stock", &format!("resource:{}", r.id), &format!("{delta:+} {reason}"))
        .await?;
    tx.commit().await?;
    Ok(updated)
}

#[derive(Debug, Clone)]
pub struct StockMove {
    pub delta: i64,
    pub balance: i64,
    pub reason: String,
    pub at: i64,
}

pub async fn stock_moves(db: &Db, r: &Resource) -> Result<Vec<StockMove>, AppError> {
    let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT delta, balance, reason, at FROM resource_stock_moves WHERE resource_id = $1 ORDER BY at DESC, id DESC LIMIT 100",
    )
    .bind(r.id.get())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(delta, balance, reason, at)| StockMove { delta, balance, reason, at }).collect())
}

/// The resource's schedule with its exceptions.
pub async fn availability(db: &Db, r: &Resource) -> Result<Availability, AppError> {
    Ok(Availability {
        weekly: r.schedule.clone(),
        exceptions: exceptions(db, r.id.get()).await?.into_iter().map(|e| e.exception).collect(),
    })
}

pub async fn add_exception(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: ResourceId,
    e: Exception,
    note: &str,
) -> Result<(), AppError> {
    let r = editable(db, actor, id).await?;
    let note = optional_text("note", note, 200)?.unwrap_or_default();
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query(
        "INSERT INTO resource_exceptions (community_id, resource_id, day, start_minute, end_minute, is_open, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.community_id)
    .bind(r.id.get())
    .bind(e.day)
    .bind(i64::from(e.start))
    .bind(i64::from(e.end))
    .bind(i64::from(e.open))
    .bind(&note)
    .execute(&mut *tx.tx)
    .await?;
    tx.record(
        actor,
        r.community_id,
        "resource.exception",
        &format!("resource:{}", r.id),
        &wushe_domain::resources::date_of(e.day),
    )
    .await?;
    tx.commit().await?;
    touch(db, r.id.get()).await?;
    Ok(())
}

pub async fn remove_exception(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: ResourceId,
    exception_id: i64,
) -> Result<(), AppError> {
    let r = editable(db, actor, id).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let done = sqlx::query("DELETE FROM resource_exceptions WHERE id = $1 AND resource_id = $2")
        .bind(exception_id)
        .bind(r.id.get())
        .execute(&mut *tx.tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tx.record(actor, r.community_id, "resource.exception_removed", &format!("resource:{}", r.id), "").await?;
    tx.commit().await?;
    touch(db, r.id.get()).await?;
    Ok(())
}

/// A stock move inside a caller's transaction (emergency supplies issued to a household, an
/// offer taken into a stockpile): the same never-below-zero update and move row as
/// [`move_stock`], for a resource of `community_id` whose kind is counted. `None` when the
/// stock would go below zero.
pub(crate) async fn move_in(
    tx: &mut Transaction<'_, Any>,
    community_id: i64,
    id: ResourceId,
    delta: i64,
    reason: &str,
    user: Option<i64>,
    at: i64,
) -> Result<Option<Resource>, AppError> {
    let row = sqlx::query(crate::sql!(
        "UPDATE resources SET quantity = COALESCE(quantity, 0) + $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND community_id = $4 AND kind IN ('supply', 'stockpile') AND COALESCE(quantity, 0) + $1 >= 0 RETURNING {COLS}"
    ))
    .bind(delta)
    .bind(at)
    .bind(id.get())
    .bind(community_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let updated = from_row(&row)?;
    insert_move(tx, &updated, delta, updated.quantity.unwrap_or(0), reason, user, at).await?;
    Ok(Some(updated))
}

/// The community's counted supplies and stockpiles, by name: what emergency supplies are
/// issued from.
pub async fn stockpiles_in(db: &Db, community_id: i64) -> Result<Vec<Resource>, AppError> {
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM resources WHERE community_id = $1 AND kind IN ('supply', 'stockpile') AND status = 'active' ORDER BY name, id"
    ))
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}
