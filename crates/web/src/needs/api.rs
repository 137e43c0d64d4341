//! N1–N5 in the JSON API: the ledger, intake from any channel, a need with its timeline,
//! workflow steps, whistle-and-report, own needs and tasks, and metrics.

use crate::needs::ledger::{LedgerQuery, filter_from};
use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::ctx::api_err as err;
use crate::shell::error::ApiResult;
use crate::shell::error::Problem;
use crate::shell::extract::{ApiJson, Id, LaterJson};
use crate::shell::json::{NeedDto, dto_from, dtos, need_dto};
use crate::shell::layout::rfc3339;
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use wushe_app::needs::{self, NeedForm, Step};
use wushe_app::{AppError, areas};
use wushe_domain::FieldError;
use wushe_domain::access::{Action, Role};
use wushe_domain::ids::NeedId;
use wushe_domain::needs::EventKind;

pub fn routes(r: &mut Registry) {
    r.api(Method::GET, "/api/v1/communities/{code}/needs", Action::NeedRead, ledger);
    r.api(Method::POST, "/api/v1/needs", Action::OwnAccount, submit);
    r.api(Method::GET, "/api/v1/needs/{id}", Action::OwnAccount, detail);
    r.api(Method::POST, "/api/v1/needs/{id}/events", Action::OwnAccount, step);
    r.api(Method::POST, "/api/v1/needs/{id}/whistles", Action::NeedManage, whistle);
    r.api(Method::POST, "/api/v1/needs/{id}/reports", Action::NeedWork, report);
    r.api(Method::GET, "/api/v1/needs/{id}/similar", Action::NeedManage, similar);
    r.api(Method::POST, "/api/v1/communities/{code}/needs/bulk-assign", Action::NeedManage, bulk_assign);
    r.api(Method::GET, "/api/v1/communities/{code}/needs/views", Action::NeedRead, list_views);
    r.api(Method::POST, "/api/v1/communities/{code}/needs/views", Action::NeedRead, save_view);
    r.api(Method::DELETE, "/api/v1/needs/views/{id}", Action::NeedRead, delete_view);
    r.upload(crate::shell::route::Kind::Api, Method::POST, "/api/v1/needs/{id}/photos", Action::OwnAccount, add_photo);
    r.api(Method::POST, "/api/v1/needs/groups", Action::NeedManage, group);
    r.api(Method::GET, "/api/v1/my/needs", Action::NeedOwn, mine);
    r.api(Method::GET, "/api/v1/my/tasks", Action::NeedWork, tasks);
    r.api(Method::GET, "/api/v1/communities/{code}/needs/export", Action::NeedRead, export);
    r.upload(
        crate::shell::route::Kind::Api,
        Method::POST,
        "/api/v1/communities/{code}/needs/import",
        Action::NeedManage,
        import,
    );
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `xlsx` (default) or `csv`.
    format: Option<String>,
    status: Option<String>,
    category: Option<String>,
    overdue: Option<bool>,
}

