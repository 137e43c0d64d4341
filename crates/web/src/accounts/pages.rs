//! Sign-in, sign-out, the account page and display preferences (language, large text).

use crate::shell::AppState;
use crate::shell::cookies::{LANG_COOKIE, LARGE_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookies};
use crate::shell::ctx::{ClientAddr, Ctx, LoginLimiter, safe_next};
use crate::shell::error::PageResult;
use crate::shell::error::WebError;
use crate::shell::i18n::Lang;
use crate::shell::layout::html;
use crate::shell::layout::{Layout, home_community, role_key};
use crate::shell::registry::Registry;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wushe_app::AppError;
use wushe_app::accounts;
use wushe_domain::access::Action;

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/", Action::Public, home);
    r.page(Method::GET, "/healthz", Action::Public, healthz);
    r.page(Method::GET, "/static/app.css", Action::Public, css);
    r.page(Method::GET, "/design", Action::Public, crate::shell::design::page);
    r.page(Method::GET, "/login", Action::Public, login_form);
    r.page(Method::POST, "/login", Action::Public, login);
    r.page(Method::POST, "/logout", Action::OwnAccount, logout);
    r.page(Method::GET, "/account", Action::OwnAccount, account);
    r.page(Method::POST, "/account/email", Action::OwnAccount, set_email);
    r.page(Method::GET, "/prefs/lang/{code}", Action::Public, set_lang);
    r.page(Method::GET, "/prefs/large/{mode}", Action::Public, set_large);
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
}

async fn home(State(s): State<AppState>, ctx: Ctx) -> Response {
    if ctx.user.is_some() {
        // A street officer starts from the street, side by side; everyone else from their community.
        let home = ctx.actor.grants.home();
        if let (None, Some(street)) = (&home.community, &home.street) {
            return Redirect::to(&format!("/streets/{street}")).into_response();
        }
        // In emergency mode the situation board is everyone's home page.
        if let Some(e) = ctx.emergency.iter().find(|e| !e.drill).or(ctx.emergency.first()) {
            return Redirect::to(&format!("/incidents/{}", e.incident_id)).into_response();
        }
        if let Some(c) = home_community(&s, &ctx).await {
            return Redirect::to(&format!("/communities/{c}")).into_response();
        }
        return Redirect::to("/account").into_response();
    }
    html(&HomePage { l: Layout::new(&ctx, "page.home.title") })
}

