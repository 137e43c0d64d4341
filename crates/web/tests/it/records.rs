//! Every item route × every role × where the record lies (needs, claims, people, areas,
//! resources, organizations): the reader's own household, another
//! household of the same grid, another grid of the same community, another community. The
//! expectation is stated here by hand, apart from the code's policy, so a handler that forgets
//! the record-level check (or checks it after reading the body) fails.

use super::routes::{account_role, expected};
use reqwest::StatusCode;
use wushe_app::needs::{self, NeedForm};
use wushe_app::{Actor, areas};
use wushe_domain::access::Action;
use wushe_testkit::sqlx;
use wushe_testkit::{Engine, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// resident.s's own household (grid 1 of S社区).
    OwnHousehold,
    /// Another household in grid 1.
    OtherHousehold,
    /// A household in grid 2 of S社区.
    OtherGrid,
    /// A household of A社区.
    OtherCommunity,
}

const PLACES: [Place; 4] = [Place::OwnHousehold, Place::OtherHousehold, Place::OtherGrid, Place::OtherCommunity];

/// The accounts that ask, one per role plus another community's admin.
const ACCOUNTS: [&str; 10] = [
    "resident.s",
    "grid.s1",
    "admin.s",
    "social.s",
    "street.s",
    "volunteer.s",
    "org.s",
    "donor.s",
    "foundation.s",
    "admin.a",
];

