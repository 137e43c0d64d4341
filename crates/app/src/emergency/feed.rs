//! The public alerts behind the CAP 1.2 feed: real alerts only (a drill's never appear), each
//! with what a CAP message needs — the incident, the community's code, the areas with their
//! outlines, and the earlier messages an update or cancel refers to.

use super::model::{ALERT_COLS, Alert, INCIDENT_COLS, Incident};
use super::places::Map;
use crate::{AppError, Db, areas};
use wushe_domain::geo::Ring;

/// One public alert, ready to be written as a CAP message.
#[derive(Debug, Clone)]
pub struct CapAlert {
    pub alert: Alert,
    pub incident: Incident,
    pub community_code: String,
    /// Each affected area's name and outlines (closed WGS 84 rings).
    pub areas: Vec<(String, Vec<Ring>)>,
    /// The incident's earlier alerts, which an update or cancel refers to.
    pub earlier: Vec<Alert>,
}

/// The newest public alerts, newest first.
pub async fn public_alerts(db: &Db, limit: i64) -> Result<Vec<Alert>, AppError> {
    Ok(sqlx::query_as::<_, Alert>(crate::sql!(
        "SELECT {ALERT_COLS} FROM emergency_alerts WHERE drill = 0 ORDER BY sent_at DESC, id DESC LIMIT $1"
    ))
    .bind(limit.clamp(1, 500))
    .fetch_all(&db.pool)
    .await?)
}

/// A public alert by its CAP identifier; a drill's is not found.
pub async fn public_alert(db: &Db, identifier: &str) -> Result<Option<CapAlert>, AppError> {
    let Some(alert) = sqlx::query_as::<_, Alert>(crate::sql!(
        "SELECT {ALERT_COLS} FROM emergency_alerts WHERE identifier = $1 AND drill = 0"
    ))
    .bind(identifier)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let incident = sqlx::query_as::<_, Incident>(crate::sql!("SELECT {INCIDENT_COLS} FROM incidents WHERE id = $1"))
        .bind(alert.incident_id)
        .fetch_one(&db.pool)
        .await?;
    let community = areas::by_id(db, incident.community_id).await?;
    let map = Map::of(db, community.id, &community.path).await?;
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT area_id FROM incident_areas WHERE incident_id = $1 ORDER BY area_path")
            .bind(alert.incident_id)
            .fetch_all(&db.pool)
            .await?;
    let ids: Vec<i64> = rows.into_iter().map(|r| r.0).collect();
    let mut places: Vec<areas::Area> = areas::by_ids(db, &ids).await?.into_values().collect();
    places.sort_by(|a, b| a.path.cmp(&b.path));
    let areas =
        places.iter().map(|a| (a.name.clone(), map.outlines_of(&a.path).into_iter().cloned().collect())).collect();
    let earlier = sqlx::query_as::<_, Alert>(crate::sql!(
        "SELECT {ALERT_COLS} FROM emergency_alerts WHERE incident_id = $1 AND id < $2 ORDER BY id"
    ))
    .bind(alert.incident_id)
    .bind(alert.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(Some(CapAlert { alert, incident, community_code: community.code, areas, earlier }))
}
