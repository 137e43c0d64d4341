//! The journeys people make most, walked in a real Chromium and counted in taps from the
//! signed-in home page: a resident files a need with a photo and later confirms and rates it,
//! a grid worker records a visit for a household, an admin takes a need from the ledger to
//! resolved, a volunteer claims a listed need and books a room. Each is walked on a 390×844
//! phone in Chinese and on a desktop in English with large text and JavaScript switched off,
//! asserting what a person sees: the message after each action, the next action, no sideways
//! scrolling. axe-core then checks every page each demo role's menu offers, in both modes, on a
//! 360 px phone that none of them may scroll sideways.

use crate::browser::{keep, skipped};
use crate::crawl::{ACCOUNTS, shape};
use wushe_testkit::webdriver::{Browser, axe_source};
use wushe_testkit::{Engine, TestApp, extract_csrf};

/// How a journey is walked: window, language, text mode and whether scripts run.
#[derive(Clone, Copy, Debug)]
struct Setting {
    name: &'static str,
    width: u32,
    height: u32,
    en: bool,
    large: bool,
    script: bool,
}

const SETTINGS: [Setting; 2] = [
    Setting { name: "phone-zh", width: 390, height: 844, en: false, large: false, script: true },
    Setting { name: "desktop-en-large-nojs", width: 1366, height: 768, en: true, large: true, script: false },
];

/// Taps counted as a person makes them: a click on a link, a button or an option.
struct Walk<'a> {
    b: &'a Browser,
    app: &'a TestApp,
    taps: usize,
    setting: Setting,
}