async fn healthz(State(s): State<AppState>) -> Response {
    match s.db.ping().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    login_csrf: String,
    next: String,
    username: String,
    errors: Vec<crate::shell::error::FormError>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn random_hex() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>, http_only: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if state.secure_cookies {
        c.push_str("; Secure");
    }
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn login_form(State(s): State<AppState>, ctx: Ctx, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    let existing = cookies(&headers).get(LOGIN_CSRF_COOKIE).cloned();
    let token = existing.clone().unwrap_or_else(random_hex);
    let page = LoginPage {
        l: Layout::new(&ctx, "page.login.title"),
        login_csrf: token.clone(),
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        errors: vec![],
    };
    let mut r = html(&page);
    if existing.is_none() {
        r.headers_mut().append(header::SET_COOKIE, cookie(&s, LOGIN_CSRF_COOKIE, &token, None, true));
    }
    r
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// Signs in and returns the session cookie, or the error to show. Shared with the API.
///
/// Failures are counted per account and client address (every spelling of a phone number
/// is the account it names), so guessing from one address locks that address out of that
/// account while its owner can still sign in from elsewhere; one address guessing many
/// accounts is limited as well. Each failure is audited.
pub async fn sign_in(
    s: &AppState,
    username: &str,
    password: &str,
    client: &str,
) -> Result<(accounts::User, HeaderValue), AppError> {
    let now = s.now();
    let account = accounts::account_of(&s.db, username).await?;
    let name_key = match account {
        Some(id) => format!("user:{id}|{client}"),
        None => format!("name:{}|{client}", username.trim().to_lowercase()),
    };
    let client_key = format!("client:{client}");
    if !s.limiter.allowed(&name_key, LoginLimiter::MAX_FAILURES, now)
        || !s.limiter.allowed(&client_key, LoginLimiter::MAX_FAILURES_PER_CLIENT, now)
    {
        return Err(AppError::RateLimited);
    }
    match accounts::authenticate(&s.db, username, password).await {
        Ok(user) => {
            s.limiter.succeeded(&name_key);
            let session = accounts::create_session(&s.db, user.id, now).await?;
            let max_age = accounts::SESSION_TTL_MILLIS / 1000;
            Ok((user, cookie(s, SESSION_COOKIE, &session.token, Some(max_age), true)))
        }
        Err(e) => {
            s.limiter.failed(&name_key, now);
            s.limiter.failed(&client_key, now);
            accounts::record_failed_login(&s.db, now, account, client).await?;
            Err(e)
        }
    }
}

async fn login(State(s): State<AppState>, ctx: Ctx, client: ClientAddr, Form(f): Form<LoginForm>) -> Response {
    let t = ctx.t();
    match sign_in(&s, &f.username, &f.password, &client.0).await {
        Ok((_, c)) => {
            let mut r = Redirect::to(&safe_next(Some(&f.next))).into_response();
            r.headers_mut().append(header::SET_COOKIE, c);
            r
        }
        Err(e @ (AppError::Invalid(_) | AppError::RateLimited)) => {
            let msg = match &e {
                AppError::RateLimited => t.t("errors.login.rate_limited").to_string(),
                _ => t.t("errors.login.failed").to_string(),
            };
            let page = LoginPage {
                l: Layout::new(&ctx, "page.login.title"),
                login_csrf: f.csrf,
                next: safe_next(Some(&f.next)),
                username: f.username,
                errors: vec![msg.into()],
            };
            let status = if matches!(e, AppError::RateLimited) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (status, html(&page)).into_response()
        }
        Err(e) => WebError::page(e, t).into_response(),
    }
}

async fn logout(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookies(&headers).get(SESSION_COOKIE)
        && let Err(e) = accounts::end_session(&s.db, token, s.now()).await
    {
        return WebError::page(e, crate::shell::i18n::T(Lang::ZhCn)).into_response();
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie(&s, SESSION_COOKIE, "", Some(0), true));
    r
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    username: String,
    phone: String,
    email: String,
    errors: Vec<crate::shell::error::FormError>,
    grants: Vec<(String, String, String)>,
}

async fn account(State(s): State<AppState>, ctx: Ctx) -> PageResult {
    account_page(&s, &ctx, None, vec![]).await
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// Sets where the account's e-mail notifications go; a bad address shows the form again.
async fn set_email(State(s): State<AppState>, ctx: Ctx, Form(f): Form<EmailForm>) -> PageResult {
    let t = ctx.t();
    let user = ctx.user.clone().ok_or(WebError::page(AppError::Unauthenticated, t))?;
    let parsed = wushe_domain::people::parse_email(&f.email).map_err(AppError::from);
    match parsed {
        Ok(email) => {
            accounts::set_email(&s.db, &ctx.actor, s.now(), user.id, email).await?;
            Ok(crate::shell::flash::redirect(
                "/account",
                crate::shell::flash::Flash::success(t.t("flash.account.email_saved")),
            ))
        }
        Err(e) => {
            let (status, messages) = crate::shell::error::form_problems(&e, t);
            let mut page = account_page(&s, &ctx, Some(f.email), messages).await?;
            *page.status_mut() = status;
            Ok(page)
        }
    }
}

async fn account_page(
    s: &AppState,
    ctx: &Ctx,
    typed: Option<String>,
    errors: Vec<crate::shell::error::FormError>,
) -> PageResult {
    let (s, ctx) = (s.clone(), ctx.clone());
    let t = ctx.t();
    let user = ctx.user.clone().ok_or(WebError::page(AppError::Unauthenticated, t))?;
    let email = match typed {
        Some(e) => e,
        None => accounts::email_of(&s.db, user.id).await?.unwrap_or_default(),
    };
    let grants = accounts::grant_list(&s.db, user.id).await?;
    Ok(html(&AccountPage {
        l: Layout::new(&ctx, "page.account.title"),
        username: user.username.clone(),
        phone: user
            .phone
            .as_deref()
            .and_then(|p| wushe_domain::people::PhoneNumber::parse(p).ok())
            .map(|p| p.masked())
            .unwrap_or_default(),
        email,
        errors,
        grants: grants.into_iter().map(|(r, code, name)| (t.t(role_key(r)).to_string(), name, code)).collect(),
    }))
}

async fn set_lang(State(s): State<AppState>, Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let mut r = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie(&s, LANG_COOKIE, lang.code(), Some(365 * 86400), false));
    r
}

async fn set_large(State(s): State<AppState>, Path(mode): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let on = mode == "on";
    let mut r = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, cookie(&s, LARGE_COOKIE, if on { "1" } else { "0" }, Some(365 * 86400), false));
    r
}