/// The ledger as .xlsx or .csv with Chinese headers (N7).
#[utoipa::path(get, path = "/api/v1/communities/{code}/needs/export", params(("code" = String, Path), ExportParams),
    responses((status = 200, description = "The ledger file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn export(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<ExportParams>,
) -> ApiResult {
    let e = err(&ctx);
    let lq = LedgerQuery {
        status: q.status.unwrap_or_default(),
        category: q.category.unwrap_or_default(),
        overdue: if q.overdue == Some(true) { "1".into() } else { String::new() },
        page: None,
        ..Default::default()
    };
    let table = crate::needs::ledger::export_table(&s, &ctx, &code, &lq).await?;
    match q.format.as_deref().unwrap_or("xlsx") {
        "csv" => Ok(crate::shell::files::download(
            wushe_app::sheets::to_csv(&table)?,
            "text/csv; charset=utf-8",
            &format!("needs-{code}.csv"),
        )),
        "xlsx" => {
            let bytes = tokio::task::spawn_blocking(move || wushe_app::needs::ledger::to_xlsx(&table))
                .await
                .map_err(|x| e(AppError::Internal(x.to_string())))??;
            Ok(crate::shell::files::download(
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("needs-{code}.xlsx"),
            ))
        }
        _ => Err(e(FieldError::new("format", "errors.format.invalid").into())),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ImportedDto {
    /// Rows added.
    imported: usize,
    /// Rows whose 编号 is already a need of this community (an exported ledger imported again).
    skipped: usize,
}

/// Imports a ledger (.xlsx or .csv as the request body); all rows or none. Problems name
/// each bad cell as `row:N:column`.
#[utoipa::path(post, path = "/api/v1/communities/{code}/needs/import", params(("code" = String, Path)),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 200, body = ImportedDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn import(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>, body: axum::body::Bytes) -> ApiResult {
    let t = ctx.t();
    let community = crate::shell::scope::managed_community(&s, &ctx, &code).await?;
    match crate::needs::ledger::run_import(&s, &ctx, &community, &body, &Default::default()).await {
        Ok(n) => Ok(Json(ImportedDto { imported: n.added, skipped: n.skipped }).into_response()),
        Err(x) => Err(crate::shell::uploads::api_error(x, t)),
    }
}

#[derive(OpenApi)]
#[openapi(paths(
    ledger,
    submit,
    detail,
    step,
    whistle,
    report,
    mine,
    tasks,
    export,
    import,
    similar,
    group,
    add_photo,
    bulk_assign,
    list_views,
    save_view,
    delete_view
))]
pub struct NeedsApi;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    /// A status code, or `open` for every need not yet resolved or closed.
    status: Option<String>,
    /// A category code.
    category: Option<String>,
    /// `true` for overdue needs only.
    overdue: Option<bool>,
    /// Words anywhere in the title or description, or a need's number (`123` or `#123`).
    q: Option<String>,
    /// 1–500, default 50.
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NeedPage {
    total: i64,
    items: Vec<NeedDto>,
}

