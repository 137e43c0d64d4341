//! N4 whistles (吹哨报到): calling departments to a need, and their reports.

use super::access::{actor_person, get, is_member, record, whistle_record};
use super::intake::insert_event;
use super::model::{COLS, Need, from_row};
use crate::areas::{self};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, notifications, organizations};
use sqlx::Row;
use wushe_domain::FieldError;
use wushe_domain::ids::NeedId;
use wushe_domain::needs::{EventKind, parse_note};
use wushe_domain::policy::Ask;

#[derive(Debug, Clone)]
pub struct Whistle {
    pub id: i64,
    pub organization_id: i64,
    pub organization_name: String,
    pub created_at: i64,
    pub deadline: i64,
    pub reported_at: Option<i64>,
    pub note: Option<String>,
}

/// N4 — the community blows the whistle: each named organization must report by `deadline`.
/// What a whistle names: who must report, within how many hours, and why.
#[derive(Debug, Clone)]
pub struct Whistling {
    /// The version of the need the person read.
    pub version: i64,
    pub organizations: Vec<i64>,
    pub hours: i64,
    pub note: String,
}

pub async fn whistle(db: &Db, actor: &Actor, at: i64, id: NeedId, w: Whistling) -> Result<Need, AppError> {
    let (need, rec) = get(db, actor, id).await?;
    if !actor.may(&rec, Ask::NeedManage) {
        return Err(AppError::Forbidden);
    }
    let Whistling { version, organizations: orgs, hours, note } = w;
    let orgs = &orgs[..];
    if version != need.version {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    }
    need.status.apply(EventKind::Whistled).map_err(|e| AppError::Invalid(e.field_error().into()))?;
    let note = parse_note(&note, true)?;
    if orgs.is_empty() {
        return Err(FieldError::new("organizations", "errors.required").into());
    }
    if !(1..=24 * 30).contains(&hours) {
        return Err(FieldError::new("hours", "errors.hours.range").into());
    }
    let community = areas::by_id(db, need.community_id).await?;
    for o in orgs {
        let ok = organizations::get(db, &Actor::operator(), wushe_domain::ids::OrganizationId::from(*o))
            .await
            .is_ok_and(|x| x.area_path.starts_with(&community.path) || community.path.starts_with(&x.area_path));
        if !ok {
            return Err(FieldError::new("organizations", "errors.organization.unknown").into());
        }
    }
    let deadline = at + hours * 3_600_000;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query(crate::sql!(
        "UPDATE needs SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3 RETURNING {COLS}"
    ))
    .bind(at)
    .bind(need.id.get())
    .bind(version)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let Some(r) = r else { return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version"))) };
    let updated = from_row(&r)?;
    for o in orgs {
        sqlx::query(
            "INSERT INTO whistles (community_id, need_id, organization_id, created_at, deadline) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(need.community_id)
        .bind(need.id.get())
        .bind(*o)
        .bind(at)
        .bind(deadline)
        .execute(&mut *tx.tx)
        .await
        .map_err(AppError::unique_as("organizations", "errors.whistle.exists"))?;
    }
    let data = orgs.iter().map(|o| format!("org:{o}")).collect::<Vec<_>>().join(",");
    insert_event(&mut tx.tx, &updated, at, actor.user_id, EventKind::Whistled, note.as_deref(), &data).await?;
    let mut recipients = Vec::new();
    for o in orgs {
        recipients.extend(notifications::members_of(&mut tx.tx, *o).await?);
        recipients.extend(notifications::street_officers_of(&mut tx.tx, *o).await?);
    }
    recipients.sort_unstable();
    recipients.dedup();
    let msg = notifications::Message {
        community_id: Some(need.community_id),
        kind: "whistled",
        need_id: Some(need.id.get()),
        title: need.title.clone(),
        body: note.clone().unwrap_or_default(),
    };
    notifications::queue(&mut tx.tx, at, &recipients, &msg).await?;
    tx.record(actor, Some(need.community_id), "need.whistled", &format!("need:{}", need.id), &data).await?;
    tx.commit().await?;
    Ok(updated)
}

pub async fn whistles(db: &Db, need: &Need) -> Result<Vec<Whistle>, AppError> {
    let rows = sqlx::query(
        "SELECT w.id, w.organization_id, o.name, w.created_at, w.deadline, w.reported_at, w.note FROM whistles w JOIN organizations o ON o.id = w.organization_id WHERE w.need_id = $1 ORDER BY w.id",
    )
    .bind(need.id.get())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Whistle {
                id: r.try_get(0)?,
                organization_id: r.try_get(1)?,
                organization_name: r.try_get(2)?,
                created_at: r.try_get(3)?,
                deadline: r.try_get(4)?,
                reported_at: r.try_get(5)?,
                note: r.try_get(6)?,
            })
        })
        .collect()
}

/// Whether the actor may report to some whistle of the need (checked before their report is
/// read): a manager, or a member of a whistled organization. Others are refused as
/// [`report`] would refuse them.
pub async fn reporter(db: &Db, actor: &Actor, need_id: NeedId) -> Result<(), AppError> {
    let need = super::queries::by_id(db, need_id).await?;
    let rec = record(db, actor, &need).await?;
    let mine = crate::accounts::member_org_ids(db, actor.user_id).await?;
    let whistled = whistles(db, &need).await?;
    if whistled.iter().any(|w| actor.may(&whistle_record(&rec, mine.contains(&w.organization_id)), Ask::NeedReport))
        || actor.may(&rec, Ask::NeedReport)
    {
        return Ok(());
    }
    if actor.may(&rec, Ask::NeedRead) { Err(AppError::Forbidden) } else { Err(AppError::NotFound) }
}

/// 报到 — a whistled organization acknowledges. Its members (or the community's staff on its
/// behalf) may report; a second report is refused.
pub async fn report(db: &Db, actor: &Actor, at: i64, need_id: NeedId, org_id: i64, note: &str) -> Result<(), AppError> {
    let need = super::queries::by_id(db, need_id).await?;
    let rec = record(db, actor, &need).await?;
    let member = is_member(db, actor_person(db, actor).await?, org_id).await?;
    if !actor.may(&whistle_record(&rec, member), Ask::NeedReport) {
        if actor.may(&rec, Ask::NeedRead) {
            return Err(AppError::Forbidden);
        }
        return Err(AppError::NotFound);
    }
    need.status.apply(EventKind::Reported).map_err(|e| AppError::Invalid(e.field_error().into()))?;
    let note = parse_note(note, false)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let done = sqlx::query("UPDATE whistles SET reported_at = $1, reported_by = $2, note = $3 WHERE need_id = $4 AND organization_id = $5 AND reported_at IS NULL RETURNING id")
        .bind(at)
        .bind(actor.user_id)
        .bind(&note)
        .bind(need_id.get())
        .bind(org_id)
        .fetch_optional(&mut *tx.tx)
        .await?;
    if done.is_none() {
        return Err(AppError::Conflict(FieldError::new("organization", "errors.whistle.not_pending")));
    }
    insert_event(&mut tx.tx, &need, at, actor.user_id, EventKind::Reported, note.as_deref(), &format!("org:{org_id}"))
        .await?;
    tx.record(actor, Some(need.community_id), "need.reported", &format!("need:{need_id}"), &format!("org:{org_id}"))
        .await?;
    tx.commit().await
}
