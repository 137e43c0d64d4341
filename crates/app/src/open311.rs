//! Open311 GeoReport v2 (X5) — the keys that let outside clients post service requests, and
//! the queries the GeoReport endpoints need. Owns table `open311_keys`; service requests are
//! needs (channel `open311`), created through [`crate::needs::submit`].
//!
//! Privacy (X1): the public request list shows a household-level place as its building, and
//! shows descriptions only of common needs and of requests that came in through Open311.

use crate::areas::{self, Area};
use crate::audit::AuditedTx;
use crate::needs::{self, Need};
use crate::{Actor, AppError, Db};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use wushe_domain::FieldError;
use wushe_domain::areas::AreaKind;

fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// `wushe open311 key add NAME --community CODE`: a new key, shown once.
pub async fn add_key(db: &Db, actor: &Actor, at: i64, community_code: &str, name: &str) -> Result<String, AppError> {
    let c =
        areas::by_code(db, community_code).await.map_err(|_| FieldError::new("community", "errors.area.unknown"))?;
    if c.kind != AreaKind::Community {
        return Err(FieldError::new("community", "errors.area.unknown").into());
    }
    let name = wushe_domain::error::text("name", name, 60)?;
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    let key = hex::encode(b);
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("INSERT INTO open311_keys (community_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)")
        .bind(c.id)
        .bind(&name)
        .bind(digest(&key))
        .bind(at)
        .execute(&mut *tx.tx)
        .await
        .map_err(AppError::unique_as("name", "errors.open311.key_exists"))?;
    tx.record(actor, Some(c.id), "open311.key.add", &format!("open311_key:{name}"), "").await?;
    tx.commit().await?;
    Ok(key)
}

#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub community_code: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

pub async fn keys(db: &Db) -> Result<Vec<Key>, AppError> {
    let rows = sqlx::query("SELECT k.name, a.code, k.created_at, k.revoked_at FROM open311_keys k JOIN areas a ON a.id = k.community_id ORDER BY a.code, k.name")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Key {
                name: r.try_get(0)?,
                community_code: r.try_get(1)?,
                created_at: r.try_get(2)?,
                revoked_at: r.try_get(3)?,
            })
        })
        .collect()
}

pub async fn revoke_key(db: &Db, actor: &Actor, at: i64, community_code: &str, name: &str) -> Result<(), AppError> {
    let c =
        areas::by_code(db, community_code).await.map_err(|_| FieldError::new("community", "errors.area.unknown"))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query("UPDATE open311_keys SET revoked_at = $1 WHERE community_id = $2 AND name = $3 AND revoked_at IS NULL RETURNING id")
        .bind(at)
        .bind(c.id)
        .bind(name)
        .fetch_optional(&mut *tx.tx)
        .await?;
    if r.is_none() {
        return Err(FieldError::new("name", "errors.open311.key_unknown").into());
    }
    tx.record(actor, Some(c.id), "open311.key.revoke", &format!("open311_key:{name}"), "").await?;
    tx.commit().await
}

