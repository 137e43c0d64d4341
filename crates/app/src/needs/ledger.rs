//! N7 — the needs ledger (台账) as .xlsx and .csv: export any filtered list with Chinese
//! headers, and import a ledger with column mapping, a per-row error report and an
//! all-or-nothing commit. An exported ledger re-imported into a community without needs
//! exports again identically (ids aside).

use super::categories::Category;
use super::history::History;
use super::model::Need;
use super::workflow::Assignee;
use crate::areas::{self, Area};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, organizations};
use std::collections::HashMap;
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::needs::{Channel, EventKind, NeedStatus, Scope, Urgency, WorkCalendar};

/// The ledger's columns: (field, 中文表头, English header). Import finds columns by either
/// header or by the field name; export writes the Chinese header.
pub const COLUMNS: &[(&str, &str, &str)] = &[
    ("id", "编号", "ID"),
    ("title", "标题", "Title"),
    ("description", "内容", "Description"),
    ("category", "类别", "Category"),
    ("area_code", "区域编码", "Area code"),
    ("area_name", "区域", "Area"),
    ("household_code", "住户编码", "Household code"),
    ("channel", "渠道", "Channel"),
    ("urgency", "紧急程度", "Urgency"),
    ("scope", "需求性质", "Kind of need"),
    ("status", "状态", "Status"),
    ("created_at", "提交时间", "Submitted"),
    ("responded_at", "响应时间", "Responded"),
    ("resolved_at", "办结时间", "Resolved"),
    ("rating", "满意度", "Satisfaction"),
    ("assignee", "承办方", "Assigned to"),
    ("merged_into", "合并到", "Merged into"),
];

use crate::sheets::{ColumnKind, parse_time, time_text};
pub use crate::sheets::{ImportError, Imported, Labels, RowError, RowErrors, Table};

/// How each column is written to .xlsx: numbers and times typed, codes and names as text.
pub const KINDS: &[ColumnKind] = &[
    ColumnKind::Number,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Time,
    ColumnKind::Time,
    ColumnKind::Time,
    ColumnKind::Number,
    ColumnKind::Text,
    ColumnKind::Number,
];

/// The rows of a list of needs, for export.
pub async fn table(db: &Db, list: &[Need], label: Labels<'_>) -> Result<Table, AppError> {
    let mut rows = Vec::with_capacity(list.len());
    let mut cats: HashMap<i64, Vec<Category>> = HashMap::new();
    let mut area_cache: HashMap<i64, Area> = HashMap::new();
    for n in list {
        if let std::collections::hash_map::Entry::Vacant(e) = cats.entry(n.community_id) {
            e.insert(super::categories::categories(db, n.community_id).await?);
        }
        let cat =
            cats[&n.community_id].iter().find(|c| c.id == n.category_id).map(|c| c.name_zh.clone()).unwrap_or_default();
        let mut area_of = async |id: i64| -> Result<Area, AppError> {
            if let Some(a) = area_cache.get(&id) {
                return Ok(a.clone());
            }
            let a = areas::by_id(db, id).await?;
            area_cache.insert(id, a.clone());
            Ok(a)
        };
        let area = area_of(n.area_id).await?;
        let household = match n.household_id {
            Some(h) => area_of(h).await?.code,
            None => String::new(),
        };
        let assignee = match (n.assignee_org_id, n.assignee_user_id) {
            (Some(o), _) => {
                organizations::by_ids(db, &[o]).await?.into_iter().next().map(|o| o.name).unwrap_or_default()
            }
            (_, Some(u)) => crate::accounts::display_name(db, u).await?,
            _ => String::new(),
        };
        rows.push(vec![
            n.id.to_string(),
            n.title.clone(),
            n.description.clone(),
            cat,
            area.code.clone(),
            area.name.clone(),
            household,
            label(&format!("channel.{}", n.channel.code())),
            label(&format!("urgency.{}", n.urgency.code())),
            label(&format!("scope.{}", n.scope.code())),
            label(&format!("status.{}", n.status.code())),
            time_text(n.created_at),
            n.responded_at.map(time_text).unwrap_or_default(),
            n.resolved_at.map(time_text).unwrap_or_default(),
            n.rating.map(|r| r.to_string()).unwrap_or_default(),
            assignee,
            n.merged_into.map(|m| m.to_string()).unwrap_or_default(),
        ]);
    }
    Ok(Table { headers: COLUMNS.iter().map(|c| c.1.to_string()).collect(), rows })
}

