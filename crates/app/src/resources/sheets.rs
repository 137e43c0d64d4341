//! R1 — the resource database as .xlsx and .csv: export with Chinese headers, and import with a
//! per-row error report and an all-or-nothing commit (the sheet functions of the needs ledger).
//! Owners are written as the organization's name, so a sheet moves between communities.

use super::forms::Owner;
use super::forms::ResourceForm;
use super::model::Resource;
use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::sheets::{ColumnKind, ImportError, Imported, Labels, RowError, RowErrors, Table};
use crate::{Actor, AppError, Db, areas, needs, organizations};
use std::collections::HashMap;
use wushe_domain::access::Action;
use wushe_domain::resources::{BookerClass, ResourceKind, ResourceStatus};

/// (field, 中文表头, English header).
pub const COLUMNS: &[(&str, &str, &str)] = &[
    ("name", "名称", "Name"),
    ("kind", "类型", "Kind"),
    ("area_code", "区域编码", "Area code"),
    ("categories", "服务类别", "Categories"),
    ("tags", "技能标签", "Skill tags"),
    ("owner", "归属组织", "Owner organization"),
    ("capacity", "容量", "Capacity"),
    ("quantity", "数量", "Quantity"),
    ("unit", "单位", "Unit"),
    ("expires_on", "有效期至", "Expires on"),
    ("schedule", "开放时间", "Opening hours"),
    ("conditions", "使用条件", "Conditions"),
    ("contact_name", "联系人", "Contact"),
    ("contact_phone", "联系电话", "Contact phone"),
    ("address", "地址", "Address"),
    ("status", "状态", "Status"),
    ("description", "说明", "Description"),
    ("booking_who", "可预约对象", "Who may book"),
    ("booking_max_minutes", "单次最长（分钟）", "Longest booking (minutes)"),
    ("booking_approval", "预约审核", "Booking approval"),
];

/// How each column is written to .xlsx.
pub const KINDS: &[ColumnKind] = &[
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Number,
    ColumnKind::Number,
    ColumnKind::Text,
    ColumnKind::Date,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Number,
    ColumnKind::Text,
];

/// The resource database as .xlsx, typed by [`KINDS`].
pub fn to_xlsx(t: &Table) -> Result<Vec<u8>, AppError> {
    crate::sheets::to_xlsx(t, "社区资源", KINDS)
}

/// The rows of a list of resources. Person-owned resources' contacts are masked unless the
/// reader may see them (`shown` is decided per resource by the caller).
pub async fn table(db: &Db, list: &[(Resource, (String, String))], label: Labels<'_>) -> Result<Table, AppError> {
    let ids: Vec<i64> = list.iter().filter_map(|(r, _)| r.owner_org_id).collect();
    let orgs: HashMap<i64, String> =
        organizations::by_ids(db, &ids).await?.into_iter().map(|o| (o.id.get(), o.name)).collect();
    let area_ids: Vec<i64> = list.iter().map(|(r, _)| r.area_id).collect();
    let places = areas::by_ids(db, &area_ids).await?;
    // Categories are shown by their names in the sheet; a code without a name stays a code.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for c in list.iter().filter_map(|(r, _)| r.community_id) {
        if seen.insert(c) {
            for cat in needs::categories(db, c).await? {
                names.entry(cat.code).or_insert(cat.name_zh);
            }
        }
    }
    let rows = list
        .iter()
        .map(|(r, (contact_name, contact_phone))| {
            vec![
                r.name.clone(),
                label(&format!("resource.kind.{}", r.kind.code())),
                places.get(&r.area_id).map(|a| a.code.clone()).unwrap_or_default(),
                r.categories.iter().map(|c| names.get(c).unwrap_or(c).as_str()).collect::<Vec<_>>().join(" "),
                r.tags.join(" "),
                r.owner_org_id.and_then(|o| orgs.get(&o).cloned()).unwrap_or_default(),
                r.capacity.to_string(),
                r.quantity.map(|q| q.to_string()).unwrap_or_default(),
                r.unit.clone(),
                r.expires_on.clone().unwrap_or_default(),
                r.schedule.code(),
                r.conditions.clone(),
                contact_name.clone(),
                contact_phone.clone(),
                r.address.clone(),
                label(&format!("resource.status.{}", r.status.code())),
                r.description.clone(),
                label(&format!("booking.who.{}", r.rules.who.code())),
                r.rules.max_minutes.to_string(),
                label(if r.rules.approval { "booking.approval.yes" } else { "booking.approval.no" }),
            ]
        })
        .collect();
    Ok(Table { headers: COLUMNS.iter().map(|c| c.1.to_string()).collect(), rows })
}

