//! Emergency mode in Chromium on a phone: the admin switches the community from the form, the
//! board fits 360 px in both text modes, a result recorded elsewhere reaches the open board
//! without a reload, the grid worker records a visit in one tap, and the demo's 2023 rainstorm
//! shows its resilience curve. Screenshots go to `target/screenshots/emergency-*.png`.

use super::browser::{keep, skipped};
use super::journeys::axe_run;
use wushe_testkit::webdriver::{Browser, axe_source};
use wushe_testkit::{Engine, TestApp, extract_csrf};

/// A Saturday at 10:00 in Chengdu.
const SATURDAY_10: i64 = 1_800_064_800_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_switch_and_the_board_work_on_a_phone_and_update_live() {
    if skipped("emergency_pages::the_switch_and_the_board_work_on_a_phone_and_update_live") {
        return;
    }
    let axe = axe_source().ok();
    let app = TestApp::spawn_at(Engine::Sqlite, "emergency_pages", SATURDAY_10).await.expect("sqlite");
    let b = Browser::start().await.expect("start chromium");
    let result = story(&app, &b, axe.as_deref()).await;
    if result.is_err() {
        let _ = keep(&b, "emergency-failed").await;
    }
    b.quit().await;
    result.unwrap();
}

async fn sign_in(app: &TestApp, b: &Browser, user: &str) -> Result<(), String> {
    b.clear_cookies().await?;
    b.goto(&app.url("/login")).await?;
    b.type_into("#username", user).await?;
    b.type_into("#password", "wushe-demo").await?;
    b.click("#login-form button[type=submit]").await
}

async fn fits(b: &Browser, what: &str) -> Result<(), String> {
    let m = b.eval("return [document.documentElement.scrollWidth, window.innerWidth]").await?;
    if m[0].as_f64() > m[1].as_f64() {
        return Err(format!("{what} scrolls sideways at 360 px: {m}"));
    }
    Ok(())
}

async fn story(app: &TestApp, b: &Browser, axe: Option<&str>) -> Result<(), String> {
    b.resize(360, 740).await?;
    // The past: the demo's rainstorm, with its check-ins and its resilience curve.
    sign_in(app, b, "admin.s").await?;
    b.goto(&app.url("/communities/510104001001/emergency")).await?;
    let page = b.text("main").await?;
    if !page.contains("2023年夏季暴雨内涝") || !page.contains("家庭应急演练") {
        return Err(format!("the history lists the rainstorm and the drill: {page}"));
    }
    if b.text("#timings").await?.matches("分钟").count() < 4 {
        return Err("timings are compared across the drill and the incident".into());
    }
    keep(b, "emergency-community-phone").await?;
    let storm = b.eval("return Array.from(document.querySelectorAll('#history a')).find(a => a.textContent.includes('暴雨')).getAttribute('href')").await?;
    b.goto(&app.url(storm.as_str().unwrap_or("/"))).await?;
    let chart = b.eval("return document.querySelectorAll('#resilience-chart polyline').length").await?;
    if chart.as_i64() != Some(4) {
        return Err(format!("four services on the resilience chart, got {chart}"));
    }
    if !b.text("#total-progress").await?.contains("977 / 977") {
        return Err(format!("everyone was reached: {}", b.text("#total-progress").await?));
    }
    fits(b, "the closed incident").await?;
    keep(b, "emergency-storm-phone").await?;

    // Now: declare for the first grid from the form.
    b.goto(&app.url("/communities/510104001001/emergency")).await?;
    b.type_into("#title", "暴雨测试").await?;
    b.click("#areas input[value='51010400100101']").await?;
    b.click("#declare-form button[type=submit]").await?;
    let url = b.current_url().await?;
    if !url.contains("/incidents/") {
        return Err(format!("declaring lands on the board, not {url}"));
    }
    if b.find(".emergency-banner").await.is_err() || b.find("#flash").await.is_err() {
        return Err("the banner and the message are on the board".into());
    }
    fits(b, "the board").await?;
    keep(b, "emergency-board-phone").await?;
    b.goto(&app.url("/prefs/large/on?next=/")).await?;
    fits(b, "the board in large text").await?;
    keep(b, "emergency-board-phone-large").await?;
    if let Some(axe) = axe {
        let problems = axe_run(b, axe).await?;
        if !problems.is_empty() {
            return Err(format!("axe on the board in large text: {problems:?}"));
        }
    }
    b.goto(&app.url("/prefs/large/off?next=/")).await?;
    let before = b.text("#total-progress").await?;

    // A grid worker records a result elsewhere; the open board redraws by itself.
    let grid = app.login_as("grid.s1").await;
    let visits = app.get(&grid, "/checkins").await.text().await.map_err(|e| e.to_string())?;
    let id = visits.split("id=\"visit-").nth(1).and_then(|s| s.split('"').next()).ok_or("a visit")?.to_string();
    let csrf = extract_csrf(&visits);
    let r = app.post_form(&grid, &format!("/checkins/{id}"), &[("csrf", csrf.as_str()), ("result", "safe")]).await;
    if r.status() != 303 {
        return Err(format!("recording answered {}", r.status()));
    }
    let changed = b
        .eval_async(&format!(
            "const done = arguments[arguments.length - 1]; const t0 = Date.now();\n\
             (function poll() {{ const t = document.getElementById('total-progress').textContent;\n\
               if (t !== {before:?}) return done(Date.now() - t0);\n\
               if (Date.now() - t0 > 8000) return done(-1); setTimeout(poll, 50); }})();"
        ))
        .await?;
    if changed.as_i64().unwrap_or(-1) < 0 {
        return Err("the board did not update by itself".into());
    }

    // The grid worker's phone: one tap records a visit.
    sign_in(app, b, "grid.s1").await?;
    b.goto(&app.url("/checkins")).await?;
    fits(b, "the visits page").await?;
    keep(b, "emergency-checkins-phone").await?;
    let n = b.eval("return document.querySelectorAll('#visits > li').length").await?.as_i64().unwrap_or(0);
    b.click("#visits > li:first-child form.taps button[value='safe']").await?;
    if b.find("#flash").await.is_err() {
        return Err("a message after the tap".into());
    }
    let after = b.eval("return document.querySelectorAll('#visits > li').length").await?.as_i64().unwrap_or(0);
    if after != n - 1 {
        return Err(format!("the recorded visit leaves the list: {n} → {after}"));
    }
    Ok(())
}