/// The ledger as .xlsx, typed by [`KINDS`].
pub fn to_xlsx(t: &Table) -> Result<Vec<u8>, AppError> {
    crate::sheets::to_xlsx(t, "需求台账", KINDS)
}

/// Column index per field: an explicit mapping (field → header) first, then the known headers.
pub fn map_columns(t: &Table, mapping: &HashMap<String, String>) -> HashMap<&'static str, usize> {
    let mut out = HashMap::new();
    for (field, zh, en) in COLUMNS {
        let wanted: Vec<String> = match mapping.get(*field).filter(|h| !h.trim().is_empty()) {
            Some(h) => vec![h.trim().to_string()],
            None => vec![zh.to_string(), en.to_string(), field.to_string()],
        };
        if let Some(i) = t.headers.iter().position(|h| wanted.iter().any(|w| w.eq_ignore_ascii_case(h))) {
            out.insert(*field, i);
        }
    }
    out
}

/// Checks every row and, only if all are good, writes them in one transaction.
/// An uploaded ledger with how to read it.
pub struct Upload<'a> {
    pub table: &'a Table,
    /// Field → header, for files whose headers differ from ours.
    pub mapping: &'a HashMap<String, String>,
    /// Label sets accepted for coded cells (status, channel…), e.g. Chinese and English.
    pub labels: &'a [Labels<'a>],
}