/// The name of a live key for `community`, if `key` is one.
pub async fn check_key(db: &Db, community: &Area, key: &str) -> Result<Option<String>, AppError> {
    let r: Option<(String,)> = sqlx::query_as(
        "SELECT name FROM open311_keys WHERE key_hash = $1 AND community_id = $2 AND revoked_at IS NULL",
    )
    .bind(digest(key))
    .bind(community.id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(r.map(|x| x.0))
}

/// The community named by a `jurisdiction_id` (its 12-digit code).
pub async fn jurisdiction(db: &Db, id: &str) -> Result<Area, AppError> {
    match areas::by_code(db, id.trim()).await {
        Ok(a) if a.kind == AreaKind::Community => Ok(a),
        Ok(_) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

/// Is the point inside the polygon (first ring of a GeoJSON Polygon)? Ray casting.
fn contains(geojson: &str, lon: f64, lat: f64) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(geojson) else { return false };
    let Some(ring) = v["coordinates"][0].as_array() else { return false };
    let pts: Vec<(f64, f64)> = ring.iter().filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect();
    let mut inside = false;
    let mut j = pts.len().wrapping_sub(1);
    for i in 0..pts.len() {
        let (xi, yi) = pts[i];
        let (xj, yj) = pts[j];
        if (yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// The deepest division of `community` whose polygon holds the point, else the community.
pub async fn locate(db: &Db, community: &Area, lat: f64, lon: f64) -> Result<Area, AppError> {
    let kids = areas::children(db, &Actor::operator(), wushe_domain::access::Action::AreaRead, community).await?;
    Ok(kids
        .into_iter()
        .map(|k| k.area)
        .find(|a| a.geojson.as_deref().is_some_and(|g| contains(g, lon, lat)))
        .unwrap_or_else(|| community.clone()))
}

/// The centre of an area's polygon, for requests without coordinates.
pub fn centroid(area: &Area) -> Option<(f64, f64)> {
    let v: serde_json::Value = serde_json::from_str(area.geojson.as_deref()?).ok()?;
    let ring = v["coordinates"][0].as_array()?;
    let pts: Vec<(f64, f64)> = ring.iter().filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect();
    let n = pts.len().saturating_sub(1).max(1) as f64;
    let (sx, sy) = pts.iter().take(pts.len().saturating_sub(1).max(1)).fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
    Some((sy / n, sx / n))
}

/// What the public request list shows of a need.
#[derive(Debug, Clone)]
pub struct PublicRequest {
    pub need: Need,
    pub service_code: String,
    pub service_name: String,
    pub show_description: bool,
    pub address: String,
    pub address_id: String,
    pub agency: Option<String>,
    pub status_notes: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub media_url: Option<String>,
}

pub struct RequestQuery {
    pub ids: Vec<i64>,
    pub service_codes: Vec<String>,
    pub from: i64,
    pub to: i64,
    /// `Some(true)` open only, `Some(false)` closed only.
    pub open: Option<bool>,
}

/// Needs of a community as GeoReport service requests, newest first, at most 1000.
pub async fn requests(db: &Db, community: &Area, q: &RequestQuery) -> Result<Vec<PublicRequest>, AppError> {
    let cats = needs::categories(db, community.id).await?;
    let mut out = Vec::new();
    let list: Vec<Need> = if q.ids.is_empty() {
        let f = needs::Filter { created_from: Some(q.from), created_to: Some(q.to), limit: 1000, ..Default::default() };
        needs::ledger(db, &Actor::operator(), community, &f).await?.0
    } else {
        let mut v = Vec::new();
        for id in &q.ids {
            if let Ok((n, _)) = needs::get(db, &Actor::operator(), *id).await
                && n.community_id == community.id
            {
                v.push(n);
            }
        }
        v
    };
    for n in list {
        let open = !(n.status.is_closed() || n.status == wushe_domain::needs::NeedStatus::Resolved);
        if q.ids.is_empty() && q.open.is_some_and(|o| o != open) {
            continue;
        }
        let Some(cat) = cats.iter().find(|c| c.id == n.category_id) else { continue };
        if q.ids.is_empty() && !q.service_codes.is_empty() && !q.service_codes.contains(&cat.code) {
            continue;
        }
        let mut area = areas::by_id(db, n.area_id).await?;
        if area.kind == AreaKind::Household
            && let Some(p) = area.parent_id
        {
            area = areas::by_id(db, p).await?;
        }
        let extra = sqlx::query("SELECT lat, lon, address_text, media_url FROM needs WHERE id = $1")
            .bind(n.id)
            .fetch_one(&db.pool)
            .await?;
        let (mut lat, mut lon): (Option<f64>, Option<f64>) = (extra.try_get(0)?, extra.try_get(1)?);
        if lat.is_none() {
            // Fall back to the centre of the need's grid.
            let grid = areas::ancestors(db, &area).await?.into_iter().rev().find(|a| a.geojson.is_some());
            if let Some((la, lo)) = grid.as_ref().and_then(centroid) {
                (lat, lon) = (Some(la), Some(lo));
            }
        }
        let agency = match n.assignee_org_id {
            Some(o) => crate::organizations::by_ids(db, &[o]).await?.into_iter().next().map(|o| o.name),
            None => None,
        };
        let status_notes = needs::timeline(db, &n).await?.into_iter().rev().find_map(|e| e.note);
        let show_description =
            n.scope == wushe_domain::needs::Scope::Common || n.channel == wushe_domain::needs::Channel::Open311;
        let address_text: Option<String> = extra.try_get(2)?;
        out.push(PublicRequest {
            service_code: cat.code.clone(),
            service_name: cat.name_zh.clone(),
            show_description,
            address: address_text
                .filter(|_| n.channel == wushe_domain::needs::Channel::Open311)
                .unwrap_or_else(|| area.name.clone()),
            address_id: area.code.clone(),
            agency,
            status_notes: if show_description { status_notes } else { None },
            lat,
            lon,
            media_url: extra.try_get(3)?,
            need: n,
        });
    }
    Ok(out)
}
