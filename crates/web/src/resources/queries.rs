//! Which community a request may curate.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use wushe_app::{AppError, areas};
use wushe_domain::access::{Action, Decision};

/// A community whose resources the person curates; others read as missing.
pub async fn curated_community(s: &AppState, ctx: &Ctx, code: &str) -> Result<areas::Area, AppError> {
    let c = areas::by_code(&s.db, code).await.map_err(|_| AppError::NotFound)?;
    if c.kind == wushe_domain::areas::AreaKind::Community
        && (ctx.actor.operator || ctx.actor.grants.decide(Action::ResourceManage, Some(&c.path)) == Decision::Allow)
    {
        Ok(c)
    } else {
        Err(AppError::NotFound)
    }
}
