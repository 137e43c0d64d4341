//! E4 — supplies: issuing from the community's stockpiles (R1) to households with the running
//! stock kept by the resource database's stock moves (never below zero), and offers of help
//! from organizations, donors and companies, recorded and matched to a stockpile (taken into
//! stock) or to an open need.

use super::access::incident;
use super::model::Incident;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, areas, resources};
use serde::Deserialize;
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::emergency::{OfferStatus, parse_count};
use wushe_domain::ids::{IncidentId, ResourceId};
use wushe_domain::{FieldError, FieldErrors};

fn require_staff(actor: &Actor, i: &Incident) -> Result<(), AppError> {
    actor.require(Action::NeedRecord, Some(&i.area_path))
}

/// Issuing a supply to a household, as a form sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IssueForm {
    pub resource: String,
    pub household_code: String,
    pub quantity: String,
}

/// Gives `quantity` of a stockpile to a household of the incident's community: a stock move
/// out of the stockpile and an issue record, in one transaction; refused when the stock is short.
pub async fn issue(db: &Db, actor: &Actor, at: i64, id: IncidentId, f: &IssueForm) -> Result<(), AppError> {
    let i = incident(db, actor, id).await?;
    require_staff(actor, &i)?;
    if !i.active() {
        return Err(AppError::Conflict(FieldError::new("resource", "errors.incident.closed")));
    }
    let mut e = FieldErrors::default();
    let qty = e.check(parse_count(&f.quantity, "quantity", 1, 100_000));
    let resource = f.resource.trim().parse::<i64>().ok().map(ResourceId::from);
    if resource.is_none() {
        e.0.push(FieldError::new("resource", "errors.resource.unknown"));
    }
    let household = match areas::by_code_cached(db, f.household_code.trim()).await {
        Ok(h) if h.kind == AreaKind::Household && h.path.starts_with(&i.area_path) => Some(h),
        _ => {
            e.0.push(FieldError::new("household_code", "errors.household.unknown"));
            None
        }
    };
    e.into_result()?;
    let (qty, resource, household) = (qty.expect("checked"), resource.expect("checked"), household.expect("checked"));
    let mut tx = AuditedTx::begin(db, at).await?;
    let reason = format!("应急发放 #{} → {}", i.id, household.name);
    let Some(r) = resources::move_in(&mut tx.tx, i.community_id, resource, -qty, &reason, actor.user_id, at).await?
    else {
        return Err(FieldError::new("quantity", "errors.stock.negative").into());
    };
    sqlx::query(
        "INSERT INTO supply_issues (community_id, incident_id, resource_id, household_id, household_path, quantity, user_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(i.community_id)
    .bind(i.id.get())
    .bind(r.id.get())
    .bind(household.id)
    .bind(&household.path)
    .bind(qty)
    .bind(actor.user_id)
    .bind(at)
    .execute(&mut *tx.tx)
    .await?;
    tx.record(
        actor,
        Some(i.community_id),
        "emergency.issue",
        &format!("resource:{}", r.id),
        &format!("{qty} {}", household.code),
    )
    .await?;
    tx.commit().await?;
    super::live::touch(db, i.id);
    Ok(())
}

/// An issue as the board lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Issued {
    pub resource_id: i64,
    pub resource: String,
    pub unit: String,
    pub households: i64,
    pub quantity: i64,
}

/// What has been issued in the incident, by stockpile.
pub async fn issued(db: &Db, id: IncidentId) -> Result<Vec<Issued>, AppError> {
    Ok(sqlx::query_as::<_, Issued>(
        "SELECT s.resource_id, r.name AS resource, r.unit, COUNT(DISTINCT s.household_id) AS households, \
         CAST(SUM(s.quantity) AS BIGINT) AS quantity FROM supply_issues s JOIN resources r ON r.id = s.resource_id \
         WHERE s.incident_id = $1 GROUP BY s.resource_id, r.name, r.unit ORDER BY r.name",
    )
    .bind(id.get())
    .fetch_all(&db.pool)
    .await?)
}

/// An offer of help as a form sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OfferForm {
    pub organization: String,
    pub offered_by: String,
    pub what: String,
    pub quantity: String,
    pub unit: String,
}

/// An offer as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Offer {
    pub id: i64,
    pub incident_id: i64,
    pub organization_id: Option<i64>,
    pub offered_by: String,
    pub what: String,
    pub quantity: i64,
    pub unit: String,
    #[sqlx(try_from = "String")]
    pub status: OfferStatus,
    pub resource_id: Option<i64>,
    pub need_id: Option<i64>,
    pub at: i64,
}

const OFFER_COLS: &str =
    "id, incident_id, organization_id, offered_by, what, quantity, unit, status, resource_id, need_id, at";

