//! No dead ends: every demo account walks its pages from the signed-in home page by following
//! the links they are offered, and none of those links may answer 4xx or 5xx. Addresses that
//! differ only in their numbers are one shape; a few of each shape are followed, so the walk
//! covers every kind of page without reading every need.

use std::collections::{HashMap, HashSet, VecDeque};
use wushe_testkit::{Engine, TestApp};

/// One account per role, in both demo communities.
pub(crate) const ACCOUNTS: [&str; 12] = [
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
    "grid.a1",
    "street.a",
];

/// Pages per account, and pages per shape (`/needs/N`).
const MAX_PAGES: usize = 160;
const PER_SHAPE: usize = 2;

/// Every `href` of a page, as written (entities decoded for `&amp;`).
pub fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("href=\"") {
        rest = &rest[i + 6..];
        let Some(end) = rest.find('"') else { break };
        out.push(rest[..end].replace("&amp;", "&").replace("&#38;", "&").replace("&#x2F;", "/"));
        rest = &rest[end..];
    }
    out
}

/// `/needs/123?page=2` → `/needs/N?page=N`: one shape of address.
pub(crate) fn shape(path: &str) -> String {
    let mut s = String::new();
    let mut in_digits = false;
    for c in path.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                s.push('N');
            }
            in_digits = true;
        } else {
            in_digits = false;
            s.push(c);
        }
    }
    s
}

/// Links the walk does not follow: the stylesheet, preference switches (they redirect back),
/// fragments and other sites.
fn followed(href: &str) -> bool {
    href.starts_with('/')
        && !href.starts_with("//")
        && !href.starts_with("/static/")
        && !href.starts_with("/prefs/")
        && !href.starts_with("/login")
}

/// Walks `account`'s pages; returns every (page, link, status) that failed.
pub async fn walk(app: &TestApp, account: &str) -> (usize, Vec<String>) {
    let c = app.login_as(account).await;
    let mut queue: VecDeque<(String, String)> = VecDeque::from([("(home)".to_string(), "/".to_string())]);
    let mut seen: HashSet<String> = HashSet::new();
    let mut shapes: HashMap<String, usize> = HashMap::new();
    let mut failures = Vec::new();
    let mut pages = 0;
    while let Some((from, href)) = queue.pop_front() {
        if pages >= MAX_PAGES {
            break;
        }
        let path = href.split('#').next().unwrap_or("").to_string();
        if path.is_empty() || !seen.insert(path.clone()) {
            continue;
        }
        let n = shapes.entry(shape(&path)).or_default();
        if *n >= PER_SHAPE {
            continue;
        }
        *n += 1;
        pages += 1;
        let mut r = app.get(&c, &path).await;
        let mut hops = 0;
        while r.status().is_redirection() && hops < 3 {
            let to = r.headers().get("location").and_then(|h| h.to_str().ok()).unwrap_or("/").to_string();
            r = app.get(&c, &to).await;
            hops += 1;
        }
        let status = r.status();
        if status.is_client_error() || status.is_server_error() {
            failures.push(format!("{account}: {from} → {path}: {status}"));
            continue;
        }
        let html_page =
            r.headers().get("content-type").and_then(|h| h.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
        if !html_page {
            continue;
        }
        let body = r.text().await.unwrap_or_default();
        for l in links(&body) {
            if followed(&l) {
                queue.push_back((path.clone(), l));
            }
        }
    }
    (pages, failures)
}

#[tokio::test]
async fn no_link_offered_to_any_role_leads_to_an_error() {
    let Some(app) = TestApp::spawn(Engine::Sqlite, "crawl").await else { return };
    let mut all = Vec::new();
    for account in ACCOUNTS {
        let (pages, failures) = walk(&app, account).await;
        assert!(pages >= 8, "{account} reached only {pages} pages: the walk itself is broken");
        all.extend(failures);
    }
    assert!(all.is_empty(), "links that answer an error:\n{}", all.join("\n"));
}

#[test]
fn shapes_fold_numbers() {
    assert_eq!(shape("/needs/123?page=20"), "/needs/N?page=N");
    assert_eq!(links(r#"<a href="/a?x=1&amp;y=2">"#), vec!["/a?x=1&y=2".to_string()]);
}
