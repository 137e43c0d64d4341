//! Batches of generated volunteers, records and points entries for the scale benchmark: whole
//! rows with their totals already summed, written as plain multi-row SQL (every value is a
//! number or a fixed code), so a city of a million volunteers loads in a minute.

use super::points;
use crate::AppError;
use sqlx::{Any, Transaction};

/// A generated volunteer: totals are those of the records generated for them.
pub(crate) struct Synthetic {
    pub person_id: i64,
    pub area_path: String,
    pub active: bool,
    pub joined_at: i64,
    pub last_served_at: i64,
    pub minutes: i64,
    pub tasks: i64,
    pub led: i64,
    pub decisions: i64,
    pub balance: i64,
}

/// Writes the volunteers of one community; returns their ids by person.
pub(crate) async fn insert_volunteers(
    tx: &mut Transaction<'_, Any>,
    community_id: i64,
    list: &[Synthetic],
    at: i64,
) -> Result<std::collections::HashMap<i64, i64>, AppError> {
    points::ensure_defaults(tx, community_id, at).await?;
    for chunk in list.chunks(400) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|v| {
                // Paths are digits and dots of area codes; checked so the batch stays plain.
                debug_assert!(v.area_path.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'/'));
                format!(
                    "({community_id}, '{}', {}, '{}', {}, {}, {}, {}, {}, {}, {}, {at}, {at})",
                    v.area_path.replace('\'', ""),
                    v.person_id,
                    if v.active { "active" } else { "left" },
                    v.joined_at,
                    v.minutes,
                    v.tasks,
                    v.led,
                    v.decisions,
                    v.last_served_at,
                    v.balance,
                )
            })
            .collect();
        sqlx::query(crate::sql!(
            "INSERT INTO volunteers (community_id, area_path, person_id, status, joined_at, minutes, tasks, led, decisions, \
             last_served_at, balance, created_at, updated_at) VALUES {}",
            rows.join(", ")
        ))
        .execute(&mut **tx)
        .await?;
    }
    let ids: Vec<(i64, i64)> = sqlx::query_as("SELECT person_id, id FROM volunteers WHERE community_id = $1")
        .bind(community_id)
        .fetch_all(&mut **tx)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Verified records: (volunteer, started, minutes).
pub(crate) async fn insert_records(
    tx: &mut Transaction<'_, Any>,
    community_id: i64,
    list: &[(i64, i64, i64)],
    at: i64,
) -> Result<(), AppError> {
    for chunk in list.chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|(v, s, m)| {
                format!(
                    "({community_id}, {v}, 'entered', 'participant', {s}, {}, {m}, 'verified', {s}, {at})",
                    s + m * 60_000
                )
            })
            .collect();
        sqlx::query(crate::sql!(
            "INSERT INTO service_records (community_id, volunteer_id, source, role, started_at, ended_at, minutes, status, \
             decided_at, created_at) VALUES {}",
            rows.join(", ")
        ))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Points earned under the community's council rule, (volunteer, points, number, at), each
/// balance raised by its entries in the same transaction so it stays their sum.
pub(crate) async fn insert_entries(
    tx: &mut Transaction<'_, Any>,
    community_id: i64,
    list: &[(i64, i64, i64, i64)],
) -> Result<(), AppError> {
    let rule: i64 = sqlx::query_scalar(
        "SELECT id FROM points_rules WHERE community_id = $1 AND trigger_code = 'council' ORDER BY id LIMIT 1",
    )
    .bind(community_id)
    .fetch_one(&mut **tx)
    .await?;
    for chunk in list.chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|(v, p, n, at)| {
                format!("({community_id}, {v}, 'earn', {p}, {rule}, 'generated:{n}', 'council:{n}', {at})")
            })
            .collect();
        sqlx::query(crate::sql!(
            "INSERT INTO points_entries (community_id, volunteer_id, kind, points, rule_id, source, reason, created_at) VALUES {}",
            rows.join(", ")
        ))
        .execute(&mut **tx)
        .await?;
    }
    let mut sums = std::collections::BTreeMap::<i64, i64>::new();
    for (v, p, _, _) in list {
        *sums.entry(*v).or_default() += p;
    }
    for (v, p) in sums {
        sqlx::query("UPDATE volunteers SET balance = balance + $1 WHERE id = $2")
            .bind(p)
            .bind(v)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Active volunteers with accounts and skills, for the emergency benchmark's street: (person,
/// user, their grid's path, skills as written).
pub(crate) async fn insert_on_call(
    tx: &mut Transaction<'_, Any>,
    community_id: i64,
    rows: &[(i64, i64, String, String)],
    at: i64,
) -> Result<(), AppError> {
    const PARAMS: usize = 9;
    let backend = crate::db::Backend::of(tx);
    for chunk in crate::db::statement_chunks(rows, PARAMS) {
        let sql = crate::sql!(
            "INSERT INTO volunteers (community_id, area_path, person_id, user_id, status, skills, joined_at, created_at, updated_at) VALUES {}",
            backend.values_list(chunk.len(), PARAMS)
        );
        let mut q = sqlx::query(sql);
        for (person, user, path, skills) in chunk {
            q = q
                .bind(community_id)
                .bind(path.as_str())
                .bind(*person)
                .bind(*user)
                .bind("active")
                .bind(format!(" {skills} "))
                .bind(at)
                .bind(at)
                .bind(at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
