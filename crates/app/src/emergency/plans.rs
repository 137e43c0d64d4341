//! E1 — emergency plans, one per hazard and community: duties and who holds them, volunteer
//! groups to call out, supplies to prepare, check-in rules, the alert's words.

use super::access::sees;
use super::forms::{NewPlan, PlanForm};
use super::model::{Incident, PLAN_COLS, Plan};
use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use sqlx::{Any, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::emergency::Hazard;

/// The community's plans in hazard order.
pub async fn plans(db: &Db, actor: &Actor, community: &Area) -> Result<Vec<Plan>, AppError> {
    if !sees(actor, Action::EmergencyRead, &community.path) {
        return Err(AppError::NotFound);
    }
    let mut list =
        sqlx::query_as::<_, Plan>(crate::sql!("SELECT {PLAN_COLS} FROM emergency_plans WHERE community_id = $1"))
            .bind(community.id)
            .fetch_all(&db.pool)
            .await?;
    list.sort_by_key(|p| p.hazard);
    Ok(list)
}

/// The community's plan for one hazard, if it has one.
pub async fn plan_for(db: &Db, community_id: i64, hazard: Hazard) -> Result<Option<Plan>, AppError> {
    Ok(sqlx::query_as::<_, Plan>(crate::sql!(
        "SELECT {PLAN_COLS} FROM emergency_plans WHERE community_id = $1 AND hazard = $2"
    ))
    .bind(community_id)
    .bind(hazard.code())
    .fetch_optional(&db.pool)
    .await?)
}

/// The plan an incident runs on.
pub async fn of_incident(db: &Db, i: &Incident) -> Result<Option<Plan>, AppError> {
    let Some(id) = i.plan_id else { return Ok(None) };
    Ok(sqlx::query_as::<_, Plan>(crate::sql!("SELECT {PLAN_COLS} FROM emergency_plans WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

/// Writes the plan for the form's hazard: a new one, or the existing one if the form read
/// its current version (someone else's change is never overwritten).
pub async fn save(db: &Db, actor: &Actor, at: i64, community: &Area, form: &PlanForm) -> Result<Plan, AppError> {
    actor.require(Action::EmergencyPlan, Some(&community.path))?;
    let new = form.parse()?;
    let groups = crate::volunteers::groups(db, community.id).await?;
    if new.groups.iter().any(|g| !groups.iter().any(|x| x.0.id == *g)) {
        return Err(FieldError::new("groups", "errors.group.unknown").into());
    }
    let existing = plan_for(db, community.id, new.hazard).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let id = match existing {
        None => insert_plan(&mut tx.tx, community.id, &new, at).await?,
        Some(p) => {
            let read = form.version.trim().parse::<i64>().unwrap_or(-1);
            if read != p.version {
                return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
            }
            let (g, r) = (group_list(&new.groups), &new.rules);
            sqlx::query(
                "UPDATE emergency_plans SET title = $1, roles = $2, group_ids = $3, supplies = $4, checkin_flags = $5, \
                 checkin_every_hours = $6, checkin_within_minutes = $7, per_volunteer = $8, per_grid_worker = $9, \
                 headline_zh = $10, headline_en = $11, instruction_zh = $12, instruction_en = $13, version = version + 1, \
                 updated_at = $14 WHERE id = $15 AND version = $16",
            )
            .bind(&new.title)
            .bind(&new.roles)
            .bind(g)
            .bind(&new.supplies)
            .bind(r.flags.to_list())
            .bind(r.every_hours)
            .bind(r.within_minutes)
            .bind(i64::from(r.per_volunteer))
            .bind(i64::from(r.per_grid_worker))
            .bind(&new.headline_zh)
            .bind(&new.headline_en)
            .bind(&new.instruction_zh)
            .bind(&new.instruction_en)
            .bind(at)
            .bind(p.id.get())
            .bind(p.version)
            .execute(&mut *tx.tx)
            .await?;
            p.id.get()
        }
    };
    tx.record(actor, Some(community.id), "emergency.plan", &format!("plan:{id}"), new.hazard.code()).await?;
    tx.commit().await?;
    plan_for(db, community.id, new.hazard).await?.ok_or(AppError::NotFound)
}

fn group_list(groups: &[i64]) -> String {
    let mut s = String::from(" ");
    for g in groups {
        s.push_str(&g.to_string());
        s.push(' ');
    }
    s
}

/// Inserts a plan inside the caller's transaction (the form above, and the demo).
pub(crate) async fn insert_plan(
    tx: &mut Transaction<'_, Any>,
    community_id: i64,
    new: &NewPlan,
    at: i64,
) -> Result<i64, AppError> {
    let r = &new.rules;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO emergency_plans (community_id, hazard, title, roles, group_ids, supplies, checkin_flags, \
         checkin_every_hours, checkin_within_minutes, per_volunteer, per_grid_worker, headline_zh, headline_en, \
         instruction_zh, instruction_en, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
    )
    .bind(community_id)
    .bind(new.hazard.code())
    .bind(&new.title)
    .bind(&new.roles)
    .bind(group_list(&new.groups))
    .bind(&new.supplies)
    .bind(r.flags.to_list())
    .bind(r.every_hours)
    .bind(r.within_minutes)
    .bind(i64::from(r.per_volunteer))
    .bind(i64::from(r.per_grid_worker))
    .bind(&new.headline_zh)
    .bind(&new.headline_en)
    .bind(&new.instruction_zh)
    .bind(&new.instruction_en)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}
