//! The list of capabilities. The router, the OpenAPI document, the navigation, the jobs of
//! `serve` and the catalogue test are built by walking it; a new capability is one more line.

use crate::shell::AppState;
use crate::shell::error::{self, Problem};
use crate::shell::manifest::Manifest;
use crate::shell::registry::{self, Registry};
use crate::shell::route::{self, BODY_LIMIT, RouteSpec, UPLOAD_LIMIT};
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use wushe_domain::access::Action;

/// Every capability, in the order its routes are registered (links are placed by their `rank`).
pub static ALL: &[&Manifest] = &[
    &crate::accounts::MANIFEST,
    &crate::areas::MANIFEST,
    &crate::people::MANIFEST,
    &crate::organizations::MANIFEST,
    &crate::needs::MANIFEST,
    &crate::notifications::MANIFEST,
    &crate::open311::MANIFEST,
    &crate::resources::MANIFEST,
    &crate::claims::MANIFEST,
    &crate::bookings::MANIFEST,
    &crate::hsds::MANIFEST,
    &crate::volunteers::MANIFEST,
    &crate::emergency::MANIFEST,
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Wushe API",
        version = "1",
        description = "五社联动韧性社区平台 JSON API. Errors are application/problem+json (RFC 9457) with a stable `code`."
    ),
    components(schemas(Problem, crate::shell::error::FieldProblem))
)]
struct ApiDoc;

/// The whole API's document: the shared part merged with each capability's paths.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for m in ALL {
        doc.merge((m.openapi)());
    }
    doc
}

async fn openapi(State(s): State<AppState>) -> Response {
    let specs = route::ROUTES.get().map(Vec::as_slice).unwrap_or(&[]);
    axum::Json(crate::shell::openapi::published(document(), specs, s.this_year())).into_response()
}

/// The router of every capability with the shared layers, and its route table.
pub fn build(state: AppState) -> (Router, Vec<RouteSpec>) {
    let mut reg = Registry::new(state.clone());
    for m in ALL {
        (m.routes)(&mut reg);
    }
    reg.api(Method::GET, "/api/v1/openapi.json", Action::Public, openapi);
    let (router, specs, uploads) = reg.finish();
    let _ = route::ROUTES.set(specs.clone());
    let _ = crate::shell::layout::NAV.set(ALL.iter().flat_map(|m| m.nav.iter()).collect());
    let _ = crate::shell::layout::START.set(ALL.iter().flat_map(|m| m.start.iter()).collect());
    let uploads: std::sync::Arc<[&'static str]> = uploads.into();
    let router = router
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(UPLOAD_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), uploads),
            crate::shell::error_pages::problem_for_bare_errors,
        ))
        .layer(axum::middleware::map_response_with_state(state.secure_cookies, registry::security_headers))
        .with_state(state);
    (router, specs)
}

/// Runs every capability's background jobs until the process ends.
pub fn spawn_jobs(state: AppState) {
    for job in ALL.iter().flat_map(|m| m.jobs.iter()) {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(job.every_secs));
            loop {
                tick.tick().await;
                match (job.run)(state.clone(), state.now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(job = job.name, count = n, "job done"),
                    Err(e) => tracing::warn!(job = job.name, error = %e, "job failed"),
                }
            }
        });
    }
}

