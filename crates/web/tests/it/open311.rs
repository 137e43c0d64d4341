//! Open311 GeoReport v2 as a client sees it, in JSON and XML, on both engines.

use reqwest::StatusCode;
use serde_json::Value;
use wushe_testkit::{Engine, TestApp};

const J: &str = "jurisdiction_id=510104001001";

async fn get(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let ct = r.headers().get("content-type").map(|c| c.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status(), ct, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_geo_report_client_discovers_posts_and_tracks_a_request() {
    for engine in Engine::BOTH {
        let Some(app) = TestApp::spawn(engine, "open311").await else { continue };
        // Discovery, in both formats.
        let (s, ct, body) = get(&app, "/open311/v2/discovery.json").await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/json; charset=utf-8"));
        let d: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(d["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
        assert_eq!(d["endpoints"][0]["formats"], serde_json::json!(["text/xml", "application/json"]));
        for k in ["changeset", "contact", "key_service"] {
            assert!(d[k].is_string(), "{k}");
        }
        let (_, ct, xml) = get(&app, "/open311/v2/discovery.xml").await;
        assert_eq!(ct, "text/xml; charset=utf-8");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<discovery><changeset>"));
        assert!(xml.contains("<formats><format>text/xml</format><format>application/json</format></formats>"));
        // Services of the jurisdiction (the community code).
        let (s, _, body) = get(&app, &format!("/open311/v2/services.json?{J}")).await;
        assert_eq!(s, StatusCode::OK);
        let services: Value = serde_json::from_str(&body).unwrap();
        let clutter =
            services.as_array().unwrap().iter().find(|x| x["service_code"] == "stairwell_clutter").expect("service");
        assert_eq!(
            (clutter["service_name"].as_str(), clutter["metadata"].as_bool(), clutter["type"].as_str()),
            (Some("楼道堆物"), Some(false), Some("realtime"))
        );
        let (_, _, xml) = get(&app, &format!("/open311/v2/services.xml?{J}")).await;
        assert!(
            xml.contains(
                "<services><service><service_code>property</service_code><service_name>物业纠纷</service_name>"
            )
        );
        let (_, _, body) = get(&app, &format!("/open311/v2/services/stairwell_clutter.json?{J}")).await;
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            serde_json::json!({"service_code": "stairwell_clutter", "attributes": []})
        );
        // Errors: the spec's shape, status codes and formats.
        let (s, _, body) = get(&app, "/open311/v2/services.json").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let e: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(e[0]["code"], 400);
        assert!(e[0]["description"].as_str().unwrap().contains("jurisdiction_id"));
        let (s, _, xml) = get(&app, "/open311/v2/services.xml?jurisdiction_id=999999999999").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(xml.contains("<errors><error><code>404</code><description>"));
        assert_eq!(get(&app, &format!("/open311/v2/services/ufo.json?{J}")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(get(&app, &format!("/open311/v2/tokens/abc.json?{J}")).await.0, StatusCode::NOT_FOUND);
        // POST needs an api_key of this jurisdiction.
        let key = wushe_app::open311::add_key(&app.db, &wushe_app::Actor::operator(), 0, "510104001001", "city-app")
            .await
            .unwrap();
        let grid1 = wushe_app::areas::by_code(&app.db, "51010400100101").await.unwrap();
        let (lat, lon) = wushe_app::open311::centroid(&grid1).unwrap();
        let form = |key: &str| {
            vec![
                ("api_key".to_string(), key.to_string()),
                ("jurisdiction_id".into(), "510104001001".into()),
                ("service_code".into(), "stairwell_clutter".into()),
                ("lat".into(), lat.to_string()),
                ("long".into(), lon.to_string()),
                ("address_string".into(), "3栋2单元楼道".into()),
                ("description".into(), "3栋2单元楼道堆满纸箱，影响消防通道。".into()),
                ("phone".into(), "13912345678".into()),
            ]
        };
        let r = app.client.post(app.url("/open311/v2/requests.json")).form(&form("wrong")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(r.json::<Value>().await.unwrap()[0]["code"], 403);
        let mut no_place = form(&key);
        no_place.retain(|(k, _)| !matches!(k.as_str(), "lat" | "long" | "address_string"));
        let r = app.client.post(app.url("/open311/v2/requests.json")).form(&no_place).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a location is required");
        let r = app.client.post(app.url("/open311/v2/requests.json")).form(&form(&key)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{engine:?}");
        let created: Value = r.json().await.unwrap();
        let id = created[0]["service_request_id"].as_str().unwrap().to_string();
        assert!(
            created[0]["service_notice"].is_string()
                && created[0]["account_id"].is_null()
                && created[0].get("token").is_none()
        );
        // The request is a need in grid 1's ledger, recorded through the Open311 channel.
        let admin = app.login_as("grid.s1").await;
        let n: Value = admin.get(app.url(&format!("/api/v1/needs/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(n["need"]["channel"], "open311");
        assert!(n["need"]["area_code"].as_str().unwrap().starts_with("51010400100101"));
        // Tracking it.
        let (s, _, body) = get(&app, &format!("/open311/v2/requests/{id}.json?{J}")).await;
        assert_eq!(s, StatusCode::OK);
        let one: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(one.as_array().unwrap().len(), 1);
        let req = &one[0];
        assert_eq!(
            (req["status"].as_str(), req["service_code"].as_str(), req["address"].as_str()),
            (Some("open"), Some("stairwell_clutter"), Some("3栋2单元楼道"))
        );
        assert!(req["lat"].is_f64() && req["requested_datetime"].as_str().unwrap().ends_with("+08:00"));
        let (_, _, xml) = get(&app, &format!("/open311/v2/requests/{id}.xml?{J}")).await;
        assert!(xml.contains(&format!(
            "<service_requests><request><service_request_id>{id}</service_request_id><status>open</status>"
        )));
        let (_, _, body) =
            get(&app, &format!("/open311/v2/requests.json?{J}&status=open&service_code=stairwell_clutter")).await;
        let list: Value = serde_json::from_str(&body).unwrap();
        assert!(list.as_array().unwrap().iter().any(|x| x["service_request_id"] == id.as_str()));
        assert!(
            list.as_array().unwrap().iter().all(|x| x["status"] == "open" && x["service_code"] == "stairwell_clutter")
        );
        // Individual needs recorded by staff are listed without their descriptions.
        let (_, _, body) = get(&app, &format!("/open311/v2/requests.json?{J}&service_code=legal,elderly_care")).await;
        let private: Value = serde_json::from_str(&body).unwrap();
        assert!(
            !private.as_array().unwrap().is_empty()
                && private.as_array().unwrap().iter().all(|x| x["description"].is_null())
        );
        // Filters are checked.
        for bad in
            ["start_date=yesterday", "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "status=lost"]
        {
            assert_eq!(
                get(&app, &format!("/open311/v2/requests.json?{J}&{bad}")).await.0,
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
        let (_, _, body) =
            get(&app, &format!("/open311/v2/requests.json?{J}&start_date=2030-01-01T00:00:00+08:00")).await;
        assert_eq!(body, "[]");
        // W3C-DTF dates without a time are read too (the day in China Standard Time).
        let (status, _, body) = get(&app, &format!("/open311/v2/requests.json?{J}&start_date=2030-01-01")).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "[]"));
        let (status, _, _) =
            get(&app, &format!("/open311/v2/requests.json?{J}&start_date=2026-10-01&end_date=2026-12-29")).await;
        assert_eq!(status, StatusCode::OK);
        // A revoked key stops working.
        wushe_app::open311::revoke_key(&app.db, &wushe_app::Actor::operator(), 1, "510104001001", "city-app")
            .await
            .unwrap();
        let r = app.client.post(app.url("/open311/v2/requests.xml")).form(&form(&key)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.text().await.unwrap().contains("<code>403</code>"));
    }
}
