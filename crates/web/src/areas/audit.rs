//! The community audit log page for staff (X1): the latest entries of the community's chain.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::layout::{Layout, html, local_time};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::Method;
use wushe_app::{areas, audit};
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/audit", Action::AuditRead, audit_page);
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    entries: Vec<(i64, String, String, String, String)>,
}

async fn audit_page(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let t = ctx.t();
    let c = areas::visible(&s.db, &ctx.actor, Action::AuditRead, &code).await?;
    ctx.actor.require(Action::AuditRead, Some(&c.path))?;
    let entries = audit::recent(&s.db, c.id, 200).await?;
    Ok(html(&AuditPage {
        l: Layout::new(&ctx, "page.audit.title", Some(c.code)),
        entries: entries
            .into_iter()
            .map(|a| {
                (
                    a.seq,
                    local_time(a.at),
                    a.actor.unwrap_or_else(|| t.t("page.audit.operator").to_string()),
                    a.action,
                    a.subject,
                )
            })
            .collect(),
    }))
}