impl Walk<'_> {
    async fn tap(&mut self, css: &str) -> Result<(), String> {
        self.taps += 1;
        self.b.click(css).await.map_err(|e| format!("{}: tap {css}: {e}", self.setting.name))
    }

    /// Signs in and lands on the home page with the setting's language and text mode; the
    /// count of taps starts there.
    async fn start(&mut self, user: &str) -> Result<(), String> {
        let b = self.b;
        b.clear_cookies().await?;
        b.goto(&self.app.url("/login")).await?;
        b.type_into("#username", user).await?;
        b.type_into("#password", "wushe-demo").await?;
        b.click("#login-form button[type=submit]").await?;
        let lang = if self.setting.en { "en" } else { "zh-CN" };
        b.goto(&self.app.url(&format!("/prefs/lang/{lang}?next=/"))).await?;
        let large = if self.setting.large { "on" } else { "off" };
        b.goto(&self.app.url(&format!("/prefs/large/{large}?next=/"))).await?;
        self.taps = 0;
        self.fits().await
    }

    /// No sideways scrolling at this width.
    async fn fits(&self) -> Result<(), String> {
        let m = self.b.eval("return [document.documentElement.scrollWidth, window.innerWidth]").await?;
        let (scroll, inner) = (m[0].as_f64().unwrap_or(0.0), m[1].as_f64().unwrap_or(0.0));
        if scroll > inner {
            let url = self.b.current_url().await?;
            return Err(format!("{}: {url} scrolls sideways ({scroll} > {inner})", self.setting.name));
        }
        Ok(())
    }

    /// The message shown after an action, asserted present and first in the content.
    async fn flash(&self) -> Result<String, String> {
        let text = self
            .b
            .text("#flash")
            .await
            .map_err(|e| format!("{}: no message after the action: {e}", self.setting.name))?;
        let first = self.b.eval("const m = document.querySelector('main'); return m.querySelector('#flash') !== null && m.querySelector('#flash').getBoundingClientRect().top <= m.querySelector('h1').getBoundingClientRect().top").await?;
        assert_eq!(first, serde_json::Value::Bool(true), "{}: the message comes above the heading", self.setting.name);
        Ok(text)
    }

    fn done(&self, journey: &str, most: usize) {
        assert!(self.taps <= most, "{}: {journey} took {} taps, at most {most}", self.setting.name, self.taps);
        eprintln!("journey {journey} ({}): {} taps", self.setting.name, self.taps);
    }

    async fn keep(&self, name: &str) -> Result<(), String> {
        keep(self.b, &format!("{}-{name}", self.setting.name)).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_journeys_take_few_taps_on_a_phone_and_a_desktop() {
    if skipped("journeys::the_main_journeys_take_few_taps_on_a_phone_and_a_desktop") {
        return;
    }
    let at = wushe_testkit::next_wednesday_10();
    let app = TestApp::spawn_at(Engine::Sqlite, "journeys", at).await.expect("sqlite");
    for setting in SETTINGS {
        let b = Browser::start_with(setting.script).await.expect("start chromium");
        b.resize(setting.width, setting.height).await.expect("resize");
        let mut w = Walk { b: &b, app: &app, taps: 0, setting };
        let result = journeys(&mut w).await;
        if result.is_err() {
            let _ = w.keep("failed").await;
        }
        b.quit().await;
        result.unwrap();
    }
}

async fn journeys(w: &mut Walk<'_>) -> Result<(), String> {
    let en = w.setting.en;
    // A resident reports a problem with a photo: report, photo, send.
    w.start("resident.s").await?;
    w.keep("resident-home").await?;
    w.tap("#start a[href='/my/needs/new']").await?;
    w.fits().await?;
    let title = format!("楼道灯不亮 {}", w.setting.name);
    w.b.type_into("#title", &title).await?;
    w.b.type_into("#description", "三楼楼道的灯坏了好几天，晚上看不见台阶。").await?;
    let photo = std::env::temp_dir().join(format!("wushe-journey-{}.jpg", std::process::id()));
    std::fs::write(&photo, [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 2000][..]].concat()).map_err(|e| e.to_string())?;
    w.taps += 1; // choosing the photo
    w.b.type_into("#photo", &photo.display().to_string()).await?;
    w.keep("need-form").await?;
    w.tap("#need-form button[type=submit]").await?;
    let msg = w.flash().await?;
    assert!(msg.contains(if en { "submitted" } else { "已提交" }), "{msg}");
    w.b.find("#photos img").await?;
    let url = w.b.current_url().await?;
    let id: i64 = url.rsplit('/').next().and_then(|s| s.parse().ok()).ok_or(format!("need url {url}"))?;
    w.keep("need-resident").await?;
    w.done("resident files a need with a photo", 3);

    // Staff work it (over HTTP: not the journey under test) until it waits for the resident.
    resolve(w.app, id).await;
    w.start("resident.s").await?;
    w.tap(&format!("#awaiting a[href^='/needs/{id}']")).await?;
    w.fits().await?;
    w.tap("#step-confirmed button[value='5']").await?;
    let msg = w.flash().await?;
    assert!(msg.to_lowercase().contains(if en { "confirm" } else { "确认" }), "{msg}");
    assert!(w.b.text("#need-status").await?.contains(if en { "Confirmed" } else { "已确认" }));
    w.done("resident confirms and rates", 2);

    // A grid worker records a visit: record, find the household, pick it, send.
    w.start("grid.s1").await?;
    w.tap("#start a[href$='/needs/new']").await?;
    w.b.type_into("#find", "1栋 1单元101").await?;
    w.tap("#find-form button[type=submit]").await?;
    w.fits().await?;
    w.keep("household-finder").await?;
    w.tap("#found li:first-child a").await?;
    assert!(w.b.text("#chosen-household").await?.contains("1栋1单元101"));
    w.b.type_into("#title", "独居老人家中水管漏水").await?;
    w.b.type_into("#description", "走访时发现厨房水管漏水，老人行动不便。").await?;
    w.tap("#need-form button[type=submit]").await?;
    w.flash().await?;
    assert!(w.b.text("#need").await?.contains("1栋1单元101"), "the need is at the household");
    w.done("grid worker records a visit", 4);

    // An admin takes a need from the ledger to resolved: open it, pick who, assign, resolve.
    w.start("admin.s").await?;
    w.tap("#start a[href*='/needs?status=submitted']").await?;
    w.fits().await?;
    w.tap("#needs tbody tr:first-child a[href^='/needs/']").await?;
    w.keep("need-admin").await?;
    w.tap("#step-assigned select option:nth-child(2)").await?;
    w.tap("#step-assigned button[type=submit]").await?;
    w.flash().await?;
    w.b.find("#next-actions #step-resolved").await?;
    w.tap("#step-resolved button[type=submit]").await?;
    let msg = w.flash().await?;
    assert!(msg.to_lowercase().contains(if en { "resolve" } else { "办结" }), "{msg}");
    w.done("admin takes a need to resolved", 6);

    // A volunteer claims a listed need: the claim list, claim.
    list_a_need(w.app).await;
    w.start("volunteer.s").await?;
    w.tap("#start a[href='/claims']").await?;
    w.fits().await?;
    w.keep("claims").await?;
    w.tap("#claimable form button[type=submit]").await?;
    w.flash().await?;
    w.done("volunteer claims a listed need", 2);

    // And books a room: spaces, a free half hour today, send.
    w.start("volunteer.s").await?;
    w.tap("#start a[href$='/spaces']").await?;
    w.fits().await?;
    w.keep("spaces").await?;
    w.tap("#spaces a.slot").await?;
    w.fits().await?;
    w.keep("space-slot").await?;
    w.b.type_into("#purpose", "志愿者例会").await?;
    w.tap("#chosen-slot #booking-form button[type=submit]").await?;
    let msg = w.flash().await?;
    assert!(!msg.is_empty());
    w.done("volunteer books a room", 3);

    // A volunteer signs up for an activity: volunteering, the activity, sign up.
    w.start("volunteer.s").await?;
    w.tap("#start a[href='/my/volunteer']").await?;
    w.fits().await?;
    w.keep("volunteer-home").await?;
    w.tap("#upcoming li:first-child a").await?;
    w.fits().await?;
    w.tap("#sign-up button[type=submit]").await?;
    let msg = w.flash().await?;
    assert!(!msg.is_empty());
    w.b.find("#check-in #code").await?;
    w.keep("activity-volunteer").await?;
    w.done("volunteer signs up for an activity", 3);
    for (page, name) in
        [("/my/volunteer/points", "volunteer-points"), ("/my/volunteer/certificate", "volunteer-certificate")]
    {
        w.b.goto(&w.app.url(page)).await?;
        w.fits().await?;
        w.keep(name).await?;
    }

    // The social worker verifies the waiting hours at once: hours to verify, verify.
    enter_hours(w.app, if en { "17:00" } else { "14:00" }).await;
    w.start("social.s").await?;
    w.tap("#start a[href$='/volunteers/hours']").await?;
    w.fits().await?;
    w.keep("hours-queue").await?;
    w.tap("#bulk button[value='verify']").await?;
    let msg = w.flash().await?;
    assert!(msg.contains(if en { "verified" } else { "已核实" }), "{msg}");
    w.done("social worker verifies hours in bulk", 2);
    w.b.goto(&w.app.url("/areas/510104001001/volunteers/retention")).await?;
    w.fits().await?;
    w.keep("retention").await?;
    w.b.eval("document.getElementById('tenure-chart').scrollIntoView(); return true").await?;
    w.keep("retention-charts").await?;
    Ok(())
}

