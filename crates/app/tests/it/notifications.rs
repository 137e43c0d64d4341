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

/// The demo's database holds the messages of its past (the 2023 rainstorm's alerts, sent at
/// the time): each test here starts from an empty outbox of its own.
async fn fresh(engine: Engine, name: &str) -> Option<Db> {
    let db = seeded_db(engine, name).await?;
    sqlx::query("DELETE FROM outbox").execute(&db.pool).await.unwrap();
    sqlx::query("DELETE FROM broadcast_outbox").execute(&db.pool).await.unwrap();
    Some(db)
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

fn render(o: &notifications::Outgoing<'_>) -> (String, String) {
    (format!("[{}] {}", o.kind, o.title), o.body.to_string())
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
        ..Default::default()
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
    let admin_inbox = notifications::inbox(&db, uid("admin.s").await, 50).await.unwrap();
    assert_eq!(
        admin_inbox.iter().filter(|m| m.need_id == Some(n.id.get())).count(),
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
        if let Some(db) = fresh(engine, "outbox").await {
            body(db, engine).await;
        }
    }
}

/// A gateway that answers after `delay`, counting the requests in flight at once and the
/// idempotency keys it saw.
async fn slow_gateway(delay: std::time::Duration, keys: Arc<Mutex<Vec<String>>>, widest: Arc<AtomicUsize>) -> String {
    use axum::{Router, http::HeaderMap, http::StatusCode, routing::post};
    let in_flight = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/sms",
        post(move |h: HeaderMap| {
            let (keys, widest, in_flight) = (keys.clone(), widest.clone(), in_flight.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                widest.fetch_max(now, Ordering::SeqCst);
                keys.lock().unwrap().push(h["idempotency-key"].to_str().unwrap().to_string());
                tokio::time::sleep(delay).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    url
}

/// Queues one message to every demo account (each has a phone; some get an e-mail address).
async fn queue_to_everyone(db: &Db, at: i64) -> usize {
    sqlx::query("UPDATE users SET email = username || '@example.org'").execute(&db.pool).await.unwrap();
    let users: Vec<(i64,)> = sqlx::query_as("SELECT id FROM users").fetch_all(&db.pool).await.unwrap();
    let users: Vec<i64> = users.into_iter().map(|u| u.0).collect();
    let mut tx = db.pool.begin().await.unwrap();
    let msg = notifications::Message {
        community_id: None,
        kind: "assigned",
        need_id: None,
        title: "暴雨预警：请检查独居老人".into(),
        body: String::new(),
    };
    notifications::queue(&mut tx, at, &users, &msg).await.unwrap();
    tx.commit().await.unwrap();
    users.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_channel_is_sent_on_its_own_and_an_unconfigured_one_sends_nothing() {
    let db = fresh(Engine::Sqlite, "outbox_channels").await.unwrap();
    let n = queue_to_everyone(&db, T0).await;
    // Only e-mail is configured: the SMS rows do not stand in its way, and are marked skipped.
    let smtp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = smtp.local_addr().unwrap().to_string();
    let (got, count) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicUsize::new(0)));
    smtp_relay(smtp, got.clone(), count.clone());
    let email_only = Channels { smtp: Some(addr), smtp_from: "wushe@example.org".into(), ..Default::default() };
    let round = notifications::dispatch(&db, &email_only, T0 + 1).await.unwrap();
    assert_eq!(round.sent, n);
    assert_eq!(count.load(Ordering::SeqCst), n);
    let counts = notifications::outbox_counts(&db).await.unwrap();
    assert_eq!(counts, vec![("sent".to_string(), n as i64), ("skipped".to_string(), n as i64)]);
    let mail = got.lock().unwrap()[0].clone();
    assert!(mail.starts_with("Date: ") && mail.contains("Message-ID: <wushe-notification-"), "{mail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_gateway_is_sent_to_in_parallel_and_a_late_reply_is_retried_with_the_same_key() {
    let db = fresh(Engine::Sqlite, "outbox_slow").await.unwrap();
    let n = queue_to_everyone(&db, T0).await;
    sqlx::query("DELETE FROM outbox WHERE channel = 'email'").execute(&db.pool).await.unwrap();
    let (keys, widest) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicUsize::new(0)));
    let url = slow_gateway(std::time::Duration::from_millis(300), keys.clone(), widest.clone()).await;
    let channels = Channels { webhook: Some(url.clone()), concurrency: 4, ..Default::default() };
    assert_eq!(notifications::dispatch(&db, &channels, T0 + 1).await.unwrap().sent, n);
    let w = widest.load(Ordering::SeqCst);
    assert!((2..=4).contains(&w), "{w} requests in flight at once (at most the configured 4)");
    // A gateway slower than the timeout: the delivery counts as failed and is tried again
    // later with the same idempotency key, so the gateway can drop the repeat.
    let db = fresh(Engine::Sqlite, "outbox_late").await.unwrap();
    queue_to_everyone(&db, T0).await;
    sqlx::query("DELETE FROM outbox WHERE id <> (SELECT MIN(id) FROM outbox WHERE channel = 'sms')")
        .execute(&db.pool)
        .await
        .unwrap();
    let (keys, widest) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicUsize::new(0)));
    let late = slow_gateway(std::time::Duration::from_millis(1500), keys.clone(), widest).await;
    let impatient =
        Channels { webhook: Some(late), timeout: std::time::Duration::from_millis(300), ..Default::default() };
    assert_eq!(notifications::dispatch(&db, &impatient, T0 + 1).await.unwrap().failed, 1);
    let later = T0 + 1 + notifications::backoff_millis(0);
    assert_eq!(notifications::dispatch(&db, &impatient, later).await.unwrap().failed, 1);
    let keys = keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "one key for every attempt at one message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_to_one_person_goes_as_one_digest_but_urgent_needs_go_alone() {
    let db = fresh(Engine::Sqlite, "outbox_digest").await.unwrap();
    let admin: (i64,) =
        sqlx::query_as("SELECT id FROM users WHERE username = 'admin.s'").fetch_one(&db.pool).await.unwrap();
    let needs: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, urgency FROM needs ORDER BY id LIMIT 40").fetch_all(&db.pool).await.unwrap();
    let urgent = needs[0].0;
    sqlx::query("UPDATE needs SET urgency = 'urgent' WHERE id = $1").bind(urgent).execute(&db.pool).await.unwrap();
    sqlx::query("UPDATE needs SET urgency = 'normal' WHERE id <> $1").bind(urgent).execute(&db.pool).await.unwrap();
    let mut tx = db.pool.begin().await.unwrap();
    for (id, _) in &needs {
        let msg = notifications::Message {
            community_id: None,
            kind: "overdue",
            need_id: Some(*id),
            title: format!("需求{id}"),
            body: "resolve".into(),
        };
        notifications::queue(&mut tx, T0, &[admin.0], &msg).await.unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query("DELETE FROM outbox WHERE channel = 'email'").execute(&db.pool).await.unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let url = webhook(Arc::new(AtomicBool::new(true)), got.clone()).await;
    let channels = Channels { webhook: Some(url), render: Some(wushe_web_like_render), ..Default::default() };
    let round = notifications::dispatch(&db, &channels, T0 + 1).await.unwrap();
    assert_eq!(round.sent, needs.len(), "every row is accounted for");
    let sent = got.lock().unwrap().clone();
    assert_eq!(sent.len(), 2, "the urgent need alone, the other 39 as one digest: {sent:?}");
    assert!(sent.iter().any(|m| m["body"].as_str().unwrap().starts_with(&format!("alone #{urgent}"))));
    assert!(sent.iter().any(|m| m["body"].as_str().unwrap().starts_with("digest 39")));
    assert_eq!(notifications::outbox_counts(&db).await.unwrap(), vec![("sent".to_string(), needs.len() as i64)]);
}

fn wushe_web_like_render(o: &notifications::Outgoing<'_>) -> (String, String) {
    if o.count > 1 {
        (String::new(), format!("digest {}", o.count))
    } else {
        (String::new(), format!("alone #{}", o.need_id.unwrap_or(0)))
    }
}

/// A batch gateway: refuses the first batch holding `refuse` (503) once, and records every
/// number it accepted with its key.
async fn batch_gateway(refuse: &'static str, got: Arc<Mutex<Vec<(String, String)>>>) -> String {
    use axum::{Json, Router, http::StatusCode, routing::post};
    let calls = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/sms",
        post(move |Json(v): Json<serde_json::Value>| {
            let (got, calls) = (got.clone(), calls.clone());
            async move {
                // The demo's own notifications come one by one; only batches are counted.
                let (Some(to), Some(keys)) = (v["to"].as_array(), v["keys"].as_array()) else { return StatusCode::OK };
                if to.iter().any(|t| t == refuse) && calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                assert_eq!(to.len(), keys.len());
                let mut g = got.lock().unwrap();
                for (t, k) in to.iter().zip(keys) {
                    g.push((t.as_str().unwrap().to_string(), k.as_str().unwrap().to_string()));
                }
                StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_reaches_every_number_once_in_batches_even_after_a_refusal() {
    for engine in Engine::BOTH {
        let Some(db) = seeded_db(engine, "broadcast_once").await else { continue };
        // The demo's own messages (its 2023 alerts among them) are out of the way.
        sqlx::query("UPDATE outbox SET status = 'sent'").execute(&db.pool).await.unwrap();
        sqlx::query("UPDATE broadcast_outbox SET status = 'sent'").execute(&db.pool).await.unwrap();
        // 450 numbers, a tenth of them twice, queued in two calls for the same alert.
        let phones: Vec<String> = (0..450).map(|k| format!("139{:08}", k)).collect();
        let mut twice = phones.clone();
        twice.extend(phones.iter().step_by(10).cloned());
        let mut tx = db.pool.begin().await.unwrap();
        let n = notifications::broadcast(
            &mut tx,
            T0,
            None,
            "alert",
            "alert:test-1",
            "暴雨预警 请勿进入地下车库",
            &twice[..300],
        )
        .await
        .unwrap();
        let m = notifications::broadcast(
            &mut tx,
            T0,
            None,
            "alert",
            "alert:test-1",
            "暴雨预警 请勿进入地下车库",
            &twice[200..],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(n + m, 450, "{engine:?}: each number queued once");
        let got = Arc::new(Mutex::new(Vec::new()));
        let url = batch_gateway("13900000000", got.clone()).await;
        let channels = Channels { webhook: Some(url), ..Channels::default() };
        let first = notifications::dispatch(&db, &channels, T0).await.unwrap();
        assert_eq!(first.failed, notifications::BATCH, "{engine:?}: the refused batch waits");
        assert_eq!(notifications::broadcast_progress(&db, "alert:test-1").await.unwrap(), (450, 350, 0));
        // Nothing is due again before its back-off; then the rest goes.
        notifications::dispatch(&db, &channels, T0 + 1_000).await.unwrap();
        assert_eq!(notifications::broadcast_progress(&db, "alert:test-1").await.unwrap().1, 350);
        notifications::dispatch(&db, &channels, T0 + 10 * 60_000).await.unwrap();
        assert_eq!(notifications::broadcast_progress(&db, "alert:test-1").await.unwrap(), (450, 450, 0));
        let got = got.lock().unwrap().clone();
        let mut numbers: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!((got.len(), numbers.len()), (450, 450), "{engine:?}: every number exactly once");
        let mut keys: Vec<&str> = got.iter().map(|g| g.1.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 450, "{engine:?}: a key per number");
    }
}
