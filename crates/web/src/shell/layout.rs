//! Page chrome shared by every template: language, display mode, navigation for the person's
//! roles, and the CSRF token for forms.

use crate::shell::ctx::Ctx;
use crate::shell::i18n::T;
use crate::shell::manifest::{Href, NavEntry, Shown};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use wushe_domain::access::{Action, Decision};

/// Every capability's navigation entries, gathered when the router is built.
pub static NAV: std::sync::OnceLock<Vec<&'static NavEntry>> = std::sync::OnceLock::new();
/// Every capability's start actions (see `Manifest::start`).
pub static START: std::sync::OnceLock<Vec<&'static NavEntry>> = std::sync::OnceLock::new();

/// The links of `entries` the reader may follow, in rank order, addressed from their grants.
fn links(ctx: &Ctx, entries: &std::sync::OnceLock<Vec<&'static NavEntry>>) -> Vec<NavItem> {
    let g = &ctx.actor.grants;
    let allow = |a: Action| g.decide(a, None) == Decision::Allow;
    let mut entries: Vec<&NavEntry> = entries.get().map(|v| v.to_vec()).unwrap_or_default();
    entries.sort_by_key(|e| e.rank);
    let home = g.home();
    let mut out = Vec::new();
    for e in entries {
        let shown = match e.shown {
            Shown::Always => true,
            Shown::SignedIn => ctx.user.is_some(),
            Shown::Allowed(a) => allow(a),
            Shown::AllowedNot(a, b) => allow(a) && !allow(b),
        };
        let href = match (&e.href, &home.community, &home.street) {
            (Href::Community(p), Some(c), _) => p.replace("{c}", c),
            (Href::Street(p), None, Some(s)) => p.replace("{s}", s),
            (Href::Community(_), None, _) | (Href::Street(_), _, _) => continue,
            (Href::Fixed(p), _, _) => p.to_string(),
        };
        if shown {
            out.push(NavItem { href, label: e.label, active: false });
        }
    }
    out
}

/// The reader's start actions for their home page; the first is the primary one.
pub fn start_actions(ctx: &Ctx) -> Vec<NavItem> {
    links(ctx, &START)
}

/// Renders a page template; a template that fails is logged and answered with a bare 500.
pub fn html<P: Template>(page: &P) -> Response {
    match page.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
}

/// What `base.html` needs; every page template has a field `l: Layout`.
pub struct Layout {
    pub t: T,
    pub title: String,
    pub user: Option<String>,
    pub roles: Vec<&'static str>,
    pub csrf: String,
    pub large_text: bool,
    pub path: String,
    pub nav: Vec<NavItem>,
    /// The last action's message (see `shell::flash`).
    pub flash: Option<crate::shell::flash::Flash>,
    /// Active incidents of the reader's community, for the emergency banner.
    pub emergency: Vec<crate::shell::ctx::Banner>,
}

impl Layout {
    pub fn new(ctx: &Ctx, title_key: &str) -> Layout {
        let t = ctx.t();
        Self::with_title(ctx, t.t(title_key).to_string())
    }

    /// The chrome of a page. The navigation comes from the reader's grants alone, never
    /// from the page being read, so a grid's page does not turn its links into the grid's.
    pub fn with_title(ctx: &Ctx, title: String) -> Layout {
        let t = ctx.t();
        let mut nav = links(ctx, &NAV);
        // The one item whose address is the longest prefix of this page's is the current one.
        if let Some(best) = nav
            .iter_mut()
            .filter(|i| ctx.path == i.href || (i.href != "/" && ctx.path.starts_with(&format!("{}/", i.href))))
            .max_by_key(|i| i.href.len())
        {
            best.active = true;
        }
        Layout {
            t,
            title,
            user: ctx.user.as_ref().map(|u| u.display_name.clone()),
            roles: ctx.actor.grants.roles().iter().map(|r| role_key(*r)).collect(),
            csrf: ctx.csrf.clone(),
            large_text: ctx.large_text,
            path: ctx.path.clone(),
            nav,
            flash: ctx.flash.clone(),
            emergency: ctx.emergency.clone(),
        }
    }

    pub fn other_lang(&self) -> &'static str {
        match self.t.0 {
            crate::shell::i18n::Lang::ZhCn => "en",
            crate::shell::i18n::Lang::En => "zh-CN",
        }
    }
}

pub fn role_key(r: wushe_domain::access::Role) -> &'static str {
    use wushe_domain::access::Role::*;
    match r {
        StreetOfficer => "role.street_officer",
        CommunityAdmin => "role.community_admin",
        GridWorker => "role.grid_worker",
        SocialWorker => "role.social_worker",
        OrgMember => "role.org_member",
        Volunteer => "role.volunteer",
        Donor => "role.donor",
        FoundationOfficer => "role.foundation_officer",
        Resident => "role.resident",
    }
}

pub fn kind_key(k: wushe_domain::areas::AreaKind) -> String {
    format!("kind.area.{}", k.code())
}

pub fn org_kind_key(k: wushe_domain::organizations::OrganizationKind) -> String {
    format!("kind.org.{}", k.code())
}

pub fn post_key(p: wushe_domain::organizations::Post) -> String {
    format!("post.{}", p.code())
}

pub fn vul_key(v: wushe_domain::people::Vulnerability) -> String {
    format!("vul.{}", v.code())
}

/// Formats UTC milliseconds in China Standard Time (UTC+8, no daylight saving).
pub fn local_time(millis: i64) -> String {
    let tz = wushe_app::clock::local();
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|d| d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// UTC milliseconds as an RFC 3339 local time with its offset, as the API writes times.
pub fn rfc3339(ms: i64) -> String {
    let tz = wushe_app::clock::local();
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        .unwrap_or_default()
}

/// The community a person lands on: the first one they can reach.
pub async fn home_community(state: &crate::shell::AppState, ctx: &Ctx) -> Option<String> {
    wushe_app::areas::communities(&state.db, &ctx.actor, Action::OverviewRead)
        .await
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|a| a.code)
}

/// How long until `due` in words ("剩余 2 天 3 小时"), or how long past it; the flag says late.
pub fn time_left(t: T, now: i64, due: i64) -> (String, bool) {
    let late = now > due;
    let minutes = (due - now).unsigned_abs() / 60_000;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let span = if d > 0 {
        t.f("page.time.days_hours", &[&d, &h])
    } else if h > 0 {
        t.f("page.time.hours_minutes", &[&h, &m])
    } else {
        t.f("page.time.minutes", &[&m.max(1)])
    };
    (t.f(if late { "page.time.over" } else { "page.time.left" }, &[&span]), late)
}
