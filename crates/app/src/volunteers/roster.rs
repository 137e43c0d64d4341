//! Volunteer rosters from Excel or CSV: every row checked first, then all written in one
//! transaction or none, with a report naming each bad cell by row and column.

use super::commands::insert_volunteer;
use super::forms::{Profile, local_midnight};
use crate::audit::AuditedTx;
use crate::sheets::{ImportError, Imported, RowError, RowErrors, Table};
use crate::{Actor, Db, areas};
use wushe_domain::access::Action;
use wushe_domain::people::PhoneNumber;
use wushe_domain::volunteers::VolunteerStatus;

/// The roster's columns: field, Chinese header, English header.
pub const COLUMNS: &[(&str, &str, &str)] = &[
    ("name", "姓名", "Name"),
    ("phone", "手机号", "Mobile"),
    ("group", "服务队", "Group"),
    ("skills", "技能", "Skills"),
    ("party_member", "党员", "Party member"),
    ("insurance_until", "保险到期", "Insurance until"),
    ("joined_on", "加入日期", "Joined on"),
];

/// Imports a roster into a community. Each row names a resident by name and mobile number;
/// residents already volunteering are skipped (a re-imported roster adds nothing).
pub async fn import(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &areas::Area,
    t: &Table,
) -> Result<Imported, ImportError> {
    actor.require(Action::VolunteerManage, Some(&community.path))?;
    let col = |field: &str| {
        COLUMNS.iter().find(|c| c.0 == field).and_then(|(f, zh, en)| {
            t.headers
                .iter()
                .position(|h| h.trim() == *zh || h.trim().eq_ignore_ascii_case(en) || h.trim().eq_ignore_ascii_case(f))
        })
    };
    let header = |field: &str| COLUMNS.iter().find(|c| c.0 == field).map(|c| c.1.to_string()).unwrap_or_default();
    let mut errors = RowErrors::default();
    for f in ["name", "phone"] {
        if col(f).is_none() {
            errors.push(RowError { row: 1, column: header(f), key: "errors.import.missing_column" });
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let groups = super::queries::groups(db, community.id).await?;
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    let mut skipped = 0;
    for (i, row) in t.rows.iter().enumerate() {
        let n = i + 2;
        let cell = |f: &str| col(f).and_then(|c| row.get(c)).map(|s| s.trim().to_string()).unwrap_or_default();
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut bad = |f: &str, key: &'static str| errors.push(RowError { row: n, column: header(f), key });
        let name = cell("name");
        if name.is_empty() {
            bad("name", "errors.required");
        }
        let phone = match PhoneNumber::parse(&cell("phone")) {
            Ok(p) => Some(p),
            Err(_) => {
                bad("phone", "errors.phone.invalid");
                None
            }
        };
        let group = cell("group");
        let group_id = if group.is_empty() {
            None
        } else {
            match groups.iter().find(|g| g.0.name == group) {
                Some(g) => Some(g.0.id),
                None => {
                    bad("group", "errors.volunteer.group");
                    None
                }
            }
        };
        let skills: Vec<String> =
            cell("skills").split([' ', ',', '，', '、', ';']).filter(|s| !s.is_empty()).map(String::from).collect();
        if skills.len() > 20 || skills.iter().any(|s| s.chars().count() > 30) {
            bad("skills", "errors.tags.invalid");
        }
        let party = matches!(cell("party_member").as_str(), "是" | "党员" | "1" | "yes" | "Yes" | "Y" | "y");
        let date = |f: &str, errors: &mut RowErrors| -> Option<i64> {
            let raw = cell(f);
            if raw.is_empty() {
                return None;
            }
            // A date cell of .xlsx arrives as `YYYY-MM-DD HH:MM:SS`.
            let day = raw.split_whitespace().next().unwrap_or("");
            match local_midnight(day, "date") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(RowError { row: n, column: header(f), key: "errors.date.invalid" });
                    None
                }
            }
        };
        let until = date("insurance_until", &mut errors).map(|d| d + wushe_domain::volunteers::DAY_MS - 1);
        let joined = date("joined_on", &mut errors);
        let Some(phone) = phone else { continue };
        if name.is_empty() {
            continue;
        }
        let person: Option<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM people WHERE community_id = $1 AND phone = $2 ORDER BY id LIMIT 1")
                .bind(community.id)
                .bind(phone.reveal())
                .fetch_optional(&db.pool)
                .await?;
        let Some((person_id, stored)) = person else {
            errors.push(RowError { row: n, column: header("phone"), key: "errors.volunteer.no_resident" });
            continue;
        };
        if stored != name {
            errors.push(RowError { row: n, column: header("name"), key: "errors.volunteer.name_mismatch" });
            continue;
        }
        if !seen.insert(person_id) {
            errors.push(RowError { row: n, column: header("phone"), key: "errors.import.duplicate" });
            continue;
        }
        let exists: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM volunteers WHERE community_id = $1 AND person_id = $2")
                .bind(community.id)
                .bind(person_id)
                .fetch_optional(&db.pool)
                .await?;
        if exists.is_some() {
            skipped += 1;
            continue;
        }
        let user: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE person_id = $1 ORDER BY id LIMIT 1")
            .bind(person_id)
            .fetch_optional(&db.pool)
            .await?;
        let profile = Profile {
            person_id: Some(person_id),
            group_id,
            skills,
            availability: String::new(),
            grid: None,
            party_member: party,
            insurance_policy: String::new(),
            insurance_until: until,
            joined_at: joined,
        };
        rows.push((person_id, user, profile));
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let mut tx = AuditedTx::begin(db, at).await.map_err(ImportError::App)?;
    for (person, user, p) in &rows {
        let id = insert_volunteer(
            &mut tx.tx,
            community.id,
            &community.path,
            *person,
            *user,
            VolunteerStatus::Active,
            p,
            p.joined_at.unwrap_or(at),
            at,
        )
        .await?;
        let vol = super::access::by_id_in(&mut tx.tx, id).await?;
        super::commands::declare_skills(&mut tx.tx, &vol, at).await?;
    }
    tx.record(
        actor,
        Some(community.id),
        "volunteer.import",
        &format!("area:{}", community.code),
        &rows.len().to_string(),
    )
    .await
    .map_err(ImportError::App)?;
    tx.commit().await.map_err(ImportError::App)?;
    Ok(Imported { added: rows.len(), skipped })
}

/// The roster's headers, for the template a community downloads.
pub fn template() -> Table {
    Table {
        headers: COLUMNS.iter().map(|c| c.1.to_string()).collect(),
        rows: vec![vec![
            "张三".into(),
            "13800000000".into(),
            String::new(),
            "理发 陪诊".into(),
            "是".into(),
            "2027-06-30".into(),
            "2026-01-01".into(),
        ]],
    }
}