pub async fn import(
    db: &Db,
    actor: &Actor,
    at: i64,
    cal: &WorkCalendar,
    community: &Area,
    up: Upload<'_>,
) -> Result<Imported, ImportError> {
    actor.require(Action::NeedManage, Some(&community.path))?;
    let Upload { table: t, mapping, labels } = up;
    let cols = map_columns(t, mapping);
    let mut errors = RowErrors::default();
    for (field, zh, _) in COLUMNS {
        if matches!(*field, "title" | "description" | "category" | "area_code" | "created_at")
            && !cols.contains_key(field)
        {
            errors.push(RowError { row: 1, column: zh.to_string(), key: "errors.import.missing_column" });
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let cats = super::categories::categories(db, community.id).await?;
    let orgs = organizations::listed_in(db, community).await?;
    let street_orgs = match community.parent_id {
        Some(p) => crate::directory::browse(db, &areas::by_id(db, p).await?.path, 500).await?,
        None => vec![],
    };
    let users = crate::accounts::users_in(db, &community.path).await?;
    // A cell matches a code if it is the code or any language's label of it.
    let matches = |kind: &str, code: &str, cell: &str| {
        let c = cell.trim();
        c == code || labels.iter().any(|l| l(&format!("{kind}.{code}")) == c)
    };
    // A ledger exported from this community and imported again is matched by its 编号:
    // those rows are already here and are skipped, not added twice.
    let listed: Vec<i64> = match cols.get("id") {
        Some(&c) => t.rows.iter().filter_map(|r| r.get(c).and_then(|v| v.trim().parse().ok())).collect(),
        None => vec![],
    };
    let existing = super::history::existing_ids(db, community.id, &listed).await?;
    let mut skipped = 0;
    let mut items: Vec<(Option<i64>, Option<i64>, History, NeedStatus)> = Vec::new();
    let mut area_cache: HashMap<String, Option<Area>> = HashMap::new();
    for (i, row) in t.rows.iter().enumerate() {
        let rown = i + 2;
        let cell = |f: &str| cols.get(f).and_then(|&c| row.get(c)).map(|s| s.trim().to_string()).unwrap_or_default();
        if cell("id").parse::<i64>().is_ok_and(|id| existing.contains(&id)) {
            skipped += 1;
            continue;
        }
        let mut err = |f: &str, key: &'static str| {
            let header = cols.get(f).map(|&c| t.headers[c].clone()).unwrap_or_else(|| f.to_string());
            errors.push(RowError { row: rown, column: header, key });
        };
        let title = wushe_domain::needs::parse_title(&cell("title")).map_err(|e| err("title", e.key)).ok();
        let description =
            wushe_domain::needs::parse_description(&cell("description")).map_err(|e| err("description", e.key)).ok();
        let category =
            cats.iter().find(|c| [&c.code, &c.name_zh, &c.name_en].iter().any(|n| **n == cell("category"))).cloned();
        if category.is_none() {
            err("category", "errors.category.unknown");
        }
        let mut area_for = async |code: String| -> Result<Option<Area>, AppError> {
            if let Some(a) = area_cache.get(&code) {
                return Ok(a.clone());
            }
            let a = match areas::by_code(db, &code).await {
                Ok(a) if a.path.starts_with(&community.path) => Some(a),
                Ok(_) | Err(AppError::NotFound) => None,
                Err(e) => return Err(e),
            };
            area_cache.insert(code, a.clone());
            Ok(a)
        };
        let area = area_for(cell("area_code")).await?;
        if area.is_none() {
            err("area_code", "errors.area.unknown");
        }
        let household = if cell("household_code").is_empty() {
            None
        } else {
            match area_for(cell("household_code")).await? {
                Some(h) if h.kind == AreaKind::Household => Some(h.id),
                _ => {
                    err("household_code", "errors.household.unknown");
                    None
                }
            }
        };
        let pick = |kind: &str, all: &[&'static str], default: &'static str, raw: String| -> Option<&'static str> {
            if raw.is_empty() {
                return Some(default);
            }
            all.iter().copied().find(|c| matches(kind, c, &raw))
        };
        let channel_codes: Vec<&'static str> = Channel::ALL.iter().map(|c| c.code()).collect();
        let channel = pick("channel", &channel_codes, "import", cell("channel")).and_then(|c| Channel::parse(c).ok());
        if channel.is_none() {
            err("channel", "errors.channel.invalid");
        }
        let urgency =
            pick("urgency", &["normal", "urgent"], "normal", cell("urgency")).and_then(|c| Urgency::parse(c).ok());
        if urgency.is_none() {
            err("urgency", "errors.urgency.invalid");
        }
        let scope =
            pick("scope", &["individual", "common"], "individual", cell("scope")).and_then(|c| Scope::parse(c).ok());
        if scope.is_none() {
            err("scope", "errors.scope.invalid");
        }
        let status_codes: Vec<&'static str> = NeedStatus::ALL.iter().map(|c| c.code()).collect();
        let status = pick("status", &status_codes, "submitted", cell("status")).and_then(|c| NeedStatus::parse(c).ok());
        if status.is_none() {
            err("status", "errors.status.invalid");
        }
        let created = parse_time(&cell("created_at"));
        if created.is_none() {
            err("created_at", "errors.import.time");
        }
        let time_or_err = |f: &str, errs: &mut RowErrors| -> Option<i64> {
            let raw = cell(f);
            if raw.is_empty() {
                return None;
            }
            let v = parse_time(&raw);
            if v.is_none() {
                let header = cols.get(f).map(|&c| t.headers[c].clone()).unwrap_or_else(|| f.to_string());
                errs.push(RowError { row: rown, column: header, key: "errors.import.time" });
            }
            v
        };
        let responded = time_or_err("responded_at", &mut errors);
        let resolved = time_or_err("resolved_at", &mut errors);
        let mut err = |f: &str, key: &'static str| {
            let header = cols.get(f).map(|&c| t.headers[c].clone()).unwrap_or_else(|| f.to_string());
            errors.push(RowError { row: rown, column: header, key });
        };
        let rating = if cell("rating").is_empty() {
            None
        } else {
            wushe_domain::needs::parse_rating(&cell("rating")).map_err(|e| err("rating", e.key)).ok()
        };
        let assignee = match cell("assignee") {
            a if a.is_empty() => None,
            a => match orgs.iter().chain(street_orgs.iter()).find(|o| o.name == a) {
                Some(o) => Some(Assignee::Organization(o.id.get())),
                None => match users.iter().find(|(_, n)| *n == a) {
                    Some((u, _)) => Some(Assignee::User(*u)),
                    None => {
                        err("assignee", "errors.assignee.unknown");
                        None
                    }
                },
            },
        };
        let old_id = cell("id").parse::<i64>().ok();
        let merged_into = cell("merged_into").parse::<i64>().ok();
        let (
            Some(title),
            Some(description),
            Some(category),
            Some(area),
            Some(channel),
            Some(urgency),
            Some(scope),
            Some(status),
            Some(created),
        ) = (title, description, category, area, channel, urgency, scope, status, created)
        else {
            continue;
        };
        if status == NeedStatus::Merged && merged_into.is_none() {
            err("merged_into", "errors.need.unknown");
            continue;
        }
        // The events that lead to the recorded status, at the recorded times.
        let resp = responded.unwrap_or(created);
        let res = resolved.unwrap_or(resp);
        let assign_data = match assignee {
            Some(Assignee::Organization(o)) => format!("org:{o}"),
            Some(Assignee::User(u)) => format!("user:{u}"),
            None => String::new(),
        };
        let imported = Some("台账导入".to_string());
        use EventKind as E;
        let mut events: Vec<(EventKind, i64, String, Option<String>)> = Vec::new();
        let worked = |ev: &mut Vec<(EventKind, i64, String, Option<String>)>| {
            ev.push((E::Accepted, resp, String::new(), None));
            if !assign_data.is_empty() {
                ev.push((E::Assigned, resp, assign_data.clone(), None));
            }
        };
        match status {
            NeedStatus::Submitted => {}
            NeedStatus::Accepted => events.push((E::Accepted, resp, String::new(), None)),
            NeedStatus::Rejected => events.push((E::Rejected, resp, String::new(), imported.clone())),
            NeedStatus::Merged => {}
            s => {
                worked(&mut events);
                if assign_data.is_empty() {
                    err("assignee", "errors.required");
                    continue;
                }
                if s == NeedStatus::InProgress {
                    events.push((E::Started, resp, String::new(), None));
                }
                if matches!(s, NeedStatus::Resolved | NeedStatus::Confirmed | NeedStatus::Reopened) {
                    events.push((E::Resolved, res, String::new(), None));
                }
                if s == NeedStatus::Confirmed {
                    events.push((E::Confirmed, res, format!("rating:{}", rating.unwrap_or(5)), None));
                }
                if s == NeedStatus::Reopened {
                    events.push((E::Reopened, res, String::new(), imported.clone()));
                }
            }
        }
        let h = History {
            area,
            household_id: household,
            category,
            title,
            description,
            channel,
            urgency,
            scope,
            created_at: created,
            events,
        };
        items.push((old_id, merged_into, h, status));
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let n = items.len();
    let mut tx = AuditedTx::begin(db, at).await?;
    // Merged rows point at other rows by their old number: insert the others first.
    let mut new_ids: HashMap<i64, i64> = existing.iter().map(|&i| (i, i)).collect();
    let (merged, rest): (Vec<_>, Vec<_>) = items.into_iter().partition(|x| x.3 == NeedStatus::Merged);
    let (olds, histories): (Vec<Option<i64>>, Vec<History>) = rest.into_iter().map(|(o, _, h, _)| (o, h)).unzip();
    let ids = super::history::insert_histories(&mut tx.tx, cal, &histories).await?;
    for (old, id) in olds.into_iter().zip(ids) {
        if let Some(o) = old {
            new_ids.insert(o, id);
        }
    }
    for (old, into, mut h, _) in merged {
        let Some(target) = into.and_then(|i| new_ids.get(&i)).copied() else {
            return Err(ImportError::Rows(RowErrors::one(RowError {
                row: 0,
                column: "合并到".into(),
                key: "errors.need.unknown",
            })));
        };
        h.events = vec![(EventKind::Merged, h.created_at, format!("into:{target}"), Some("台账导入".into()))];
        let id = super::history::insert_histories(&mut tx.tx, cal, std::slice::from_ref(&h)).await?[0];
        super::history::set_merged_into(&mut tx.tx, id, target).await?;
        if let Some(o) = old {
            new_ids.insert(o, id);
        }
    }
    tx.record(
        actor,
        Some(community.id),
        "needs.import",
        &format!("community:{}", community.code),
        &format!("{n} rows, {skipped} already here"),
    )
    .await?;
    tx.commit().await?;
    Ok(Imported { added: n, skipped })
}
