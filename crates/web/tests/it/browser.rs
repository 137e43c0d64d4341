//! End to end in a real headless Chromium (Debian's package, driven over WebDriver): a
//! community admin signs in, reads the overview, drills from the community to a household,
//! switches language and turns on large text — asserting on what a person sees.

use wushe_testkit::webdriver::{Browser, available};
use wushe_testkit::{Engine, TestApp, record_skip, require_browser};

/// Whether Chromium is missing (and allowed to be): the test is then recorded as skipped.
pub(crate) fn skipped(test: &str) -> bool {
    match available() {
        Ok(()) => false,
        Err(why) if require_browser() => panic!("Chromium is required (WUSHE_REQUIRE_BROWSER=1) but {why}"),
        Err(why) => {
            record_skip(test, &why);
            true
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_community_admin_walks_from_login_to_a_household_in_both_languages() {
    if skipped("browser::a_community_admin_walks_from_login_to_a_household_in_both_languages") {
        return;
    }
    let app = TestApp::spawn(Engine::Sqlite, "browser").await.expect("sqlite");
    let b = Browser::start().await.expect("start chromium");
    let result = walk(&app, &b).await;
    if let Ok(png) = b.screenshot().await {
        let _ = std::fs::write(wushe_testkit::target_dir().join("browser-last.png"), png);
    }
    b.quit().await;
    result.unwrap();
}

async fn walk(app: &TestApp, b: &Browser) -> Result<(), String> {
    b.goto(&app.url("/communities/510104001001")).await?;
    // Not signed in: the login form, in Chinese.
    assert!(b.current_url().await?.contains("/login?next="), "sent to the login form");
    assert_eq!(b.text("h1").await?, "登录");
    b.type_into("#username", "admin.s").await?;
    b.type_into("#password", "wushe-demo").await?;
    b.click("#login-form button[type=submit]").await?;
    // Back where we wanted to go: the overview with the paper's figures.
    assert!(b.current_url().await?.ends_with("/communities/510104001001"));
    assert_eq!(b.text("h1").await?, "S社区");
    let figures = b.text("#figures").await?;
    assert!(figures.contains("6328") && figures.contains("户数"), "{figures}");
    assert!(figures.contains("198") && figures.contains("党员"), "{figures}");
    // Drill down: community → grid → building → household.
    b.click("a[href='/areas/51010400100101']").await?;
    assert_eq!(b.text("h1").await?, "第一网格");
    let crumbs = b.text("#crumbs").await?;
    assert!(crumbs.contains("锦官街道") && crumbs.contains("S社区"), "{crumbs}");
    b.click("#children tbody tr:first-child a").await?;
    assert_eq!(b.text("h1").await?, "1栋");
    b.click("#children tbody tr:first-child a").await?;
    let members = b.text("#members").await?;
    assert!(members.contains("户主"), "{members}");
    assert!(members.contains("****"), "phones are masked: {members}");
    // Switch to English: the same page, translated.
    b.click("#lang-switch").await?;
    assert!(b.text("#members").await?.contains("Head of household"));
    assert!(b.text("nav.main-nav").await?.contains("Areas and grids"));
    // Large text for elderly readers.
    b.click("#large-switch").await?;
    assert_eq!(b.text("#large-switch").await?, "Standard text");
    // The situation map: grids drawn on the server, each a link into its ledger.
    b.goto(&app.url("/communities/510104001001/map")).await?;
    b.find("#situation-map polygon").await?;
    if let Ok(png) = b.screenshot().await {
        let _ = std::fs::write(wushe_testkit::target_dir().join("browser-map.png"), png);
    }
    b.click("#situation-map a").await?;
    assert!(
        b.current_url().await?.contains("/communities/51010400100101/needs?status=open"),
        "a grid opens its ledger"
    );
    // Book the activity room for tomorrow afternoon, choosing times from the open half hours.
    b.goto(&app.url("/communities/510104001001/spaces")).await?;
    b.click("#spaces a[href='/spaces/7']").await?;
    b.click("#next-day").await?;
    // Tapping a free half hour opens the form beside it, starting then.
    b.click("#slots a.slot[href$='from=14:00#chosen-slot']").await?;
    b.find("#chosen-slot #booking-form").await?;
    b.click("#to option[value='16:00']").await?;
    b.type_into("#purpose", "Building leaders' meeting").await?;
    b.click("#booking-form button[type=submit]").await?;
    assert!(b.current_url().await?.ends_with("/my/bookings"));
    let booked = b.text("#bookings").await?;
    assert!(booked.contains("Building leaders' meeting") && booked.contains("14:00"), "{booked}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_fits_a_phone_in_both_text_modes_and_its_menu_opens_without_javascript() {
    if skipped("browser::the_header_fits_a_phone_in_both_text_modes") {
        return;
    }
    let app = TestApp::spawn(Engine::Sqlite, "browser_phone").await.expect("sqlite");
    let b = Browser::start().await.expect("start chromium");
    let result = phone(&app, &b).await;
    b.quit().await;
    result.unwrap();
}

/// What a screenshot is for: looking at it. Written to `target/screenshots/`.
pub(crate) async fn keep(b: &Browser, name: &str) -> Result<(), String> {
    let dir = wushe_testkit::target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(format!("{name}.png")), b.screenshot().await?).map_err(|e| e.to_string())
}

async fn phone(app: &TestApp, b: &Browser) -> Result<(), String> {
    b.goto(&app.url("/login")).await?;
    b.type_into("#username", "grid.s1").await?;
    b.type_into("#password", "wushe-demo").await?;
    b.click("#login-form button[type=submit]").await?;
    let measure = "return [document.documentElement.scrollWidth, window.innerWidth, \
                   document.querySelector('header.top').getBoundingClientRect().height]";
    for (mode, limit) in [("normal", 120.0), ("large", 200.0)] {
        if mode == "large" {
            b.goto(&app.url("/prefs/large/on?next=/communities/510104001001")).await?;
        } else {
            b.goto(&app.url("/communities/510104001001")).await?;
        }
        b.resize(390, 844).await?;
        let m = b.eval(measure).await?;
        let (scroll, inner, header) = (m[0].as_f64().unwrap(), m[1].as_f64().unwrap(), m[2].as_f64().unwrap());
        assert!(scroll <= inner, "{mode}: no sideways scrolling at 390 px ({scroll} > {inner})");
        assert!(header < limit, "{mode}: the header takes {header} px of a phone's 844");
        // The full navigation is behind the menu button, which is <details>: no script needed.
        assert!(!b.text("header.top").await?.contains("居民"), "{mode}: the menu starts closed");
        keep(b, &format!("phone-{mode}")).await?;
        b.click("details.menu summary").await?;
        assert!(b.text("details.menu nav").await?.contains("网格"), "{mode}: the menu lists the grid worker's pages");
        keep(b, &format!("phone-{mode}-menu")).await?;
        b.resize(1366, 768).await?;
        keep(b, &format!("desktop-{mode}")).await?;
    }
    Ok(())
}
