//! V1 roster import page: an Excel or CSV roster of a community's volunteers, all rows or none,
//! with a report naming each bad cell; and the template to fill in.

use super::staff::community;
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::i18n::Lang;
use crate::shell::layout::{Layout, html};
use crate::shell::registry::Registry;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use wushe_app::sheets::ColumnKind;
use wushe_app::volunteers;
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/volunteers/import", Action::VolunteerManage, form);
    r.page(Method::GET, "/communities/{code}/volunteers/roster-template.xlsx", Action::VolunteerManage, template);
    r.upload(
        crate::shell::route::Kind::Page,
        Method::POST,
        "/communities/{code}/volunteers/import",
        Action::VolunteerManage,
        import,
    );
}

#[derive(Template)]
#[template(path = "volunteers_import.html")]
struct ImportPage {
    l: Layout,
    code: String,
    columns: Vec<String>,
    problems: Vec<(String, String, String)>,
    imported: Option<String>,
}

fn page(ctx: &Ctx, code: &str, problems: Vec<(String, String, String)>, imported: Option<String>) -> ImportPage {
    let t = ctx.t();
    ImportPage {
        l: Layout::new(ctx, "page.volunteers.import"),
        code: code.to_string(),
        columns: volunteers::ROSTER_COLUMNS
            .iter()
            .map(|c| if t.0 == Lang::En { c.2.to_string() } else { c.1.to_string() })
            .collect(),
        problems,
        imported,
    }
}

async fn form(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    Ok(html(&page(&ctx, &c.code, vec![], None)))
}

async fn template(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let kinds = [ColumnKind::Text; 7];
    let bytes = wushe_app::sheets::to_xlsx(&volunteers::roster_template(), "志愿者名册", &kinds)?;
    Ok(crate::shell::files::download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("志愿者名册-{}.xlsx", c.code),
    ))
}

async fn import(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    req: axum::extract::Request,
) -> PageResult {
    let t = ctx.t();
    let c = community(&s, &ctx, &code, Action::VolunteerManage).await?;
    let (_, files) = crate::shell::files::read_form(req).await?;
    let Some(file) = files.into_iter().next() else {
        let problems = vec![(String::new(), String::new(), t.t("errors.import.empty").to_string())];
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page(&ctx, &c.code, problems, None))).into_response());
    };
    let r = async {
        let table = wushe_app::sheets::parse(file, s.sheet_limits).await?;
        volunteers::import_roster(&s.db, &ctx.actor, s.now(), &c, &table).await
    }
    .await;
    match r {
        Ok(n) => Ok(html(&page(&ctx, &c.code, vec![], Some(t.f2("page.volunteers.imported", n.added, n.skipped))))),
        Err(err) => {
            let lines = crate::shell::uploads::page_lines(err, t)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page(&ctx, &c.code, lines, None))).into_response())
        }
    }
}
