//! The OpenAPI 3.1 document as served at `/api/v1/openapi.json`: the handlers' annotations
//! (utoipa), completed with what holds for every operation and refined with the input rules
//! the domain enforces, so that a client generated from it, or a tool such as schemathesis,
//! sends what the server accepts and expects what it answers.

use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use wushe_domain::access::Action;

/// The document as served: the annotations' paths completed with what holds for every
/// operation, so that it says what the server does — each operation's security (a session
/// cookie or a bearer token, from the route's `Action`), every error status it can answer
/// (as problem+json), a description for every response, unique operation ids, and file
/// uploads typed as binary bodies of their media types.
pub fn published(
    document: utoipa::openapi::OpenApi,
    specs: &[crate::shell::route::RouteSpec],
    this_year: i32,
) -> serde_json::Value {
    let mut doc = serde_json::to_value(document).unwrap_or(Value::Null);
    let problem = |what: &str| json!({ "description": what, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } });
    let mut ids: HashMap<String, usize> = HashMap::new();
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values().filter_map(Value::as_object) {
            for op in item.values() {
                if let Some(id) = op["operationId"].as_str() {
                    *ids.entry(id.to_string()).or_default() += 1;
                }
            }
        }
    }
    let Some(paths) = doc["paths"].as_object_mut() else { return doc };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            if ids.get(&id).is_none_or(|n| *n > 1) {
                let words: String =
                    path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect::<String>();
                let words: Vec<&str> =
                    words.split('_').filter(|w| !w.is_empty() && *w != "api" && *w != "v1").collect();
                op["operationId"] = json!(format!("{method}_{}", words.join("_")));
            }
            let spec = specs.iter().find(|s| s.path == path.as_str() && s.method.as_str().eq_ignore_ascii_case(method));
            let public = spec.is_some_and(|s| s.action == Action::Public);
            op["security"] = if public { json!([]) } else { json!([{ "session": [] }, { "bearer": [] }]) };
            let has_body = op.get("requestBody").is_some();
            if let Some(content) = op.pointer_mut("/requestBody/content").and_then(Value::as_object_mut) {
                let files: Vec<String> = content.keys().filter(|k| !k.contains("json")).cloned().collect();
                for kind in files {
                    content.insert(kind, json!({ "schema": { "type": "string", "format": "binary" } }));
                }
                if content.contains_key("text/csv") {
                    content.insert(
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
                        json!({ "schema": { "type": "string", "format": "binary" } }),
                    );
                }
            }
            if path.ends_with("/hsds/import")
                && let Some(body) = op.pointer_mut("/requestBody/content/application~1json")
            {
                *body = json!({ "schema": { "type": "array", "items": { "type": "object" },
                    "description": "An HSDS 3 file: an array of services (a page of them, or one service, is read too)." } });
            }
            // A spreadsheet export answers in the format asked for.
            if let Some(ok) = op.pointer_mut("/responses/200/content").and_then(Value::as_object_mut)
                && ok.contains_key("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            {
                ok.insert("text/csv".into(), json!({ "schema": { "type": "string", "format": "binary" } }));
            }
            let writes = matches!(method.as_str(), "post" | "put" | "patch" | "delete");
            let Some(responses) = op["responses"].as_object_mut() else { continue };
            let mut add = |code: &str, what: &str| {
                responses.entry(code.to_string()).or_insert_with(|| problem(what));
            };
            add("400", "The request could not be read (a malformed parameter or body).");
            add("404", "No such record, or one the caller may not see.");
            add("422", "Invalid input; `errors` names each field.");
            if !public {
                add("401", "Sign-in required: a session cookie or a bearer token.");
                add("403", "The caller's roles do not allow this.");
            }
            if has_body {
                add("413", "The body is larger than this route accepts.");
                add("415", "The body is not of a media type this route accepts.");
            }
            if writes {
                add("409", "Someone changed the record first, or it is taken; read it again.");
            }
            for (code, r) in responses.iter_mut() {
                if r.get("description").and_then(Value::as_str).is_none_or(str::is_empty) && r.get("$ref").is_none() {
                    let reason = code
                        .parse::<u16>()
                        .ok()
                        .and_then(|c| StatusCode::from_u16(c).ok())
                        .and_then(|c| c.canonical_reason())
                        .unwrap_or("Response");
                    r["description"] = json!(reason);
                }
            }
        }
    }
    refine(&mut doc, this_year);
    doc["components"]["securitySchemes"] = json!({
        "session": { "type": "apiKey", "in": "cookie", "name": crate::shell::cookies::SESSION_COOKIE,
                     "description": "The session cookie set by POST /api/v1/session. Writes must come from this site (Origin / Sec-Fetch-Site) or carry X-CSRF-Token." },
        "bearer": { "type": "http", "scheme": "bearer", "description": "An API token from `wushe token create`." },
    });
    doc
}

