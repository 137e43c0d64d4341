//! The public request list: needs as GeoReport shows them, households as their building.

use super::places::centroid;
use crate::areas::{self, Area};
use crate::needs::{self, Need};
use crate::{Actor, AppError, Db};
use sqlx::Row;
use wushe_domain::areas::AreaKind;

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
    pub ids: Vec<wushe_domain::ids::NeedId>,
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
            .bind(n.id.get())
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