/// Which places an account's grants cover, by hand: a resident their household, a grid worker
/// their grid, community staff and the street officer their community, A社区's admin only A.
fn covers(account: &str, place: Place) -> bool {
    match account {
        "resident.s" => place == Place::OwnHousehold,
        "grid.s1" => matches!(place, Place::OwnHousehold | Place::OtherHousehold),
        "admin.a" => place == Place::OtherCommunity,
        _ => place != Place::OtherCommunity,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Need,
    Person,
    Area,
    Resource,
    Organization,
}

fn entity_of(path: &str) -> Option<Entity> {
    if path.contains("{photo}") || path.contains("{exception}") || path.starts_with("/n/") {
        // A photo or an exception needs a second id; the short link is public and redirects.
        return None;
    }
    let p = path.trim_start_matches("/api/v1");
    if p.starts_with("/needs/{id}") || p.starts_with("/claims/{id}") {
        Some(Entity::Need)
    } else if p.starts_with("/people/{id}") {
        Some(Entity::Person)
    } else if p.starts_with("/areas/{code}") {
        Some(Entity::Area)
    } else if p.starts_with("/resources/{id}") {
        Some(Entity::Resource)
    } else if p.starts_with("/organizations/{id}") {
        Some(Entity::Organization)
    } else {
        None
    }
}

/// Whether the record-level rules let `account` reach `route` on a record at `place` (the
/// route's own action is checked apart, by [`expected`]).
fn record_allows(account: &str, entity: Entity, place: Place, method: &str, path: &str) -> bool {
    let staff = matches!(account, "grid.s1" | "admin.s" | "social.s" | "street.s" | "admin.a");
    match entity {
        // People and areas: whoever's grants cover the place (the route says which roles).
        Entity::Person | Entity::Area => return covers(account, place),
        // A community's equipment: read by whoever's grants cover the place; edited, its stock
        // moved and its hours changed only by the curators of its community.
        Entity::Resource => {
            let curator = matches!(account, "admin.s" | "social.s" | "admin.a");
            let reads = covers(account, place);
            return if method == "GET" && !path.ends_with("/edit") { reads } else { reads && curator };
        }
        // An organization (a building's self-governance group): read by whoever's grants
        // cover its place; members added by the community's admin and social worker.
        Entity::Organization => {
            let curator = matches!(account, "admin.s" | "social.s" | "admin.a");
            let reads = covers(account, place);
            return if method == "GET" { reads } else { reads && curator };
        }
        Entity::Need => {}
    }
    // A need is read by the staff of its area and by its household's resident; any reader may
    // comment (a step); photos come from its requester and its managers, not the street
    // officer; the full contact to the same; whistles, reports, grouping and listing from a
    // manager of its area. Nobody holds
    // a claim on these needs, so releasing one is refused to all.
    let reads = covers(account, place) && (staff || account == "resident.s");
    let manages = covers(account, place) && matches!(account, "grid.s1" | "admin.s" | "social.s" | "admin.a");
    let p = path.trim_start_matches("/api/v1");
    if method == "GET" || p.ends_with("/step") || p.ends_with("/events") {
        reads
    } else if p.ends_with("/photos") {
        reads && account != "street.s"
    } else if p.contains("/release") {
        false
    } else if p.ends_with("/contact") {
        // The requester's full phone: staff who may read residents' sensitive data there
        // (not the street officer) and the household itself.
        reads && account != "street.s"
    } else {
        manages
    }
}

async fn household(app: &TestApp, place: Place) -> String {
    let fixed = match place {
        Place::OwnHousehold => "510104001001010010001",
        Place::OtherHousehold => "510104001001010010002",
        Place::OtherGrid => "510104001001020010001",
        Place::OtherCommunity => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    let r: (String,) = sqlx::query_as(
        "SELECT code FROM areas WHERE kind = 'household' AND code LIKE '310106001001%' ORDER BY code LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    r.0
}

/// A need about the household at `code`, recorded by the operator (not tied to any account).
async fn need_at(app: &TestApp, code: &str) -> i64 {
    let op = Actor::operator();
    let home = areas::by_code(&app.db, code).await.unwrap();
    let community = areas::by_id(&app.db, home.community_id.unwrap()).await.unwrap();
    let category = needs::active_categories(&app.db, community.id).await.unwrap().remove(0).code;
    let form = NeedForm {
        area_code: code.into(),
        household_code: code.into(),
        category,
        title: format!("楼道照明坏了 {code}"),
        description: "三楼的声控灯不亮，老人晚上上下楼不安全。".into(),
        channel: "visit".into(),
        ..Default::default()
    };
    let new = needs::parse_form(&app.db, &op, &community, &form).await.unwrap();
    needs::submit(&app.db, &op, app.state.now(), new).await.unwrap().id.get()
}

/// The community's own equipment kept at the household at `code`.
async fn resource_at(app: &TestApp, code: &str) -> i64 {
    let form = wushe_app::resources::ResourceForm {
        area_code: code.into(),
        kind: "equipment".into(),
        name: format!("轮椅 {code}"),
        quantity: "2".into(),
        unit: "台".into(),
        ..Default::default()
    };
    let new = form.parse().unwrap();
    wushe_app::resources::create(&app.db, &Actor::operator(), app.state.now(), new).await.unwrap().id.get()
}

/// A self-governance group of the household at `code` (a 楼栋自治小组 in miniature).
async fn organization_at(app: &TestApp, code: &str) -> i64 {
    let form = wushe_app::organizations::OrganizationForm {
        area_code: code.into(),
        kind: "self_governance_group".into(),
        name: format!("楼栋自治小组 {code}"),
        ..Default::default()
    };
    let new = form.parse().unwrap();
    wushe_app::organizations::create(&app.db, &Actor::operator(), app.state.now(), new).await.unwrap().id.get()
}

async fn person_at(app: &TestApp, code: &str) -> i64 {
    super::http::person_in(app, code).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_item_route_for_every_role_and_record_follows_the_policy() {
    let app = TestApp::spawn(Engine::Sqlite, "record_matrix").await.expect("sqlite");
    let mut records = Vec::new();
    for place in PLACES {
        let code = household(&app, place).await;
        let ids = [
            need_at(&app, &code).await,
            person_at(&app, &code).await,
            resource_at(&app, &code).await,
            organization_at(&app, &code).await,
        ];
        records.push((place, ids, code));
    }
    let routes: Vec<_> =
        wushe_web::route_table(app.state.clone()).into_iter().filter(|r| entity_of(r.path).is_some()).collect();
    assert!(routes.len() >= 25, "only {} item routes", routes.len());
    let mut checked = 0;
    let mut wrong = Vec::new();
    for account in ACCOUNTS {
        let client = app.login_as(account).await;
        let csrf = app.csrf(&client).await;
        for r in &routes {
            let entity = entity_of(r.path).unwrap();
            for (place, [need, person, resource, organization], code) in &records {
                let id = match entity {
                    Entity::Need => need.to_string(),
                    Entity::Person => person.to_string(),
                    Entity::Resource => resource.to_string(),
                    Entity::Organization => organization.to_string(),
                    Entity::Area => code.clone(),
                };
                let path = r.path.replace("{id}", &id).replace("{code}", &id);
                let req = client.request(r.method.clone(), app.url(&path));
                let req = match (r.kind, r.method.as_str()) {
                    (wushe_web::Kind::Page, "POST") => req.form(&[("csrf", csrf.as_str())]),
                    (wushe_web::Kind::Api, "POST" | "PUT") => req.json(&serde_json::json!({})),
                    _ => req,
                };
                let status = req.send().await.unwrap().status();
                let role = account_role(account);
                let allow = expected(Some(role), r.action)
                    && (r.action == Action::Public
                        || record_allows(account, entity, *place, r.method.as_str(), r.path));
                let refused = matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND);
                assert!(!status.is_server_error(), "{account} {} {path}: {status}", r.method);
                if allow == refused {
                    wrong
                        .push(format!("{account} {} {path} ({place:?}): {status}, expected allowed={allow}", r.method));
                }
                checked += 1;
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {checked} wrong:\n{}", wrong.len(), wrong.join("\n"));
    assert_eq!(checked, routes.len() * ACCOUNTS.len() * PLACES.len());
}