/// A coded cell: the code or any language's label of it; an empty cell is `empty`.
fn coded<T: Copy>(
    raw: &str,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    key: &str,
    labels: &[Labels<'_>],
    empty: Option<T>,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() && empty.is_some() {
        return empty;
    }
    all.iter().copied().find(|v| code(*v) == raw || labels.iter().any(|l| l(&format!("{key}.{}", code(*v))) == raw))
}

/// Checks every row and, only if all are good, writes them in one transaction. Organizations
/// are found by name among those serving the community.
pub async fn import(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    t: &Table,
    labels: &[Labels<'_>],
) -> Result<Imported, ImportError> {
    actor.require(Action::ResourceManage, Some(&community.path))?;
    let col = |field: &str| {
        COLUMNS.iter().find(|c| c.0 == field).and_then(|(f, zh, en)| {
            t.headers.iter().position(|h| h == zh || h.eq_ignore_ascii_case(en) || h.eq_ignore_ascii_case(f))
        })
    };
    let mut errors = RowErrors::default();
    for (field, zh, _) in COLUMNS {
        if matches!(*field, "name" | "kind" | "area_code") && col(field).is_none() {
            errors.push(RowError { row: 1, column: zh.to_string(), key: "errors.import.missing_column" });
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let orgs = organizations::listed_in(db, community).await?;
    let above: Vec<Area> =
        areas::ancestors(db, community).await?.into_iter().filter(|a| a.path != community.path).collect();
    let mut street_orgs = Vec::new();
    for a in &above {
        street_orgs.extend(organizations::listed_in(db, a).await?.into_iter().filter(|o| o.area_path == a.path));
    }
    let cats = needs::categories(db, community.id).await?;
    // A category cell holds codes or names (zh or en), separated by spaces.
    let category_codes = |raw: &str| -> Option<String> {
        raw.split_whitespace()
            .map(|w| cats.iter().find(|c| c.code == w || c.name_zh == w || c.name_en == w).map(|c| c.code.clone()))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(" "))
    };
    let mut parsed = Vec::new();
    for (i, row) in t.rows.iter().enumerate() {
        let rownum = i + 2;
        let cell = |field: &str| col(field).and_then(|c| row.get(c)).map(|s| s.trim().to_string()).unwrap_or_default();
        let header = |field: &str| COLUMNS.iter().find(|c| c.0 == field).map(|c| c.1.to_string()).unwrap_or_default();
        let mut push =
            |field: &str, key: &'static str| errors.push(RowError { row: rownum, column: header(field), key });
        let kind = coded(&cell("kind"), ResourceKind::ALL, |k| k.code(), "resource.kind", labels, None);
        if kind.is_none() {
            push("kind", "errors.resource.kind");
        }
        let status = coded(
            &cell("status"),
            ResourceStatus::ALL,
            |k| k.code(),
            "resource.status",
            labels,
            Some(ResourceStatus::Active),
        );
        if status.is_none() {
            push("status", "errors.resource.status");
        }
        let owner_name = cell("owner");
        let owner = if owner_name.is_empty() {
            Some(Owner::Community)
        } else {
            orgs.iter()
                .chain(street_orgs.iter())
                .find(|o| o.name == owner_name)
                .map(|o| Owner::Organization(o.id.get()))
        };
        if owner.is_none() {
            push("owner", "errors.resource.owner");
        }
        let area_code = cell("area_code");
        let area = match areas::by_code(db, &area_code).await {
            Ok(a) if a.path.starts_with(&community.path) => Some(a),
            _ => {
                push("area_code", "errors.area.unknown");
                None
            }
        };
        let categories = category_codes(&cell("categories"));
        if categories.is_none() {
            push("categories", "errors.category.unknown");
        }
        let who = coded(
            &cell("booking_who"),
            BookerClass::ALL,
            |k| k.code(),
            "booking.who",
            labels,
            Some(BookerClass::Anyone),
        );
        if who.is_none() {
            push("booking_who", "errors.booking.who");
        }
        let approval_raw = cell("booking_approval");
        let approval = approval_raw == "1"
            || labels.iter().any(|l| l("booking.approval.yes") == approval_raw)
            || matches!(approval_raw.as_str(), "true" | "yes" | "是");
        let form = ResourceForm {
            area_code,
            kind: kind.map(|k| k.code().to_string()).unwrap_or_default(),
            name: cell("name"),
            description: cell("description"),
            categories: categories.unwrap_or_default(),
            tags: cell("tags"),
            owner: String::new(),
            capacity: cell("capacity"),
            quantity: cell("quantity"),
            unit: cell("unit"),
            expires_on: cell("expires_on"),
            schedule: cell("schedule"),
            conditions: cell("conditions"),
            contact_name: cell("contact_name"),
            contact_phone: if cell("contact_phone").contains('*') { String::new() } else { cell("contact_phone") },
            address: cell("address"),
            booking_who: who.map(|w| w.code().to_string()).unwrap_or_default(),
            booking_max_minutes: cell("booking_max_minutes"),
            booking_approval: if approval { "1".into() } else { String::new() },
            status: status.map(|s| s.code().to_string()).unwrap_or_default(),
        };
        match form.parse() {
            Ok(mut new) => {
                if let (Some(a), Some(o)) = (area, owner) {
                    new.owner = o;
                    parsed.push((a, new));
                }
            }
            Err(fe) => {
                for f in fe.0 {
                    let named = match f.field {
                        "who" => "booking_who",
                        "max_minutes" => "booking_max_minutes",
                        other => other,
                    };
                    let field = COLUMNS.iter().find(|c| c.0 == named).map(|c| c.0).unwrap_or("name");
                    push(field, f.key);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    for (area, new) in &parsed {
        let org = match new.owner {
            Owner::Organization(o) => Some(o),
            _ => None,
        };
        super::commands::insert(&mut tx.tx, area, new, (org, None, None), None, at).await?;
    }
    tx.record(
        actor,
        Some(community.id),
        "resource.import",
        &format!("area:{}", community.code),
        &parsed.len().to_string(),
    )
    .await?;
    tx.commit().await?;
    super::snapshot::forget_all(db);
    Ok(Imported { added: parsed.len(), skipped: 0 })
}