/// Free text the domain trims and checks: something besides spaces, no control characters
/// but line breaks and tabs, at most `max` characters.
fn text(max: usize) -> Value {
    json!({ "type": "string", "maxLength": max, "allOf": [
        { "pattern": "\\S" },
        { "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$" },
    ] })
}

fn one_of(codes: impl IntoIterator<Item = &'static str>) -> Value {
    json!({ "type": "string", "enum": codes.into_iter().collect::<Vec<_>>() })
}

fn code_or_empty(codes: impl IntoIterator<Item = &'static str>) -> Value {
    let mut all: Vec<&str> = vec![""];
    all.extend(codes);
    json!({ "type": "string", "enum": all })
}

/// A local date `YYYY-MM-DD` between 1900 and 2100 (days up to 31 in any month; the server
/// also refuses days a month does not have).
fn date() -> Value {
    json!({ "type": "string", "pattern": "^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$" })
}

/// A statistical area code: 2 to 30 digits.
fn area_code() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]{2,30}$" })
}

/// The rules of each input the domain enforces, by schema and property (for bodies) or by
/// parameter name (for paths and queries). Enumerations come from the domain's own lists.
fn refine(doc: &mut Value, this_year: i32) {
    use wushe_domain::areas::AreaKind;
    use wushe_domain::needs::{Channel, EventKind, Scope, Urgency};
    use wushe_domain::organizations::{OrganizationKind, Post};
    use wushe_domain::people::Vulnerability;
    let id = json!({ "type": "integer", "format": "int64", "minimum": 1 });
    let bodies: Vec<(&str, &str, Value)> = vec![
        ("AreaBody", "parent_code", area_code()),
        ("AreaBody", "kind", one_of(AreaKind::ALL.iter().map(|k| k.code()))),
        ("AreaBody", "name", text(60)),
        ("DecisionBody", "decision", one_of(["approve", "reject"])),
        ("BulkBody", "assignee", json!({ "type": "string", "pattern": "^(org|user):[1-9][0-9]{0,17}$" })),
        ("GroupBody", "title", text(80)),
        ("GroupBody", "needs", json!({ "type": "array", "minItems": 2, "maxItems": 200, "items": id })),
        ("WhistleBody", "organizations", json!({ "type": "array", "minItems": 1, "maxItems": 50, "items": id })),
        ("WhistleBody", "hours", json!({ "type": "integer", "minimum": 1, "maximum": 720 })),
        ("ReportBody", "organization_id", id.clone()),
        ("MemberBody", "person_id", id.clone()),
        ("MemberBody", "post", one_of(Post::ALL.iter().map(|k| k.code()))),
        ("OrganizationBody", "area_code", area_code()),
        ("OrganizationBody", "kind", one_of(OrganizationKind::ALL.iter().map(|k| k.code()))),
        ("OrganizationBody", "name", text(80)),
        ("PersonBody", "household_code", area_code()),
        ("PersonBody", "name", text(40)),
        ("PersonBody", "gender", json!({ "type": ["string", "null"], "enum": ["", "female", "male", null] })),
        (
            "PersonBody",
            "vulnerability",
            json!({ "type": "array", "items": one_of(Vulnerability::ALL.iter().map(|k| k.code())) }),
        ),
        ("NeedBody", "title", text(80)),
        ("NeedBody", "description", text(4000)),
        ("NeedBody", "urgency", code_or_empty(Urgency::ALL.iter().map(|k| k.code()))),
        ("NeedBody", "scope", code_or_empty(Scope::ALL.iter().map(|k| k.code()))),
        ("NeedBody", "channel", code_or_empty(Channel::ALL.iter().map(|k| k.code()))),
        ("StepBody", "event", one_of(EventKind::ALL.iter().map(|k| k.code()))),
        ("StepBody", "version", json!({ "type": "integer", "format": "int64", "minimum": 0 })),
        ("CategoryBody", "name_zh", text(40)),
        ("CategoryBody", "name_en", text(60)),
        ("CategoryBody", "respond_hours", json!({ "type": "integer", "minimum": 1, "maximum": 720 })),
        ("CategoryBody", "resolve_hours", json!({ "type": "integer", "minimum": 1, "maximum": 2160 })),
        (
            "CalendarDto",
            "workdays",
            json!({ "type": "array", "minItems": 7, "maxItems": 7, "items": { "type": "boolean" }, "contains": { "const": true } }),
        ),
        ("CalendarDto", "start_hour", json!({ "type": "integer", "minimum": 0, "maximum": 23 })),
        ("CalendarDto", "end_hour", json!({ "type": "integer", "minimum": 1, "maximum": 24 })),
        ("ViewBody", "name", text(40)),
        ("LoginBody", "username", text(100)),
        (
            "EmailBody",
            "email",
            json!({ "type": "string", "maxLength": 254, "pattern": "^$|^[^\\s@<>()\\[\\],;:\\\\\"]{1,64}@[\\w-]+(\\.[\\w-]+)+$" }),
        ),
        ("LoginBody", "password", json!({ "type": "string", "minLength": 1, "maxLength": 1024 })),
        ("StockBody", "reason", text(200)),
        ("BookingBody", "purpose", text(200)),
        ("BookingBody", "date", date()),
        ("ExceptionBody", "date", date()),
        ("CategoryBody", "code", json!({ "type": "string", "pattern": "^([a-z0-9_]{2,32})?$" })),
        (
            "PersonBody",
            "birth_year",
            json!({ "type": ["integer", "null"], "minimum": this_year - 120, "maximum": this_year }),
        ),
        ("ResourceBody", "kind", one_of(wushe_domain::resources::ResourceKind::ALL.iter().map(|k| k.code()))),
        ("ResourceBody", "name", text(80)),
    ];
    let required: [(&str, &[&str]); 3] = [
        ("BookingBody", &["date", "from", "to", "purpose"]),
        ("ResourceBody", &["kind", "name", "area_code"]),
        ("ExceptionBody", &["date"]),
    ];
    let schemas = &mut doc["components"]["schemas"];
    for (schema, property, rule) in bodies {
        if let Some(p) = schemas.pointer_mut(&format!("/{schema}/properties/{property}")) {
            let description = p.get("description").cloned();
            *p = rule;
            if let Some(d) = description {
                p["description"] = d;
            }
        }
    }
    for (schema, fields) in required {
        if let Some(sc) = schemas.get_mut(schema) {
            sc["required"] = json!(fields);
        }
    }
    let params: Vec<(&str, &str, Value)> = vec![
        ("path", "id", id.clone()),
        ("path", "exception", id.clone()),
        ("path", "code", area_code()),
        ("query", "offset", json!({ "type": "integer", "format": "int64", "minimum": 0 })),
        // Pages below the first read as the first, past the last as the last.
        ("query", "page", json!({ "type": "integer", "format": "int64" })),
        ("query", "date", date()),
        ("query", "month", json!({ "type": "string", "pattern": "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$" })),
        ("query", "from", json!({ "type": "string", "pattern": "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$" })),
        ("query", "to", json!({ "type": "string", "pattern": "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$" })),
        ("query", "community", json!({ "type": "string", "pattern": "^([0-9]{2,30})?$" })),
        ("query", "vulnerability", one_of(Vulnerability::ALL.iter().map(|k| k.code()))),
        ("query", "format", one_of(["xlsx", "csv"])),
    ];
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for op in item.values_mut() {
            let Some(list) = op.get_mut("parameters").and_then(Value::as_array_mut) else { continue };
            for prm in list {
                let (place, name) = (prm["in"].as_str().unwrap_or(""), prm["name"].as_str().unwrap_or(""));
                if name == "limit" {
                    let max = if path.ends_with("/matches") { 200 } else { 500 };
                    prm["schema"] = json!({ "type": "integer", "minimum": 1, "maximum": max });
                } else if let Some((_, _, rule)) = params.iter().find(|(p, n, _)| *p == place && *n == name) {
                    prm["schema"] = rule.clone();
                }
            }
        }
    }
}
