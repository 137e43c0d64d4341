//! The public alerts as a CAP 1.2 feed (OASIS Common Alerting Protocol): an Atom feed at
//! `/cap/alerts.atom` whose entries link to each message at `/cap/alerts/{identifier}.xml`.
//! Each message has its `<info>` in zh-CN and en, the affected grids as closed WGS 84
//! polygons with the community's statistical code as geocode; updates and cancels reference
//! every earlier message of their incident. Drills never appear. `scripts/cap-validate.py`
//! checks the feed against the OASIS schema in CI.

use crate::shell::AppState;
use crate::shell::error::PageResult;
use crate::shell::i18n::{Lang, T};
use crate::shell::layout::rfc3339;
use crate::shell::registry::Registry;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse;
use wushe_app::AppError;
use wushe_app::emergency::{self, Alert, CapAlert};
use wushe_domain::access::Action;
use wushe_domain::emergency::{AlertKind, cap_status};

pub fn routes(r: &mut Registry) {
    r.page(Method::GET, "/cap/alerts.atom", Action::Public, feed);
    r.page(Method::GET, "/cap/alerts/{file}", Action::Public, message);
}

/// Text for XML content and attributes.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

/// The community's sender address: one per community, so a reader can tell them apart.
pub fn sender(community_code: &str) -> String {
    format!("community-{community_code}@alerts.wushe.invalid")
}

fn reference(code: &str, a: &Alert) -> String {
    format!("{},{},{}", sender(code), a.identifier, rfc3339(a.sent_at))
}

/// One CAP 1.2 message.
pub fn document(c: &CapAlert) -> String {
    let a = &c.alert;
    let i = &c.incident;
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n",
    );
    x.push_str(&format!("  <identifier>{}</identifier>\n", esc(&a.identifier)));
    x.push_str(&format!("  <sender>{}</sender>\n", esc(&sender(&c.community_code))));
    x.push_str(&format!("  <sent>{}</sent>\n", rfc3339(a.sent_at)));
    x.push_str(&format!("  <status>{}</status>\n", cap_status(a.drill != 0)));
    x.push_str(&format!("  <msgType>{}</msgType>\n", a.kind.cap()));
    x.push_str("  <scope>Public</scope>\n");
    if a.kind != AlertKind::Alert && !c.earlier.is_empty() {
        let refs: Vec<String> = c.earlier.iter().map(|e| reference(&c.community_code, e)).collect();
        x.push_str(&format!("  <references>{}</references>\n", esc(&refs.join(" "))));
    }
    x.push_str(&format!("  <incidents>{}</incidents>\n", esc(&format!("wushe-incident-{}", i.id))));
    for lang in [Lang::ZhCn, Lang::En] {
        let t = T(lang);
        let (headline, description, instruction) = match lang {
            Lang::ZhCn => (&a.headline_zh, &a.description_zh, &a.instruction_zh),
            Lang::En => (&a.headline_en, &a.description_en, &a.instruction_en),
        };
        x.push_str("  <info>\n");
        x.push_str(&format!("    <language>{}</language>\n", if lang == Lang::ZhCn { "zh-CN" } else { "en" }));
        x.push_str(&format!("    <category>{}</category>\n", i.hazard.cap_category()));
        x.push_str(&format!("    <event>{}</event>\n", esc(t.t(&format!("hazard.{}", i.hazard.code())))));
        // A cancel says the danger is past; the rest call for action now.
        let urgency = if a.kind == AlertKind::Cancel { "Past" } else { "Immediate" };
        x.push_str(&format!("    <urgency>{urgency}</urgency>\n"));
        x.push_str(&format!("    <severity>{}</severity>\n", a.severity.cap()));
        x.push_str("    <certainty>Observed</certainty>\n");
        x.push_str(&format!("    <senderName>{}</senderName>\n", esc(t.t("app.name"))));
        x.push_str(&format!("    <headline>{}</headline>\n", esc(headline)));
        if !description.is_empty() {
            x.push_str(&format!("    <description>{}</description>\n", esc(description)));
        }
        if !instruction.is_empty() {
            x.push_str(&format!("    <instruction>{}</instruction>\n", esc(instruction)));
        }
        for (name, rings) in &c.areas {
            x.push_str("    <area>\n");
            x.push_str(&format!("      <areaDesc>{}</areaDesc>\n", esc(name)));
            for r in rings {
                x.push_str(&format!("      <polygon>{}</polygon>\n", r.cap_polygon()));
            }
            x.push_str(&format!(
                "      <geocode><valueName>CN-STATS</valueName><value>{}</value></geocode>\n",
                esc(&c.community_code)
            ));
            x.push_str("    </area>\n");
        }
        x.push_str("  </info>\n");
    }
    x.push_str("</alert>\n");
    x
}

async fn feed(State(s): State<AppState>) -> PageResult {
    let list = emergency::public_alerts(&s.db, 100).await?;
    let t = T(Lang::ZhCn);
    let updated = list.first().map(|a| a.sent_at).unwrap_or(0);
    let mut x =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str("  <id>urn:wushe:cap:alerts</id>\n");
    x.push_str(&format!("  <title>{}</title>\n", esc(t.t("page.cap.feed"))));
    x.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    x.push_str(&format!("  <author><name>{}</name></author>\n", esc(t.t("app.name"))));
    x.push_str("  <link rel=\"self\" href=\"/cap/alerts.atom\"/>\n");
    for a in &list {
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <id>urn:wushe:cap:{}</id>\n", esc(&a.identifier)));
        x.push_str(&format!("    <title>{}</title>\n", esc(&a.headline_zh)));
        x.push_str(&format!("    <updated>{}</updated>\n", rfc3339(a.sent_at)));
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"/cap/alerts/{}.xml\"/>\n",
            esc(&a.identifier)
        ));
        x.push_str(&format!("    <summary>{}</summary>\n", esc(&a.instruction_zh)));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], x).into_response())
}

async fn message(State(s): State<AppState>, Path(file): Path<String>) -> PageResult {
    let Some(identifier) = file.strip_suffix(".xml") else { return Err(AppError::NotFound.into()) };
    match emergency::public_alert(&s.db, identifier).await? {
        Some(c) => Ok((StatusCode::OK, [(header::CONTENT_TYPE, "application/cap+xml; charset=utf-8")], document(&c))
            .into_response()),
        None => Err(AppError::NotFound.into()),
    }
}
