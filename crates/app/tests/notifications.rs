//! A2: a message queued while its channel is down is delivered once the channel is back,
//! exactly once per recipient, by e-mail (SMTP) and by SMS webhook.

use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use wushe_app::needs::{self, Assignee, NeedForm, Step};
use wushe_app::notifications::{self, Channels};
use wushe_app::{Actor, Db, areas};
use wushe_domain::access::{Grant, Grants, Role};
use wushe_domain::needs::EventKind;
use wushe_testkit::{Engine, seeded_db, sqlx};

const T0: i64 = 1_894_064_400_000;

/// A webhook receiver that can be switched off (503) and counts what it accepted.
async fn webhook(up: Arc<AtomicBool>, got: Arc<Mutex<Vec<serde_json::Value>>>) -> String {
    use axum::{Json, Router, http::StatusCode, routing::post};
    let app = Router::new().route(
        "/sms",
        post(move |Json(v): Json<serde_json::Value>| {
            let (up, got) = (up.clone(), got.clone());
            async move {
                if !up.load(Ordering::SeqCst) {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                got.lock().unwrap().push(v);
                StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    url
}

/// A tiny SMTP relay on `addr` that records each message's DATA.
fn smtp_relay(listener: std::net::TcpListener, got: Arc<Mutex<Vec<String>>>, count: Arc<AtomicUsize>) {
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut w = stream.try_clone().unwrap();
            let mut r = BufReader::new(stream);
            let _ = w.write_all(b"220 test ESMTP\r\n");
            let mut data = String::new();
            let mut in_data = false;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if in_data {
                    if line == ".\r\n" {
                        in_data = false;
                        got.lock().unwrap().push(std::mem::take(&mut data));
                        count.fetch_add(1, Ordering::SeqCst);
                        let _ = w.write_all(b"250 queued\r\n");
                    } else {
                        data.push_str(&line);
                    }
                    continue;
                }
                let reply: &[u8] = match &line[..4.min(line.len())] {
                    "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
                    "DATA" => {
                        in_data = true;
                        b"354 go ahead\r\n"
                    }
                    "QUIT" => {
                        let _ = w.write_all(b"221 bye\r\n");
                        break;
                    }
                    _ => b"250 ok\r\n",
                };
                let _ = w.write_all(reply);
            }
        }
    });
}

fn render(kind: &str, title: &str, body: &str) -> (String, String) {
    (format!("[{kind}] {title}"), body.to_string())
}

async fn body(db: Db, engine: Engine) {
    // The grid worker who will be assigned can be reached by e-mail and SMS.
    sqlx::query("UPDATE users SET email = 'grid1@example.org' WHERE username = 'grid.s1'")
        .execute(&db.pool)
        .await
        .unwrap();
    let uid = |name: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_as::<_, (i64,)>("SELECT id FROM users WHERE username = $1")
                .bind(name)
                .fetch_one(&db.pool)
                .await
                .unwrap()
                .0
        }
    };
    let grid1 = uid("grid.s1").await;
    let community = areas::by_code(&db, "510104001001").await.unwrap();
    let admin = Actor {
        user_id: Some(uid("admin.s").await),
        grants: Grants {
            signed_in: true,
            grants: vec![Grant { role: Role::CommunityAdmin, area_path: community.path.clone() }],
        },
        operator: false,
    };
    let form = NeedForm {
        household_code: "510104001001010010001".into(),
        category: "repairs".into(),
        title: "楼道灯不亮".into(),
        description: "楼道灯不亮，老人上下楼容易摔倒。".into(),
        channel: "hotline".into(),
        ..Default::default()
    };
    let new = needs::parse_form(&db, &admin, &community, &form).await.unwrap();
    let n = needs::submit(&db, &admin, T0, new).await.unwrap();
    // Both channels are down when the need is assigned.
    let up = Arc::new(AtomicBool::new(false));
    let hooks = Arc::new(Mutex::new(Vec::new()));
    let hook_url = webhook(up.clone(), hooks.clone()).await;
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let smtp_addr = reserved.local_addr().unwrap().to_string();
    drop(reserved);
    let channels = Channels {
        smtp: Some(smtp_addr.clone()),
        smtp_from: "wushe@example.org".into(),
        webhook: Some(hook_url),
        render: Some(render),
    };
    let step = Step {
        event: EventKind::Assigned,
        version: n.version,
        note: "请尽快维修".into(),
        assignee: Some(Assignee::User(grid1)),
        rating: String::new(),
        merge_into: None,
    };
    needs::step(&db, &admin, T0 + 1000, n.id, step).await.unwrap();
    let inbox = notifications::inbox(&db, grid1, 10).await.unwrap();
    assert_eq!(inbox[0].kind, "assigned", "{engine:?}");
    assert_eq!(inbox[0].title, "楼道灯不亮");
    // The grid worker serving the household also heard of the need when it was filed.
    assert_eq!(inbox[1].kind, "submitted", "{engine:?}");
    assert_eq!(
        notifications::inbox(&db, uid("admin.s").await, 10).await.unwrap().len(),
        0,
        "admins hear of it only where no grid worker serves"
    );
    let round = notifications::dispatch(&db, &channels, T0 + 2000).await.unwrap();
    assert_eq!((round.sent, round.failed), (0, 4), "{engine:?}: both channels down, two messages each");
    // Nothing is retried before its back-off has passed.
    assert_eq!(notifications::dispatch(&db, &channels, T0 + 3000).await.unwrap(), notifications::Round::default());
    // The channels come back.
    up.store(true, Ordering::SeqCst);
    let smtp_got = Arc::new(Mutex::new(Vec::new()));
    let smtp_count = Arc::new(AtomicUsize::new(0));
    smtp_relay(std::net::TcpListener::bind(&smtp_addr).unwrap(), smtp_got.clone(), smtp_count.clone());
    let later = T0 + 2000 + notifications::backoff_millis(0);
    assert_eq!(notifications::dispatch(&db, &channels, later).await.unwrap().sent, 4);
    for k in 1..4 {
        assert_eq!(
            notifications::dispatch(&db, &channels, later + k * 3_600_000).await.unwrap().sent,
            0,
            "never twice"
        );
    }
    let hooks = hooks.lock().unwrap().clone();
    assert_eq!(hooks.len(), 2);
    assert!(hooks.iter().all(|h| h["to"] == "13900000003"));
    assert!(hooks.iter().all(|h| h["title"].as_str().unwrap().contains("楼道灯不亮")));
    assert_eq!(smtp_count.load(Ordering::SeqCst), 2);
    let mails = smtp_got.lock().unwrap().clone();
    assert!(mails.iter().all(|m| m.contains("To: <grid1@example.org>")), "{mails:?}");
    assert!(mails.iter().any(|m| m.contains("请尽快维修")), "{mails:?}");
    assert_eq!(notifications::outbox_counts(&db).await.unwrap(), vec![("sent".to_string(), 4)]);
    // Marking read is the owner's alone.
    assert!(notifications::mark_read(&db, uid("admin.s").await, inbox[0].id, T0).await.is_err());
    notifications::mark_read(&db, grid1, inbox[0].id, T0).await.unwrap();
    assert_eq!(notifications::unread(&db, grid1).await.unwrap(), 1, "the other one is still unread");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_queued_while_its_channel_is_down_is_delivered_exactly_once_when_it_is_back() {
    for engine in Engine::BOTH {
        if let Some(db) = seeded_db(engine, "outbox").await {
            body(db, engine).await;
        }
    }
}
