//! The JSON API of accounts: sign in and out, the signed-in account.

use crate::shell::AppState;
use crate::shell::ctx::Ctx;
use crate::shell::ctx::api_err as err;
use crate::shell::error::{ApiResult, Problem};
use crate::shell::extract::ApiJson;
use crate::shell::registry::Registry;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use wushe_app::{AppError, accounts};
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.api(Method::POST, "/api/v1/session", Action::Public, create_session);
    r.api(Method::DELETE, "/api/v1/session", Action::OwnAccount, end_session);
    r.api(Method::GET, "/api/v1/me", Action::OwnAccount, me);
    r.api(Method::PUT, "/api/v1/me/email", Action::OwnAccount, set_email);
}

#[derive(OpenApi)]
#[openapi(paths(create_session, end_session, me, set_email))]
pub struct AccountsApi;

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    /// Username or mobile number.
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct GrantDto {
    role: String,
    area_code: String,
    area_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    username: String,
    display_name: String,
    /// Where e-mail notifications go, if anywhere.
    email: Option<String>,
    grants: Vec<GrantDto>,
}

async fn me_dto(s: &AppState, user: &accounts::User) -> Result<MeDto, AppError> {
    let grants = accounts::grant_list(&s.db, user.id).await?;
    Ok(MeDto {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        email: accounts::email_of(&s.db, user.id).await?,
        grants: grants
            .into_iter()
            .map(|(r, code, name)| GrantDto { role: r.code().into(), area_code: code, area_name: name })
            .collect(),
    })
}

/// Signs in; the answer sets the `wushe_session` cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginBody, responses(
    (status = 200, description = "Signed in; Set-Cookie carries the session", body = MeDto),
    (status = 422, description = "Wrong login or password", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json")))]
async fn create_session(
    State(s): State<AppState>,
    client: crate::shell::ctx::ClientAddr,
    ApiJson(b): ApiJson<LoginBody>,
) -> ApiResult {
    let (user, cookie) = crate::accounts::sign_in(&s, &b.username, &b.password, &client.0).await?;
    let mut r = Json(me_dto(&s, &user).await?).into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}

/// Signs out the session of the cookie.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204, description = "Signed out")))]
async fn end_session(State(s): State<AppState>, headers: HeaderMap) -> ApiResult {
    if let Some(token) = crate::shell::cookies::cookies(&headers).get(crate::shell::cookies::SESSION_COOKIE) {
        accounts::end_session(&s.db, token, s.now()).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct EmailBody {
    /// An address for e-mail notifications; empty to stop them.
    email: String,
}

/// Sets where the signed-in account's e-mail notifications go.
#[utoipa::path(put, path = "/api/v1/me/email", request_body = EmailBody, responses(
    (status = 200, body = MeDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_email(State(s): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<EmailBody>) -> ApiResult {
    let e = err(&ctx);
    let user = ctx.user.clone().ok_or_else(|| e(AppError::Unauthenticated))?;
    let email = wushe_domain::people::parse_email(&b.email).map_err(|x| e(x.into()))?;
    accounts::set_email(&s.db, &ctx.actor, s.now(), user.id, email).await?;
    Ok(Json(me_dto(&s, &user).await?).into_response())
}

/// The signed-in account and its grants.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeDto), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let user = ctx.user.clone().ok_or_else(|| err(&ctx)(AppError::Unauthenticated))?;
    Ok(Json(me_dto(&s, &user).await?).into_response())
}