/// Accepts, assigns and resolves need `id` as the community admin, through the page forms.
/// The volunteer enters two hours of home visits from `from` (over HTTP), so hours wait for
/// verification; each setting's hours start at a different time, as overlapping hours are refused.
async fn enter_hours(app: &TestApp, from: &str) {
    let c = app.login_as("volunteer.s").await;
    let csrf = app.csrf(&c).await;
    let day = wushe_app::clock::local_text(wushe_testkit::next_wednesday_10() - 86_400_000, "%Y-%m-%d");
    let form = [("csrf", csrf.as_str()), ("date", &day), ("from", from), ("duration", "2"), ("note", "入户探访")];
    let r = app.post_form(&c, "/my/volunteer/hours", &form).await;
    assert_eq!(r.status(), 303, "hours entered");
}

async fn resolve(app: &TestApp, id: i64) {
    let admin = app.login_as("admin.s").await;
    for (event, assignee) in [("assigned", true), ("resolved", false)] {
        let page = app.get(&admin, &format!("/needs/{id}")).await.text().await.unwrap();
        let version = page.split("name=\"version\" value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap();
        let user = page.split("<option value=\"user:").nth(1).and_then(|v| v.split('"').next()).unwrap();
        let csrf = extract_csrf(&page);
        let who = format!("user:{user}");
        let mut form = vec![("csrf", csrf.as_str()), ("event", event), ("version", version), ("note", "已处理")];
        if assignee {
            form.push(("assignee", who.as_str()));
        }
        let r = app.post_form(&admin, &format!("/needs/{id}/step"), &form).await;
        assert_eq!(r.status(), 303, "{event}");
    }
}

/// Lists one submitted need of S社区 on the claim list, as the community admin would.
async fn list_a_need(app: &TestApp) {
    let admin = app.login_as("admin.s").await;
    let ledger: serde_json::Value =
        app.get(&admin, "/api/v1/communities/510104001001/needs?status=submitted&limit=1").await.json().await.unwrap();
    let id = ledger["items"][0]["id"].as_i64().expect("a submitted need");
    let page = app.get(&admin, &format!("/needs/{id}/matches")).await.text().await.unwrap();
    let csrf = extract_csrf(&page);
    let r =
        app.post_form(&admin, &format!("/needs/{id}/listing"), &[("csrf", csrf.as_str()), ("claim_hours", "48")]).await;
    assert_eq!(r.status(), 303, "listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_serious_problem_on_any_roles_pages_in_either_text_mode() {
    if skipped("journeys::axe_finds_no_serious_problem_on_any_roles_pages_in_either_text_mode") {
        return;
    }
    let axe = match axe_source() {
        Ok(axe) => axe,
        Err(why) if !wushe_testkit::require_browser() => {
            wushe_testkit::record_skip("journeys::axe (axe-core)", &why);
            return;
        }
        Err(why) => panic!("axe-core is required with the browser tests: {why}"),
    };
    let app = TestApp::spawn_at(Engine::Sqlite, "axe", wushe_testkit::next_wednesday_10()).await.expect("sqlite");
    let b = Browser::start().await.expect("start chromium");
    // The narrowest phone we design for: every page is also checked for sideways scrolling.
    b.resize(360, 740).await.expect("resize");
    let result = audit_all(&app, &b, &axe).await;
    b.quit().await;
    let (checked, problems) = result.unwrap();
    eprintln!("axe-core {}: {checked} pages", wushe_testkit::webdriver::AXE_VERSION);
    assert!(checked > 200, "axe checked only {checked} pages");
    assert!(problems.is_empty(), "serious or critical accessibility problems:\n{}", problems.join("\n"));
}

async fn audit_all(app: &TestApp, b: &Browser, axe: &str) -> Result<(usize, Vec<String>), String> {
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut seen = std::collections::HashSet::new();
    for user in ACCOUNTS {
        b.clear_cookies().await?;
        b.goto(&app.url("/login")).await?;
        b.type_into("#username", user).await?;
        b.type_into("#password", "wushe-demo").await?;
        b.click("#login-form button[type=submit]").await?;
        // The home page, every page of the menu and every start action, and the first record
        // of each kind those pages link to (a need, a resource, a space, a person…).
        let menu = b
            .eval("return [location.pathname].concat(Array.from(document.querySelectorAll('details.menu nav a, #start a')).map(a => a.getAttribute('href')))")
            .await?;
        let mut pages: Vec<String> = strings(&menu);
        pages.dedup();
        let mut records: Vec<String> = Vec::new();
        for mode in ["off", "on"] {
            b.goto(&app.url(&format!("/prefs/large/{mode}?next=/"))).await?;
            let visit: Vec<String> = pages.iter().chain(records.iter()).cloned().collect();
            for p in &visit {
                if p.ends_with(".csv") || p.ends_with(".xlsx") || p.ends_with(".ics") || p.starts_with("/api/") {
                    continue;
                }
                // Each shape of page (digits aside) once per role and mode: what a role sees on
                // a page differs from another role's, the same page twice does not.
                if !seen.insert((user, shape(p), mode)) {
                    continue;
                }
                b.goto(&app.url(p)).await?;
                checked += 1;
                let m = b.eval("return [document.documentElement.scrollWidth, window.innerWidth]").await?;
                if m[1].as_f64().unwrap_or(0.0) > 400.0 {
                    return Err(format!("the window is {} px wide, not a phone's", m[1]));
                }
                if m[0].as_f64() > m[1].as_f64() {
                    problems.push(format!("{user} {p} large={mode}: scrolls sideways at 360 px ({} > {})", m[0], m[1]));
                }
                problems.extend(axe_run(b, axe).await?.into_iter().map(|v| format!("{user} {p} large={mode}: {v}")));
                if mode == "off" {
                    let found = b.eval(RECORD_LINKS).await?;
                    for r in strings(&found) {
                        if !records.iter().any(|x| shape(x) == shape(&r)) {
                            records.push(r);
                        }
                    }
                }
            }
        }
    }
    Ok((checked, problems))
}

/// Links to single records on the current page: the first of each kind.
const RECORD_LINKS: &str = "return Array.from(document.querySelectorAll('main a[href]')).map(a => a.getAttribute('href'))\
    .filter(h => /^\\/(needs|resources|spaces|people|organizations|incidents)\\/[0-9]+$/.test(h))";

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

/// axe-core's serious and critical violations on the current page, as one line each.
pub(crate) async fn axe_run(b: &Browser, axe: &str) -> Result<Vec<String>, String> {
    let script = format!(
        "{axe}\nconst done = arguments[arguments.length - 1];\n\
         axe.run(document, {{ resultTypes: ['violations'] }}).then(r => done(r.violations\
           .filter(v => v.impact === 'serious' || v.impact === 'critical')\
           .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))\
         ).catch(e => done(['axe failed: ' + e]));"
    );
    let v = b.eval_async(&script).await?;
    Ok(v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect())
}