/// Every message-key prefix a capability declares, for the catalogue test.
pub fn catalogue_prefixes() -> Vec<&'static str> {
    ALL.iter().flat_map(|m| m.catalogue.iter().copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::i18n::{SHARED_PREFIXES, has};

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let mut prefixes: Vec<&str> = SHARED_PREFIXES.to_vec();
        prefixes.extend(["kind.", "weekday."]);
        prefixes.extend(catalogue_prefixes());
        let mut used = Vec::new();
        for dir in ["src", "templates", "../app/src", "../domain/src"] {
            collect_keys(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &prefixes, &mut used);
        }
        assert!(used.len() > 500, "the scan found suspiciously few keys: {}", used.len());
        let missing: Vec<&String> = used.iter().filter(|k| !has(k)).collect();
        assert!(missing.is_empty(), "keys used but not in the catalogue: {missing:#?}");
    }

    #[test]
    fn every_key_a_capability_builds_at_run_time_exists() {
        let mut missing = Vec::new();
        for m in ALL {
            let keys = (m.keys)();
            missing.extend(keys.into_iter().filter(|k| !has(k)).map(|k| format!("{}: {k}", m.name)));
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn capabilities_have_distinct_names_and_links() {
        let mut names: Vec<&str> = ALL.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        let mut ranks: Vec<u16> = ALL.iter().flat_map(|m| m.nav.iter().map(|n| n.rank)).collect();
        let n = ranks.len();
        ranks.sort();
        ranks.dedup();
        assert_eq!(ranks.len(), n, "two navigation links share a rank");
        let mut ranks: Vec<u16> = ALL.iter().flat_map(|m| m.start.iter().map(|n| n.rank)).collect();
        let n = ranks.len();
        ranks.sort();
        ranks.dedup();
        assert_eq!(ranks.len(), n, "two start actions share a rank");
    }

    fn collect_keys(dir: &std::path::Path, prefixes: &[&str], out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("source dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                collect_keys(&p, prefixes, out);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            // Message keys appear as quoted dotted lower-case identifiers with a known prefix.
            for prefix in prefixes {
                let quoted = format!("\"{prefix}");
                let mut rest = text.as_str();
                while let Some(i) = rest.find(&quoted) {
                    let tail = &rest[i + 1..];
                    let end = tail.find('"').unwrap_or(0);
                    let key = &tail[..end];
                    if !key.is_empty()
                        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
                        && !key.ends_with('.')
                    {
                        out.push(key.to_string());
                    }
                    rest = &tail[end..];
                }
            }
        }
    }

    /// Every capability folder and the shell, with each file's code (test modules left out).
    fn folders() -> Vec<(String, String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut out = Vec::new();
        for dir in std::fs::read_dir(&root).expect("src").flatten().filter(|e| e.path().is_dir()) {
            let folder = dir.file_name().to_string_lossy().to_string();
            for f in std::fs::read_dir(dir.path()).expect("folder").flatten() {
                let text = std::fs::read_to_string(f.path()).unwrap_or_default();
                let code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
                out.push((folder.clone(), f.file_name().to_string_lossy().to_string(), code));
            }
        }
        out
    }

    #[test]
    fn every_capability_folder_is_in_the_list_and_imports_no_other() {
        let files = folders();
        let mut names: Vec<&str> = ALL.iter().map(|m| m.name).collect();
        let mut folders: Vec<String> = files.iter().map(|(f, _, _)| f.clone()).filter(|f| f != "shell").collect();
        folders.sort();
        folders.dedup();
        names.sort();
        assert_eq!(folders, names, "each folder has its manifest in ALL");
        let mut wrong = Vec::new();
        for (folder, file, code) in &files {
            for other in ALL.iter().map(|m| m.name).filter(|n| n != folder) {
                if code.contains(&format!("crate::{other}::")) {
                    wrong.push(format!("{folder}/{file} imports {other}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn the_shell_imports_no_capability() {
        let mut wrong = Vec::new();
        for (folder, file, code) in folders().iter().filter(|(f, _, _)| f == "shell") {
            for cap in ALL.iter().map(|m| m.name).chain(["capabilities"]) {
                if code.contains(&format!("crate::{cap}::")) {
                    wrong.push(format!("{folder}/{file} imports {cap}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    /// Pages act as the person asking, never as the console's operator: what a page may show
    /// beyond the reader's grants (public directory facts, area names) is a query of the
    /// capability that owns it, which says why.
    #[test]
    fn no_page_or_api_acts_as_the_operator() {
        let wrong: Vec<String> = folders()
            .iter()
            .filter(|(_, _, code)| code.contains("Actor::operator()"))
            .map(|(folder, file, _)| format!("{folder}/{file}"))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