/// The needs ledger of an area (community, grid, building…), newest first.
#[utoipa::path(get, path = "/api/v1/communities/{code}/needs", params(("code" = String, Path, description = "community or sub-area code"), LedgerParams),
    responses((status = 200, body = NeedPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn ledger(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    crate::shell::extract::ApiQuery(q): crate::shell::extract::ApiQuery<LedgerParams>,
) -> ApiResult {
    let e = err(&ctx);
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedRead, &code).await?;
    let cats = needs::categories(&s.db, area.community_id.unwrap_or(area.id)).await?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(e(FieldError::new("limit", "errors.limit.range").into()));
    }
    let lq = LedgerQuery {
        status: q.status.unwrap_or_default(),
        category: q.category.unwrap_or_default(),
        overdue: if q.overdue == Some(true) { "1".into() } else { String::new() },
        q: q.q.unwrap_or_default(),
        page: None,
    };
    let mut f = filter_from(&lq, &cats, limit)?;
    f.offset = q.offset.unwrap_or(0).max(0);
    let (list, total) = needs::ledger(&s.db, &ctx.actor, &area, &f).await?;
    Ok(Json(NeedPage { total, items: dtos(&s, &list).await? }).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
pub struct NeedBody {
    /// The community; a resident may leave it out (their own community).
    #[serde(default)]
    community_code: String,
    /// Where the need is; empty means the requester's household.
    #[serde(default)]
    area_code: String,
    /// The household the need comes from (staff recording on a resident's behalf).
    #[serde(default)]
    household_code: String,
    category: String,
    title: String,
    description: String,
    /// `normal` (default) or `urgent`.
    #[serde(default)]
    urgency: String,
    /// `individual` (default) or `common`.
    #[serde(default)]
    scope: String,
    /// online, suggestion (residents); visit, hotline, walk_in, joint_meeting (staff).
    #[serde(default)]
    channel: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    requester_person_id: Option<i64>,
}

/// Submits a need (residents) or records one on a resident's behalf (staff).
#[utoipa::path(post, path = "/api/v1/needs", request_body = NeedBody, responses(
    (status = 201, body = NeedDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn submit(State(s): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<NeedBody>) -> ApiResult {
    let e = err(&ctx);
    let community_code = if b.community_code.trim().is_empty() {
        let home = ctx
            .actor
            .grants
            .grants
            .iter()
            .find(|g| g.role == Role::Resident)
            .map(|g| g.area_path.clone())
            .unwrap_or_default();
        home.split('/').find(|c| c.len() == 12).unwrap_or("").to_string()
    } else {
        b.community_code.trim().to_string()
    };
    let community = match areas::by_code_cached(&s.db, &community_code).await {
        Ok(c)
            if c.kind == wushe_domain::areas::AreaKind::Community
                && ctx.actor.grants.reaches(Action::OwnAccount, &c.path) =>
        {
            c
        }
        _ => return Err(e(FieldError::new("community_code", "errors.area.unknown").into())),
    };
    let channel = if b.channel.trim().is_empty() { "online".to_string() } else { b.channel.clone() };
    let form = NeedForm {
        area_code: b.area_code,
        household_code: b.household_code,
        category: b.category,
        title: b.title,
        description: b.description,
        urgency: b.urgency,
        scope: b.scope,
        channel,
        contact_phone: b.contact_phone,
        requester_person_id: b.requester_person_id,
    };
    let new = needs::parse_form(&s.db, &ctx.actor, &community, &form).await?;
    let codes = (new.area.code.clone(), new.household.as_ref().map(|h| h.code.clone()), new.category.code.clone());
    let n = s.submissions.submit(&ctx.actor, s.now(), new).await?;
    let dto = dto_from(&n, community.code, codes.0, codes.1, codes.2);
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct EventDto {
    kind: String,
    at: String,
    actor: Option<String>,
    note: Option<String>,
    data: String,
}

#[derive(Serialize, ToSchema)]
pub struct WhistleDto {
    organization_id: i64,
    organization: String,
    deadline: String,
    reported_at: Option<String>,
    /// Hours from whistle to report, when reported.
    hours_to_report: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct NeedDetailDto {
    need: NeedDto,
    timeline: Vec<EventDto>,
    whistles: Vec<WhistleDto>,
    /// Steps the caller may take now.
    next_steps: Vec<String>,
}

/// A need with its timeline and whistles.
#[utoipa::path(get, path = "/api/v1/needs/{id}", params(("id" = i64, Path)), responses((status = 200, body = NeedDetailDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn detail(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>) -> ApiResult {
    let (n, rec) = needs::get(&s.db, &ctx.actor, id).await?;
    let timeline = needs::timeline(&s.db, &n)
        .await?
        .into_iter()
        .map(|x| EventDto { kind: x.kind.code().into(), at: rfc3339(x.at), actor: x.actor, note: x.note, data: x.data })
        .collect();
    let whistles = needs::whistles(&s.db, &n)
        .await?
        .into_iter()
        .map(|w| WhistleDto {
            organization_id: w.organization_id,
            organization: w.organization_name,
            deadline: rfc3339(w.deadline),
            reported_at: w.reported_at.map(rfc3339),
            hours_to_report: w.reported_at.map(|r| (r - w.created_at) as f64 / 3_600_000.0),
        })
        .collect();
    let next_steps = needs::workflow_steps(&n, &ctx.actor, &rec).into_iter().map(|ev| ev.code().to_string()).collect();
    Ok(Json(NeedDetailDto { need: need_dto(&s, &n).await?, timeline, whistles, next_steps }).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct StepBody {
    /// accepted, assigned, started, resolved, confirmed, reopened, rejected, merged, commented
    event: String,
    version: i64,
    #[serde(default)]
    note: String,
    /// For `assigned`: `org:ID` or `user:ID`.
    #[serde(default)]
    assignee: Option<String>,
    /// For `confirmed`: 1–5.
    #[serde(default)]
    rating: Option<i64>,
    /// For `merged`: the need this one duplicates.
    #[serde(default)]
    merge_into: Option<i64>,
}

/// Records one workflow step; illegal steps answer 422, stale versions 409.
#[utoipa::path(post, path = "/api/v1/needs/{id}/events", params(("id" = i64, Path)), request_body = StepBody, responses(
    (status = 200, body = NeedDto), (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn step(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>, b: LaterJson<StepBody>) -> ApiResult {
    needs::get(&s.db, &ctx.actor, id).await?;
    let b = b.body()?;
    let e = err(&ctx);
    let st = Step {
        event: EventKind::parse(&b.event).map_err(|x| e(x.into()))?,
        version: b.version,
        note: b.note,
        assignee: b.assignee.as_deref().map(needs::Assignee::parse).transpose().map_err(|x| e(x.into()))?,
        rating: b.rating.map(|r| r.to_string()).unwrap_or_default(),
        merge_into: b.merge_into.map(NeedId::from),
    };
    let n = needs::step(&s.db, &ctx.actor, s.now(), id, st).await?;
    Ok(Json(need_dto(&s, &n).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct WhistleBody {
    organizations: Vec<i64>,
    /// Hours each organization has to report, 1–720.
    hours: i64,
    note: String,
    version: i64,
}

/// 社区吹哨: names organizations that must report within the deadline.
#[utoipa::path(post, path = "/api/v1/needs/{id}/whistles", params(("id" = i64, Path)), request_body = WhistleBody, responses(
    (status = 200, body = NeedDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn whistle(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>, b: LaterJson<WhistleBody>) -> ApiResult {
    needs::get(&s.db, &ctx.actor, id).await?;
    let b = b.body()?;
    let w = needs::Whistling { version: b.version, organizations: b.organizations, hours: b.hours, note: b.note };
    let n = needs::whistle(&s.db, &ctx.actor, s.now(), id, w).await?;
    Ok(Json(need_dto(&s, &n).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ReportBody {
    organization_id: i64,
    #[serde(default)]
    note: String,
}

/// 各方报到: a whistled organization acknowledges.
#[utoipa::path(post, path = "/api/v1/needs/{id}/reports", params(("id" = i64, Path)), request_body = ReportBody, responses(
    (status = 204, description = "Reported"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn report(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>, b: LaterJson<ReportBody>) -> ApiResult {
    needs::reporter(&s.db, &ctx.actor, id).await?;
    let b = b.body()?;
    needs::report(&s.db, &ctx.actor, s.now(), id, b.organization_id, &b.note).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The caller's household's needs.
#[utoipa::path(get, path = "/api/v1/my/needs", responses((status = 200, body = Vec<NeedDto>)))]
async fn mine(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let list = needs::mine(&s.db, &ctx.actor).await?;
    Ok(Json(dtos(&s, &list).await?).into_response())
}

/// Needs assigned to the caller or their organizations.
#[utoipa::path(get, path = "/api/v1/my/tasks", responses((status = 200, body = Vec<NeedDto>)))]
async fn tasks(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let list = needs::assigned_to_me(&s.db, &ctx.actor).await?;
    Ok(Json(dtos(&s, &list).await?).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct SimilarDto {
    need: NeedDto,
    /// 0–1: shared words of title and description, plus 0.1 for the same category.
    score: f64,
}

/// N6: open individual needs that read like this one (duplicates, or candidates for a common need).
#[utoipa::path(get, path = "/api/v1/needs/{id}/similar", params(("id" = i64, Path)), responses((status = 200, body = Vec<SimilarDto>)))]
async fn similar(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>) -> ApiResult {
    let (n, _) = needs::get(&s.db, &ctx.actor, id).await?;
    let list = needs::similar(&s.db, &ctx.actor, &n, 20).await?;
    let mut out = Vec::with_capacity(list.len());
    for (x, score) in &list {
        out.push(SimilarDto { need: need_dto(&s, x).await?, score: *score });
    }
    Ok(Json(out).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct GroupBody {
    /// Title of the common need.
    title: String,
    /// At least two open individual needs of one community.
    needs: Vec<i64>,
}

/// N6: groups individual needs into a new common need (共性需求).
#[utoipa::path(post, path = "/api/v1/needs/groups", request_body = GroupBody, responses((status = 201, body = NeedDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn group(State(s): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<GroupBody>) -> ApiResult {
    let ids: Vec<NeedId> = b.needs.iter().copied().map(NeedId::from).collect();
    let n = needs::group(&s.db, &ctx.actor, s.now(), &b.title, &ids).await?;
    Ok((StatusCode::CREATED, Json(need_dto(&s, &n).await?)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct PhotoDto {
    id: i64,
    content_type: String,
    size: i64,
    /// Where the photo is served to people who may read the need.
    url: String,
}

/// Attaches a photo (the request body: a JPEG, PNG or WebP image of at most 5 MB).
#[utoipa::path(post, path = "/api/v1/needs/{id}/photos", params(("id" = i64, Path)), request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = PhotoDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_photo(State(s): State<AppState>, ctx: Ctx, Id(id): Id<NeedId>, body: axum::body::Bytes) -> ApiResult {
    let p = wushe_app::needs::photos::attach(&s.db, &ctx.actor, s.now(), &s.data_dir, id, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(PhotoDto {
            id: p.id,
            content_type: p.content_type,
            size: p.size,
            url: format!("/needs/{id}/photos/{}", p.id),
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct BulkItem {
    id: i64,
    /// The version the caller saw; a need changed since is reported, not overwritten.
    version: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct BulkBody {
    /// `org:ID` or `user:ID`.
    assignee: String,
    needs: Vec<BulkItem>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    id: i64,
    ok: bool,
    /// Stable problem code when not ok (e.g. `conflict`, `invalid_input`, `not_found`).
    error: Option<String>,
}

/// Assigns many needs at once; each succeeds or fails on its own.
#[utoipa::path(post, path = "/api/v1/communities/{code}/needs/bulk-assign", params(("code" = String, Path)), request_body = BulkBody,
    responses((status = 200, body = Vec<BulkResult>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn bulk_assign(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult {
    let e = err(&ctx);
    areas::visible(&s.db, &ctx.actor, Action::NeedManage, &code).await?;
    if b.needs.is_empty() {
        return Err(e(FieldError::new("needs", "errors.bulk.none").into()));
    }
    let assignee = needs::Assignee::parse(&b.assignee).map_err(|x| e(x.into()))?;
    let items: Vec<(NeedId, i64)> = b.needs.iter().map(|x| (NeedId::from(x.id), x.version)).collect();
    let results = needs::bulk_assign(&s.db, &ctx.actor, s.now(), &items, assignee).await;
    Ok(Json(
        results
            .into_iter()
            .map(|(id, r)| BulkResult {
                id: id.get(),
                ok: r.is_ok(),
                error: r.err().map(|x| crate::shell::error::classify(&x).1.to_string()),
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ViewDto {
    id: i64,
    name: String,
    /// Ledger query string, e.g. `status=open&category=repairs&overdue=1`.
    query: String,
}

/// The caller's saved ledger views in a community.
#[utoipa::path(get, path = "/api/v1/communities/{code}/needs/views", params(("code" = String, Path)), responses((status = 200, body = Vec<ViewDto>)))]
async fn list_views(State(s): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> ApiResult {
    let e = err(&ctx);
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedRead, &code).await?;
    let community = areas::by_id(&s.db, area.community_id.ok_or_else(|| e(AppError::NotFound))?).await?;
    let list = needs::views(&s.db, &ctx.actor, &community).await?;
    Ok(Json(list.into_iter().map(|v| ViewDto { id: v.id, name: v.name, query: v.query }).collect::<Vec<_>>())
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ViewBody {
    name: String,
    query: String,
}

/// Saves ledger filters under a name.
#[utoipa::path(post, path = "/api/v1/communities/{code}/needs/views", params(("code" = String, Path)), request_body = ViewBody,
    responses((status = 201, body = ViewDto), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn save_view(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<ViewBody>,
) -> ApiResult {
    let e = err(&ctx);
    let area = areas::visible(&s.db, &ctx.actor, Action::NeedRead, &code).await?;
    let community = areas::by_id(&s.db, area.community_id.ok_or_else(|| e(AppError::NotFound))?).await?;
    let v = needs::save_view(&s.db, &ctx.actor, s.now(), &community, &b.name, &b.query).await?;
    Ok((StatusCode::CREATED, Json(ViewDto { id: v.id, name: v.name, query: v.query })).into_response())
}

/// Deletes one of the caller's views.
#[utoipa::path(delete, path = "/api/v1/needs/views/{id}", params(("id" = i64, Path)), responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete_view(State(s): State<AppState>, ctx: Ctx, Id(id): Id) -> ApiResult {
    needs::delete_view(&s.db, &ctx.actor, s.now(), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