/// Records an offer of help: from an organization of the directory, or from whoever is named.
pub async fn record_offer(db: &Db, actor: &Actor, at: i64, id: IncidentId, f: &OfferForm) -> Result<i64, AppError> {
    let i = incident(db, actor, id).await?;
    require_staff(actor, &i)?;
    let mut e = FieldErrors::default();
    let what = e.check(wushe_domain::error::text("what", &f.what, 200));
    let qty = e.check(parse_count(&f.quantity, "quantity", 1, 10_000_000));
    let unit = e.check(wushe_domain::error::optional_text("unit", &f.unit, 20));
    let org = if f.organization.trim().is_empty() {
        None
    } else {
        match f.organization.trim().parse::<i64>() {
            Ok(o) => match crate::organizations::by_ids(db, &[o]).await?.into_iter().next() {
                Some(org) if org.area_path.starts_with(&i.area_path) || i.area_path.starts_with(&org.area_path) => {
                    Some((o, org.name))
                }
                _ => {
                    e.0.push(FieldError::new("organization", "errors.organization.unknown"));
                    None
                }
            },
            Err(_) => {
                e.0.push(FieldError::new("organization", "errors.organization.unknown"));
                None
            }
        }
    };
    let by = match &org {
        Some((_, name)) => Ok(name.clone()),
        None => wushe_domain::error::text("offered_by", &f.offered_by, 80),
    };
    let by = e.check(by);
    e.into_result()?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let (offer,): (i64,) = sqlx::query_as(
        "INSERT INTO supply_offers (community_id, incident_id, organization_id, offered_by, what, quantity, unit, status, user_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9) RETURNING id",
    )
    .bind(i.community_id)
    .bind(i.id.get())
    .bind(org.as_ref().map(|o| o.0))
    .bind(by.expect("checked"))
    .bind(what.expect("checked"))
    .bind(qty.expect("checked"))
    .bind(unit.expect("checked").unwrap_or_default())
    .bind(actor.user_id)
    .bind(at)
    .fetch_one(&mut *tx.tx)
    .await?;
    tx.record(actor, Some(i.community_id), "emergency.offer", &format!("incident:{}", i.id), &offer.to_string())
        .await?;
    tx.commit().await?;
    super::live::touch(db, i.id);
    Ok(offer)
}

pub async fn offers(db: &Db, id: IncidentId) -> Result<Vec<Offer>, AppError> {
    Ok(sqlx::query_as::<_, Offer>(crate::sql!(
        "SELECT {OFFER_COLS} FROM supply_offers WHERE incident_id = $1 ORDER BY status DESC, at DESC, id DESC"
    ))
    .bind(id.get())
    .fetch_all(&db.pool)
    .await?)
}

/// The stockpiles an offer most likely fills: those whose names share characters with what is
/// offered, best first.
pub fn suggestions<'a>(offer: &Offer, stock: &'a [resources::Resource]) -> Vec<&'a resources::Resource> {
    let words: Vec<char> = offer.what.chars().filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation()).collect();
    let mut scored: Vec<(usize, &resources::Resource)> = stock
        .iter()
        .map(|r| (words.windows(2).filter(|w| r.name.contains(&w.iter().collect::<String>())).count(), r))
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
    scored.into_iter().map(|(_, r)| r).collect()
}

/// Matching an offer, as a form sends it: into a stockpile (taken into stock), or to a need,
/// or declined.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MatchForm {
    pub resource: String,
    pub need: String,
    pub decline: String,
}

pub async fn match_offer(db: &Db, actor: &Actor, at: i64, offer_id: i64, f: &MatchForm) -> Result<(), AppError> {
    let offer = sqlx::query_as::<_, Offer>(crate::sql!("SELECT {OFFER_COLS} FROM supply_offers WHERE id = $1"))
        .bind(offer_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let i = incident(db, actor, IncidentId::from(offer.incident_id)).await?;
    require_staff(actor, &i)?;
    if offer.status != OfferStatus::Open {
        return Err(AppError::Conflict(FieldError::new("resource", "errors.offer.done")));
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let (status, resource, need) = if f.decline.trim() == "1" {
        (OfferStatus::Declined, None, None)
    } else if let Ok(r) = f.resource.trim().parse::<i64>() {
        let reason = format!("应急捐赠：{}", offer.offered_by);
        let Some(r) = resources::move_in(
            &mut tx.tx,
            i.community_id,
            ResourceId::from(r),
            offer.quantity,
            &reason,
            actor.user_id,
            at,
        )
        .await?
        else {
            return Err(FieldError::new("resource", "errors.resource.unknown").into());
        };
        (OfferStatus::Matched, Some(r.id.get()), None)
    } else if let Ok(n) = f.need.trim().trim_start_matches('#').parse::<i64>() {
        let found = match crate::needs::by_id(db, wushe_domain::ids::NeedId::from(n)).await {
            Ok(x) => Some(x),
            Err(AppError::NotFound) => None,
            Err(e) => return Err(e),
        };
        if found.as_ref().is_none_or(|x| x.community_id != i.community_id) {
            return Err(FieldError::new("need", "errors.need.unknown").into());
        }
        (OfferStatus::Matched, None, Some(n))
    } else {
        return Err(FieldError::new("resource", "errors.required").into());
    };
    sqlx::query(
        "UPDATE supply_offers SET status = $1, resource_id = $2, need_id = $3, matched_at = $4 WHERE id = $5 AND status = 'open'",
    )
    .bind(status.code())
    .bind(resource)
    .bind(need)
    .bind(at)
    .bind(offer.id)
    .execute(&mut *tx.tx)
    .await?;
    tx.record(actor, Some(i.community_id), "emergency.offer_match", &format!("incident:{}", i.id), status.code())
        .await?;
    tx.commit().await?;
    super::live::touch(db, i.id);
    Ok(())
}
