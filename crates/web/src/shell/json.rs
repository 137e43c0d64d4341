//! How a need reads in the JSON API, shared by the capabilities that answer with one (the
//! needs ledger, and claiming, which moves a need).

use crate::shell::AppState;
use crate::shell::layout::rfc3339;
use serde::Serialize;
use utoipa::ToSchema;
use wushe_app::AppError;
use wushe_app::areas;
use wushe_app::needs::{self, Need};

/// A need as the API shows it. Times are RFC 3339 in China Standard Time.
#[derive(Serialize, ToSchema)]
pub struct NeedDto {
    id: i64,
    community_code: String,
    area_code: String,
    household_code: Option<String>,
    /// Category code, e.g. `stairwell_clutter`.
    category: String,
    title: String,
    description: String,
    channel: String,
    urgency: String,
    scope: String,
    status: String,
    /// Pass back with a step: a stale version is refused with 409.
    version: i64,
    /// `org:ID` or `user:ID`.
    assignee: Option<String>,
    created_at: String,
    responded_at: Option<String>,
    resolved_at: Option<String>,
    respond_due: String,
    resolve_due: String,
    overdue: bool,
    rating: Option<i64>,
    merged_into: Option<i64>,
}

pub async fn need_dto(s: &AppState, n: &Need) -> Result<NeedDto, AppError> {
    dtos(s, std::slice::from_ref(n)).await?.pop().ok_or(AppError::NotFound)
}

/// A need's DTO from codes already at hand (a submission knows its places and category).
pub fn dto_from(
    n: &Need,
    community_code: String,
    area_code: String,
    household_code: Option<String>,
    category: String,
) -> NeedDto {
    NeedDto {
        id: n.id.get(),
        community_code,
        area_code,
        household_code,
        category,
        title: n.title.clone(),
        description: n.description.clone(),
        channel: n.channel.code().into(),
        urgency: n.urgency.code().into(),
        scope: n.scope.code().into(),
        status: n.status.code().into(),
        version: n.version,
        assignee: n.assignee_org_id.map(|o| format!("org:{o}")).or(n.assignee_user_id.map(|u| format!("user:{u}"))),
        created_at: rfc3339(n.created_at),
        responded_at: n.responded_at.map(rfc3339),
        resolved_at: n.resolved_at.map(rfc3339),
        respond_due: rfc3339(n.respond_due),
        resolve_due: rfc3339(n.resolve_due),
        overdue: n.overdue > 0,
        rating: n.rating,
        merged_into: n.merged_into,
    }
}

/// DTOs of a list of needs with two queries in all: the communities' categories and the
/// codes of every place named.
pub async fn dtos(s: &AppState, list: &[Need]) -> Result<Vec<NeedDto>, AppError> {
    let mut cats: std::collections::HashMap<i64, Vec<needs::Category>> = Default::default();
    let mut ids = Vec::with_capacity(list.len() * 3);
    for n in list {
        if let std::collections::hash_map::Entry::Vacant(e) = cats.entry(n.community_id) {
            e.insert(needs::categories(&s.db, n.community_id).await?);
        }
        ids.extend([n.community_id, n.area_id]);
        ids.extend(n.household_id);
    }
    let places = areas::by_ids(&s.db, &ids).await?;
    let code = |id: i64| places.get(&id).map(|a| a.code.clone()).ok_or(AppError::NotFound);
    list.iter()
        .map(|n| {
            let category = cats[&n.community_id]
                .iter()
                .find(|c| c.id == n.category_id)
                .map(|c| c.code.clone())
                .unwrap_or_default();
            let household = n.household_id.map(code).transpose()?;
            Ok(dto_from(n, code(n.community_id)?, code(n.area_id)?, household, category))
        })
        .collect()
}
