//! Which community a request is about, checked against the reader's grants before anything
//! of it is read.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use wushe_app::{AppError, areas};
use wushe_domain::access::{Action, Role};

/// A community whose resources the person curates; others read as missing.
pub async fn curated_community(s: &AppState, ctx: &Ctx, code: &str) -> Result<areas::Area, AppError> {
    let c = areas::by_code(&s.db, code).await.map_err(|_| AppError::NotFound)?;
    if c.kind == wushe_domain::areas::AreaKind::Community && ctx.actor.can(Action::ResourceManage, Some(&c.path)) {
        Ok(c)
    } else {
        Err(AppError::NotFound)
    }
}

/// A community the reader manages needs in; others read as missing.
/// The community whose whole ledger the person manages (imports); a community they reach
/// only in part reads as missing, like any area outside their grants.
pub async fn managed_community(s: &AppState, ctx: &Ctx, code: &str) -> Result<areas::Area, AppError> {
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedManage, code).await?;
    let community = community_of(s, &area).await?;
    if !ctx.actor.can(Action::NeedManage, Some(&community.path)) {
        return Err(AppError::NotFound);
    }
    Ok(community)
}

pub async fn community_of(s: &AppState, a: &areas::Area) -> Result<areas::Area, AppError> {
    match a.community_id {
        Some(id) => areas::by_id(&s.db, id).await,
        None => Err(AppError::NotFound),
    }
}

/// The community of a resident's own household grant.
pub async fn own_community(s: &AppState, ctx: &Ctx) -> Result<areas::Area, AppError> {
    let home = ctx.actor.grants.grants.iter().find(|g| g.role == Role::Resident).ok_or(AppError::Forbidden)?;
    let code = home.area_path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let area = areas::by_code(&s.db, code).await?;
    community_of(s, &area).await
}
