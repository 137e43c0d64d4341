//! V3 — the points ledger (积分制): rules as data, earning from verified facts, the catalogue,
//! redemption that never overdraws, expiry, corrections with a reason, and the check that
//! every balance is the sum of its entries.

use super::access::{active_self, get};
use super::model::{ENTRY_COLS, Item, PointsEntry, Redemption, ServiceRecord, StoredRule, Volunteer};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, areas};
use sqlx::{Any, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::volunteers::{self as v, ActivityKind, EntryKind, Rule, Trigger};

const RULE_COLS: &str = "id, community_id, trigger_code, points, party_only, active";
const ITEM_COLS: &str = "id, community_id, name, points, stock, active";

/// Gives a community the default rules and catalogue (`004` §6.2) the first time it has a
/// volunteer; afterwards they are the community's to change.
pub(crate) async fn ensure_defaults(tx: &mut Transaction<'_, Any>, community_id: i64, at: i64) -> Result<(), AppError> {
    let has: Option<(i64,)> = sqlx::query_as("SELECT community_id FROM points_settings WHERE community_id = $1")
        .bind(community_id)
        .fetch_optional(&mut **tx)
        .await?;
    if has.is_some() {
        return Ok(());
    }
    sqlx::query("INSERT INTO points_settings (community_id, expiry_months) VALUES ($1, 24)")
        .bind(community_id)
        .execute(&mut **tx)
        .await?;
    for (trigger, points, party) in v::DEFAULT_RULES {
        sqlx::query("INSERT INTO points_rules (community_id, trigger_code, points, party_only, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(community_id)
            .bind(trigger.code())
            .bind(*points)
            .bind(i64::from(*party))
            .bind(at)
            .execute(&mut **tx)
            .await?;
    }
    for (name, points, stock) in v::DEFAULT_CATALOGUE {
        sqlx::query(
            "INSERT INTO points_items (community_id, name, points, stock, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(community_id)
        .bind(*name)
        .bind(*points)
        .bind(*stock)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The community's active rules, parsed.
pub(crate) async fn rules_in(
    tx: &mut Transaction<'_, Any>,
    community_id: i64,
) -> Result<Vec<(StoredRule, Rule)>, AppError> {
    let rows: Vec<StoredRule> = sqlx::query_as(crate::sql!(
        "SELECT {RULE_COLS} FROM points_rules WHERE community_id = $1 AND active = 1 ORDER BY id"
    ))
    .bind(community_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let trigger = Trigger::parse(&r.trigger_code).ok()?;
            let rule = Rule { trigger, points: r.points, party_only: r.party_only != 0 };
            Some((r, rule))
        })
        .collect())
}

async fn expiry_of(tx: &mut Transaction<'_, Any>, community_id: i64, at: i64) -> Result<Option<i64>, AppError> {
    let months: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT expiry_months FROM points_settings WHERE community_id = $1")
            .bind(community_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(months.and_then(|m| m.0).map(|m| at + m * v::MONTH_MS))
}

/// Writes one entry and moves the balance with it, in the caller's transaction. An earning
/// already made for the same source and rule is not made again (returns false).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn post(
    tx: &mut Transaction<'_, Any>,
    vol: &Volunteer,
    kind: EntryKind,
    points: i64,
    rule_id: i64,
    source: &str,
    reason: &str,
    expires_at: Option<i64>,
    by: Option<i64>,
    at: i64,
) -> Result<bool, AppError> {
    if points < 0 {
        let moved = sqlx::query("UPDATE volunteers SET balance = balance + $1 WHERE id = $2 AND balance >= $3")
            .bind(points)
            .bind(vol.id)
            .bind(-points)
            .execute(&mut **tx)
            .await?;
        if moved.rows_affected() == 0 {
            return Err(AppError::Conflict(v::Refusal::Balance.field_error()));
        }
    }
    let inserted = sqlx::query(
        "INSERT INTO points_entries (community_id, volunteer_id, kind, points, rule_id, source, reason, expires_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (volunteer_id, source, rule_id) DO NOTHING",
    )
    .bind(vol.community_id)
    .bind(vol.id)
    .bind(kind.code())
    .bind(points)
    .bind(rule_id)
    .bind(source)
    .bind(reason)
    .bind(expires_at)
    .bind(by)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        if points < 0 {
            return Err(AppError::Internal(format!("points entry {source} written twice")));
        }
        return Ok(false);
    }
    if points > 0 {
        sqlx::query("UPDATE volunteers SET balance = balance + $1 WHERE id = $2")
            .bind(points)
            .bind(vol.id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(true)
}

/// What a verified record earns under the community's rules, written with it.
pub(crate) async fn earn_for_record(
    tx: &mut Transaction<'_, Any>,
    vol: &Volunteer,
    kind: ActivityKind,
    r: &ServiceRecord,
    at: i64,
) -> Result<i64, AppError> {
    let rules = rules_in(tx, vol.community_id).await?;
    let plain: Vec<Rule> = rules.iter().map(|x| x.1.clone()).collect();
    let expires = expiry_of(tx, vol.community_id, at).await?;
    let mut total = 0;
    for (i, points) in v::earned_for_record(&plain, kind, r.role, r.minutes, vol.party()) {
        let rule = &rules[i].0;
        let reason = format!("{}:{}", rules[i].1.trigger.code(), r.id);
        if post(tx, vol, EntryKind::Earn, points, rule.id, &format!("record:{}", r.id), &reason, expires, None, at)
            .await?
        {
            total += points;
        }
    }
    Ok(total)
}

/// Reaction to a need's step (V3): a mediation recorded on a need earns its recorder the
/// mediation rule's points, if they are a volunteer of the need's community.
pub(crate) fn on_need_step<'a, 'c>(
    tx: &'a mut Transaction<'c, Any>,
    event: &'a (dyn std::any::Any + Send + Sync),
) -> crate::events::Reacting<'a> {
    Box::pin(async move {
        let Some(s) = event.downcast_ref::<crate::needs::Stepped>() else { return Ok(()) };
        if s.event != wushe_domain::needs::EventKind::Mediated {
            return Ok(());
        }
        let Some(uid) = s.actor_user_id else { return Ok(()) };
        let vol: Option<Volunteer> = sqlx::query_as(crate::sql!(
            "SELECT {} FROM {} WHERE v.user_id = $1 AND v.community_id = $2 AND v.status = 'active'",
            super::model::VOLUNTEER_COLS,
            super::model::VOLUNTEER_FROM
        ))
        .bind(uid)
        .bind(s.community_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(vol) = vol else { return Ok(()) };
        let expires = expiry_of(tx, vol.community_id, s.at).await?;
        for (rule, r) in rules_in(tx, vol.community_id).await? {
            if r.trigger == Trigger::Mediation && (!r.party_only || vol.party()) {
                let source = format!("need:{}:mediated:{}", s.need_id, s.at);
                let reason = format!("mediation:{}", s.need_id);
                post(tx, &vol, EntryKind::Earn, r.points, rule.id, &source, &reason, expires, Some(uid), s.at).await?;
            }
        }
        Ok(())
    })
}

/// A points account: its balance and its entries, newest first.
pub async fn account(
    db: &Db,
    actor: &Actor,
    volunteer_id: i64,
    limit: i64,
) -> Result<(Volunteer, Vec<PointsEntry>), AppError> {
    let (vol, _) = get(db, actor, volunteer_id).await?;
    let entries = sqlx::query_as(crate::sql!(
        "SELECT {ENTRY_COLS} FROM points_entries WHERE volunteer_id = $1 ORDER BY id DESC LIMIT {limit}"
    ))
    .bind(vol.id)
    .fetch_all(&db.pool)
    .await?;
    Ok((vol, entries))
}

/// The redemption catalogue of a community (public: anyone may see what points buy).
pub async fn catalogue(db: &Db, community: &areas::Area) -> Result<Vec<Item>, AppError> {
    Ok(sqlx::query_as(crate::sql!(
        "SELECT {ITEM_COLS} FROM points_items WHERE community_id = $1 AND active = 1 ORDER BY points, id"
    ))
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn item(db: &Db, id: i64) -> Result<Item, AppError> {
    sqlx::query_as(crate::sql!("SELECT {ITEM_COLS} FROM points_items WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// Redeems one item for the signed-in volunteer. The stock and the balance are each taken by a
/// conditional update inside one transaction, so concurrent redemptions can neither overdraw
/// the account nor sell more than the stock: whoever comes too late is told which ran out.
pub async fn redeem(db: &Db, actor: &Actor, at: i64, item_id: i64) -> Result<Redemption, AppError> {
    let vol = active_self(db, actor).await?;
    let it = item(db, item_id)
        .await
        .map_err(|_| AppError::Invalid(FieldError::new("item_id", "errors.points.item").into()))?;
    if it.community_id != vol.community_id || it.active == 0 {
        return Err(FieldError::new("item_id", "errors.points.item").into());
    }
    // Say the likely reason before taking any lock; the updates below decide for certain.
    v::redeemable(vol.balance, it.points, it.stock).map_err(|r| AppError::Conflict(r.field_error()))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let took = sqlx::query("UPDATE points_items SET stock = stock - 1 WHERE id = $1 AND stock >= 1")
        .bind(it.id)
        .execute(&mut *tx.tx)
        .await?;
    if took.rows_affected() == 0 {
        return Err(AppError::Conflict(v::Refusal::Stock.field_error()));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO points_redemptions (community_id, volunteer_id, item_id, points, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(vol.community_id)
    .bind(vol.id)
    .bind(it.id)
    .bind(it.points)
    .bind(at)
    .fetch_one(&mut *tx.tx)
    .await?;
    post(
        &mut tx.tx,
        &vol,
        EntryKind::Redeem,
        -it.points,
        0,
        &format!("redemption:{id}"),
        &it.name,
        None,
        actor.user_id,
        at,
    )
    .await?;
    tx.record(actor, Some(vol.community_id), "points.redeem", &format!("item:{}", it.id), &it.points.to_string())
        .await?;
    tx.commit().await?;
    Ok(Redemption {
        id,
        community_id: vol.community_id,
        volunteer_id: vol.id,
        item_id: it.id,
        points: it.points,
        created_at: at,
    })
}

/// A volunteer's redemptions, newest first.
pub async fn redemptions_of(db: &Db, vol: &Volunteer) -> Result<Vec<(Redemption, String)>, AppError> {
    let rows: Vec<(i64, i64, i64, i64, i64, i64, String)> = sqlx::query_as(
        "SELECT r.id, r.community_id, r.volunteer_id, r.item_id, r.points, r.created_at, i.name FROM points_redemptions r \
         JOIN points_items i ON i.id = r.item_id WHERE r.volunteer_id = $1 ORDER BY r.id DESC LIMIT 50",
    )
    .bind(vol.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                Redemption {
                    id: r.0,
                    community_id: r.1,
                    volunteer_id: r.2,
                    item_id: r.3,
                    points: r.4,
                    created_at: r.5,
                },
                r.6,
            )
        })
        .collect())
}

/// A correction by staff, always with a reason; it cannot take the balance below zero.
pub async fn correct(
    db: &Db,
    actor: &Actor,
    at: i64,
    volunteer_id: i64,
    points: i64,
    reason: &str,
) -> Result<(), AppError> {
    let (vol, _) = get(db, actor, volunteer_id).await?;
    actor.require(Action::VolunteerManage, Some(&vol.area_path))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let source = format!("correction:{at}:{}", actor.user_id.unwrap_or(0));
    post(&mut tx.tx, &vol, EntryKind::Correct, points, 0, &source, reason, None, actor.user_id, at).await?;
    tx.record(
        actor,
        Some(vol.community_id),
        "points.correct",
        &format!("volunteer:{}", vol.id),
        &format!("{points} {reason}"),
    )
    .await?;
    tx.commit().await
}

/// The community's rules (active ones), for the rules page.
pub async fn rules(db: &Db, community: &areas::Area) -> Result<Vec<StoredRule>, AppError> {
    Ok(sqlx::query_as(crate::sql!(
        "SELECT {RULE_COLS} FROM points_rules WHERE community_id = $1 AND active = 1 ORDER BY id"
    ))
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?)
}

/// Adds a rule (staff); a rule is ended, never edited, so past earnings keep their reason.
pub async fn add_rule(db: &Db, actor: &Actor, at: i64, community: &areas::Area, r: Rule) -> Result<i64, AppError> {
    actor.require(Action::VolunteerManage, Some(&community.path))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    ensure_defaults(&mut tx.tx, community.id, at).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO points_rules (community_id, trigger_code, points, party_only, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(community.id)
    .bind(r.trigger.code())
    .bind(r.points)
    .bind(i64::from(r.party_only))
    .bind(at)
    .fetch_one(&mut *tx.tx)
    .await?;
    tx.record(
        actor,
        Some(community.id),
        "points.rule_add",
        &format!("rule:{id}"),
        &format!("{} {}", r.trigger.code(), r.points),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn end_rule(db: &Db, actor: &Actor, at: i64, community: &areas::Area, rule_id: i64) -> Result<(), AppError> {
    actor.require(Action::VolunteerManage, Some(&community.path))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let done = sqlx::query("UPDATE points_rules SET active = 0 WHERE id = $1 AND community_id = $2 AND active = 1")
        .bind(rule_id)
        .bind(community.id)
        .execute(&mut *tx.tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tx.record(actor, Some(community.id), "points.rule_end", &format!("rule:{rule_id}"), "").await?;
    tx.commit().await
}

/// Adds an item to the catalogue (staff).
pub async fn add_item(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &areas::Area,
    name: &str,
    points: i64,
    stock: i64,
) -> Result<i64, AppError> {
    actor.require(Action::VolunteerManage, Some(&community.path))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    ensure_defaults(&mut tx.tx, community.id, at).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO points_items (community_id, name, points, stock, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(community.id)
    .bind(name)
    .bind(points)
    .bind(stock)
    .bind(at)
    .fetch_one(&mut *tx.tx)
    .await?;
    tx.record(actor, Some(community.id), "points.item_add", &format!("item:{id}"), name).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds stock to an item (staff).
pub async fn restock(db: &Db, actor: &Actor, at: i64, item_id: i64, add: i64) -> Result<(), AppError> {
    let it = item(db, item_id).await?;
    let c = areas::by_id(db, it.community_id).await?;
    actor.require(Action::VolunteerManage, Some(&c.path))?;
    if !(1..=100_000).contains(&add) {
        return Err(FieldError::new("stock", "errors.stock.invalid").into());
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("UPDATE points_items SET stock = stock + $1 WHERE id = $2")
        .bind(add)
        .bind(it.id)
        .execute(&mut *tx.tx)
        .await?;
    tx.record(actor, Some(it.community_id), "points.restock", &format!("item:{}", it.id), &add.to_string()).await?;
    tx.commit().await
}

/// The expiry policy: months after which earned points lapse (None: never).
pub async fn expiry_months(db: &Db, community: &areas::Area) -> Result<Option<i64>, AppError> {
    let r: Option<(Option<i64>,)> = sqlx::query_as("SELECT expiry_months FROM points_settings WHERE community_id = $1")
        .bind(community.id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(r.and_then(|x| x.0))
}

/// Background job: points past their expiry lapse, oldest first ([`v::expiring`]), as
/// `expire` entries; at most `batch` accounts a round.
pub async fn expire(db: &Db, now: i64) -> Result<usize, AppError> {
    let due: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT e.volunteer_id FROM points_entries e JOIN volunteers v ON v.id = e.volunteer_id \
         WHERE e.expires_at IS NOT NULL AND e.expires_at <= $1 AND v.balance > 0 LIMIT 200",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut lapsed = 0;
    for (id,) in due {
        let vol = super::access::by_id(db, id).await?;
        let mut tx = AuditedTx::begin(db, now).await?;
        let (old, debits): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN points > 0 AND expires_at IS NOT NULL AND expires_at <= $1 THEN points ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN points < 0 THEN -points ELSE 0 END), 0) AS BIGINT) FROM points_entries WHERE volunteer_id = $2",
        )
        .bind(now)
        .bind(id)
        .fetch_one(&mut *tx.tx)
        .await?;
        let balance: i64 =
            sqlx::query_scalar("SELECT balance FROM volunteers WHERE id = $1").bind(id).fetch_one(&mut *tx.tx).await?;
        let n = v::expiring(old, debits, balance);
        if n > 0 {
            post(&mut tx.tx, &vol, EntryKind::Expire, -n, 0, &format!("expiry:{now}"), "", None, None, now).await?;
            tx.record(
                &Actor::operator(),
                Some(vol.community_id),
                "points.expire",
                &format!("volunteer:{id}"),
                &n.to_string(),
            )
            .await?;
            lapsed += 1;
        }
        tx.commit().await?;
    }
    Ok(lapsed)
}

/// One account whose balance is not the sum of its entries, or is negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub volunteer_id: i64,
    pub community_code: String,
    pub balance: i64,
    pub ledger: i64,
}

/// `wushe points verify`: every balance against the sum of its ledger, in one snapshot.
pub async fn verify(db: &Db) -> Result<(i64, Vec<Mismatch>), AppError> {
    let mut tx = db.pool.begin().await?;
    if db.backend == crate::Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await?;
    }
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM volunteers").fetch_one(&mut *tx).await?;
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT v.id, a.code, v.balance, CAST(COALESCE(s.total, 0) AS BIGINT) FROM volunteers v JOIN areas a ON a.id = v.community_id \
         LEFT JOIN (SELECT volunteer_id, CAST(SUM(points) AS BIGINT) AS total FROM points_entries GROUP BY volunteer_id) s ON s.volunteer_id = v.id \
         WHERE v.balance <> COALESCE(s.total, 0) OR v.balance < 0 ORDER BY v.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((
        accounts,
        rows.into_iter()
            .map(|r| Mismatch { volunteer_id: r.0, community_code: r.1, balance: r.2, ledger: r.3 })
            .collect(),
    ))
}
