//! Every route × every role: allowed or denied exactly as the policy below says. The policy is
//! written here independently of the code's, with an exhaustive match, so a new action or a
//! route registered with the wrong action fails this test.

use reqwest::StatusCode;
use wushe_domain::access::{Action, Role};
use wushe_testkit::sqlx;
use wushe_testkit::{Engine, TestApp};

/// The intended policy, stated once more by hand.
pub(crate) fn expected(role: Option<Role>, action: Action) -> bool {
    use Role::*;
    let Some(role) = role else {
        return action == Action::Public;
    };
    let staff = matches!(role, StreetOfficer | CommunityAdmin | GridWorker | SocialWorker);
    match action {
        Action::Public | Action::OwnAccount | Action::OverviewRead => true,
        Action::AreaRead | Action::ResidentRead => staff,
        Action::ResidentReadSensitive => matches!(role, CommunityAdmin | GridWorker | SocialWorker),
        Action::ResidentWrite => matches!(role, CommunityAdmin | GridWorker),
        Action::AreaWrite => role == CommunityAdmin,
        Action::OrganizationRead => staff || matches!(role, OrgMember | Volunteer | FoundationOfficer | Donor),
        Action::OrganizationWrite => matches!(role, CommunityAdmin | SocialWorker),
        Action::AuditRead => matches!(role, CommunityAdmin | StreetOfficer),
        Action::NeedRead | Action::NeedMetricsRead => staff,
        Action::NeedOwn => role == Resident,
        Action::NeedRecord | Action::NeedManage => matches!(role, CommunityAdmin | GridWorker | SocialWorker),
        Action::NeedWork => matches!(role, CommunityAdmin | GridWorker | SocialWorker | OrgMember | Volunteer),
        Action::ResourceRead => staff || matches!(role, OrgMember | Volunteer | FoundationOfficer | Donor),
        Action::ResourceOwn => {
            matches!(role, CommunityAdmin | SocialWorker | OrgMember | Volunteer | FoundationOfficer | Donor)
        }
        Action::ResourceManage | Action::BookingManage => matches!(role, CommunityAdmin | SocialWorker),
        Action::NeedClaim => matches!(role, OrgMember | Volunteer),
        Action::FacilityBook => true,
        Action::OutboxManage => role == CommunityAdmin,
        Action::VolunteerRead => staff,
        Action::VolunteerManage => matches!(role, CommunityAdmin | SocialWorker),
        Action::ActivityOrganize => matches!(role, CommunityAdmin | SocialWorker | OrgMember),
        Action::HoursVerify => role == SocialWorker,
        Action::EmergencyRead => true,
        Action::EmergencyDeclare => matches!(role, CommunityAdmin | StreetOfficer),
        Action::EmergencyPlan => matches!(role, CommunityAdmin | SocialWorker),
        Action::EmergencyDuty => matches!(role, CommunityAdmin | GridWorker | SocialWorker | Volunteer),
    }
}

/// The role of a demo account (A社区's accounts have the same roles as S社区's).
pub(crate) fn account_role(account: &str) -> Role {
    let s_account = account.replace(".a1", ".s1").replace(".a", ".s");
    Role::ALL.into_iter().find(|r| account_for(*r) == s_account).expect("a demo account")
}

fn account_for(role: Role) -> &'static str {
    match role {
        Role::StreetOfficer => "street.s",
        Role::CommunityAdmin => "admin.s",
        Role::GridWorker => "grid.s1",
        Role::SocialWorker => "social.s",
        Role::OrgMember => "org.s",
        Role::Volunteer => "volunteer.s",
        Role::Donor => "donor.s",
        Role::FoundationOfficer => "foundation.s",
        Role::Resident => "resident.s",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_for_every_role_follows_the_policy() {
    let app = TestApp::spawn(Engine::Sqlite, "route_matrix").await.expect("sqlite");
    // Sample ids inside grid 1 of S社区, which every S account can reach.
    let person: (i64,) = sqlx::query_as(
        "SELECT id FROM people WHERE household_path LIKE '%/510104001001010010001/' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let org: (i64,) = sqlx::query_as("SELECT o.id FROM organizations o JOIN areas a ON a.id = o.community_id WHERE a.code = '510104001001' AND o.kind = 'volunteer_team'").fetch_one(&app.db.pool).await.unwrap();
    let routes = wushe_web::route_table(app.state.clone());
    assert!(routes.len() >= 30, "only {} routes registered", routes.len());
    let mut roles: Vec<Option<Role>> = vec![None];
    roles.extend(Role::ALL.into_iter().map(Some));
    let mut checked = 0;
    for role in roles {
        let mut client = match role {
            Some(r) => app.login_as(account_for(r)).await,
            None => TestApp::new_client(),
        };
        for r in &routes {
            let path = r
                .path
                .replace("/prefs/lang/{code}", "/prefs/lang/en")
                .replace("{code}", "510104001001")
                .replace("{mode}", "on")
                .replace("/people/{id}", &format!("/people/{}", person.0))
                .replace("{id}", &org.0.to_string());
            let csrf = if role.is_some() { app.csrf(&client).await } else { String::new() };
            let req = client.request(r.method.clone(), app.url(&path));
            let req = match (r.kind, r.method.as_str()) {
                (wushe_web::Kind::Page, "POST") => req.form(&[("csrf", csrf.as_str())]),
                (wushe_web::Kind::Api, "POST" | "PUT") => req.json(&serde_json::json!({})),
                _ => req,
            };
            let res = req.send().await.unwrap();
            let status = res.status();
            let location = res.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("").to_string();
            let to_login = status == StatusCode::SEE_OTHER && location.starts_with("/login");
            let allow = expected(role, r.action);
            let what = format!("{:?} {} {} as {:?}: {status} {location}", r.action, r.method, path, role);
            assert!(!status.is_server_error(), "{what}");
            // A 403 from the route's policy carries `x-wushe-denied: policy`; a handler may
            // still refuse one record (a street officer reads a need but may not add to it).
            let by_policy = res.headers().get("x-wushe-denied").is_some_and(|v| v == "policy");
            if allow {
                assert!(!by_policy && status != StatusCode::UNAUTHORIZED && !to_login, "should be allowed: {what}");
            } else if role.is_none() {
                assert!(to_login || status == StatusCode::UNAUTHORIZED, "anonymous should be asked to sign in: {what}");
            } else {
                assert!(status == StatusCode::FORBIDDEN && by_policy, "should be denied by policy: {what}");
            }
            checked += 1;
            // Signing out ends the session; sign in again for the remaining routes.
            let signed_out = path == "/logout" || (path == "/api/v1/session" && r.method == reqwest::Method::DELETE);
            if let Some(role) = role
                && allow
                && signed_out
            {
                client = app.login_as(account_for(role)).await;
            }
        }
    }
    assert_eq!(checked, routes.len() * 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_api_route() {
    let app = TestApp::spawn(Engine::Sqlite, "openapi").await.expect("sqlite");
    let doc: serde_json::Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for r in wushe_web::route_table(app.state.clone()) {
        if r.kind != wushe_web::Kind::Api || r.path == "/api/v1/openapi.json" {
            continue;
        }
        let method = r.method.as_str().to_ascii_lowercase();
        assert!(doc["paths"][r.path][&method].is_object(), "{} {} missing from the OpenAPI document", r.method, r.path);
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}
