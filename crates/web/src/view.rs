//! Page chrome shared by every template: language, display mode, navigation for the person's
//! roles, and the CSRF token for forms.

use crate::ctx::Ctx;
use crate::i18n::T;
use wushe_domain::access::{Action, Decision};

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
    /// Codes of communities the person can reach, for the community switcher.
    pub home_community: Option<String>,
}

impl Layout {
    pub fn new(ctx: &Ctx, title_key: &str, home_community: Option<String>) -> Layout {
        let t = ctx.t();
        Self::with_title(ctx, t.t(title_key).to_string(), home_community)
    }

    pub fn with_title(ctx: &Ctx, title: String, home_community: Option<String>) -> Layout {
        let t = ctx.t();
        let g = &ctx.actor.grants;
        let allow = |a: Action| g.decide(a, None) == Decision::Allow;
        let mut nav: Vec<NavItem> = Vec::new();
        let mut push = |href: String, label: &'static str| nav.push(NavItem { href, label, active: false });
        if let Some(c) = &home_community {
            if allow(Action::OverviewRead) {
                push(format!("/communities/{c}"), "nav.overview");
            }
            if allow(Action::AreaRead) {
                push(format!("/areas/{c}"), "nav.areas");
            }
            if allow(Action::ResidentRead) {
                push(format!("/communities/{c}/residents"), "nav.residents");
            }
            if allow(Action::OrganizationRead) {
                push(format!("/communities/{c}/organizations"), "nav.organizations");
            }
            if allow(Action::NeedRead) {
                push(format!("/communities/{c}/needs"), "nav.needs");
                push(format!("/communities/{c}/map"), "nav.map");
            }
            if allow(Action::ResourceRead) {
                push(format!("/communities/{c}/resources"), "nav.resources");
            }
            push(format!("/communities/{c}/spaces"), "nav.spaces");
            if allow(Action::AuditRead) {
                push(format!("/communities/{c}/audit"), "nav.audit");
            }
            if allow(Action::OutboxManage) {
                push(format!("/communities/{c}/outbox"), "nav.outbox");
            }
        }
        if allow(Action::NeedOwn) {
            push("/my/needs".to_string(), "nav.my_needs");
        }
        if allow(Action::NeedWork) {
            push("/my/tasks".to_string(), "nav.my_tasks");
        }
        if allow(Action::NeedClaim) {
            push("/claims".to_string(), "nav.claims");
        }
        if allow(Action::ResourceOwn) && !allow(Action::ResourceManage) {
            push("/my/resources".to_string(), "nav.my_resources");
        }
        if ctx.user.is_some() {
            push("/my/bookings".to_string(), "nav.my_bookings");
        }
        push("/directory".to_string(), "nav.directory");
        if ctx.user.is_some() {
            push("/inbox".to_string(), "nav.inbox");
            push("/account".to_string(), "nav.account");
        }
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
            home_community,
        }
    }

    pub fn other_lang(&self) -> &'static str {
        match self.t.0 {
            crate::i18n::Lang::ZhCn => "en",
            crate::i18n::Lang::En => "zh-CN",
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

/// The community a person lands on: the first one they can reach.
pub async fn home_community(state: &crate::AppState, ctx: &Ctx) -> Option<String> {
    wushe_app::areas::communities(&state.db, &ctx.actor, Action::OverviewRead)
        .await
        .ok()
        .and_then(|v| v.into_iter().next())
        .map(|a| a.code)
}
