//! The resource database as sheets (.csv, .xlsx) and HSDS files: export, import and its problems.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::error::PageResult;
use crate::shell::error::{WebError, field_problems};
use crate::shell::i18n::{Lang, T};
use crate::shell::layout::Layout;
use crate::shell::layout::html;
use crate::shell::registry::Registry;
use crate::shell::scope::curated_community;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use wushe_app::resources::{self};
use wushe_app::{AppError, areas};
use wushe_domain::access::Action;
use wushe_domain::policy::Ask;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/communities/{code}/resources/export.csv", Action::ResourceRead, export_csv);
    r.page(Method::GET, "/communities/{code}/resources/export.xlsx", Action::ResourceRead, export_xlsx);
    r.page(Method::GET, "/communities/{code}/resources/import", Action::ResourceManage, import_form);
    r.upload(
        crate::shell::route::Kind::Page,
        Method::POST,
        "/communities/{code}/resources/import",
        Action::ResourceManage,
        import,
    );
    r.upload(
        crate::shell::route::Kind::Page,
        Method::POST,
        "/communities/{code}/resources/import-hsds",
        Action::ResourceManage,
        import_hsds,
    );
}

/// The rows of the community's resources the reader may export, contacts as they may see them.
pub async fn export_table(s: &AppState, ctx: &Ctx, code: &str) -> Result<wushe_app::sheets::Table, AppError> {
    let c = areas::by_code(&s.db, code).await.map_err(|_| AppError::NotFound)?;
    let list = resources::all_in(&s.db, &ctx.actor, &c).await?;
    let access = resources::Accessor::new(&s.db, &ctx.actor).await?;
    let mut shown = Vec::with_capacity(list.len());
    for r in list {
        let full = ctx.actor.may(&access.record(&r), Ask::ResourceContact);
        let contact = resources::shown_contact(&r, full);
        let mut r = r;
        r.address = resources::shown_address(&r, full);
        shown.push((r, contact));
    }
    let label = |k: &str| crate::shell::i18n::zh_label(k);
    wushe_app::resources::sheets::table(&s.db, &shown, &label).await
}

pub(crate) async fn export_csv(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let table = export_table(&s, &ctx, &code).await?;
    let bytes = wushe_app::sheets::to_csv(&table)?;
    Ok(crate::shell::files::download(bytes, "text/csv; charset=utf-8", &format!("社区资源-{code}.csv")))
}

pub(crate) async fn export_xlsx(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let t = ctx.t();
    let table = export_table(&s, &ctx, &code).await?;
    let bytes = tokio::task::spawn_blocking(move || wushe_app::resources::sheets::to_xlsx(&table))
        .await
        .map_err(|e| WebError::page(AppError::Internal(e.to_string()), t))??;
    Ok(crate::shell::files::download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("社区资源-{code}.xlsx"),
    ))
}

#[derive(Template)]
#[template(path = "resources_import.html")]
struct ImportPage {
    l: Layout,
    code: String,
    columns: Vec<String>,
    problems: Vec<(String, String, String)>,
    imported: Option<String>,
}

pub(crate) async fn import_form(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let c = curated_community(&s, &ctx, &code).await?;
    Ok(html(&import_page(&ctx, &c.code, vec![], None)))
}

fn import_page(ctx: &Ctx, code: &str, problems: Vec<(String, String, String)>, imported: Option<usize>) -> ImportPage {
    let t = ctx.t();
    ImportPage {
        l: Layout::new(ctx, "page.resources_import.title"),
        code: code.to_string(),
        columns: wushe_app::resources::sheets::COLUMNS
            .iter()
            .map(|c| if t.0 == Lang::En { c.2.to_string() } else { c.1.to_string() })
            .collect(),
        problems,
        imported: imported.map(|n| t.f("page.resources_import.done", &[&n])),
    }
}

/// Runs an import of a file's bytes; shared by the page and the API.
pub async fn run_import(
    s: &AppState,
    ctx: &Ctx,
    community: &areas::Area,
    bytes: &[u8],
) -> Result<wushe_app::sheets::Imported, wushe_app::sheets::ImportError> {
    let table = wushe_app::sheets::parse(bytes.to_vec(), s.sheet_limits).await?;
    let zh = |k: &str| crate::shell::i18n::zh_label(k);
    let en = |k: &str| crate::shell::i18n::en_label(k);
    wushe_app::resources::sheets::import(&s.db, &ctx.actor, s.now(), community, &table, &[&zh, &en]).await
}

/// The curated community and the file of an import form; without a file, the form again.
async fn uploaded(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    req: axum::extract::Request,
) -> Result<Result<(areas::Area, Vec<u8>), Response>, WebError> {
    let t = ctx.t();
    let c = curated_community(s, ctx, code).await?;
    let (_, files) = crate::shell::files::read_form(req).await?;
    Ok(match files.into_iter().next() {
        Some(file) => Ok((c, file)),
        None => {
            Err(rejected(ctx, &c.code, vec![(String::new(), String::new(), t.t("errors.import.empty").to_string())]))
        }
    })
}

/// The import page with the problems of a refused file (nothing was written).
fn rejected(ctx: &Ctx, code: &str, problems: Vec<(String, String, String)>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, html(&import_page(ctx, code, problems, None))).into_response()
}

/// Problems of the file as a whole (unreadable, empty), without a row.
fn file_problems(err: &AppError, t: T) -> Vec<(String, String, String)> {
    field_problems(err, t).into_iter().map(|f| (String::new(), String::new(), f.message)).collect()
}

pub(crate) async fn import(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    req: axum::extract::Request,
) -> PageResult {
    let t = ctx.t();
    let (c, file) = match uploaded(&s, &ctx, &code, req).await? {
        Ok(x) => x,
        Err(page) => return Ok(page),
    };
    match run_import(&s, &ctx, &c, &file).await {
        Ok(n) => Ok(html(&import_page(&ctx, &c.code, vec![], Some(n.added)))),
        Err(err) => Ok(rejected(&ctx, &c.code, crate::shell::uploads::page_lines(err, t)?)),
    }
}

pub(crate) async fn import_hsds(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    req: axum::extract::Request,
) -> PageResult {
    let t = ctx.t();
    let (c, file) = match uploaded(&s, &ctx, &code, req).await? {
        Ok(x) => x,
        Err(page) => return Ok(page),
    };
    match wushe_app::resources::hsds::import_directory(&s.db, s.now(), &ctx.actor, &c, &file).await {
        Ok((added, skipped)) => {
            let mut page = import_page(&ctx, &c.code, vec![], None);
            page.imported = Some(t.f("page.resources_import.hsds_done", &[&added, &skipped]));
            Ok(html(&page))
        }
        Err(wushe_app::resources::hsds::DirectoryError::Entries(list)) => {
            let problems = list
                .into_iter()
                .map(|(n, f)| (n.to_string(), f.clone(), t.f("errors.hsds.entry", &[&n, &f])))
                .collect();
            Ok(rejected(&ctx, &c.code, problems))
        }
        Err(wushe_app::resources::hsds::DirectoryError::App(err @ AppError::Invalid(_))) => {
            Ok(rejected(&ctx, &c.code, file_problems(&err, t)))
        }
        Err(wushe_app::resources::hsds::DirectoryError::App(err)) => Err(WebError::page(err, t)),
    }
}
