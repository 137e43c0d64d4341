//! Reading accounts: grants ready for the policy, display names, the accounts serving an area.

use crate::{AppError, Db};
use sqlx::Row;
use wushe_domain::access::{Grant, Grants, Role};

/// A user's grants with their areas' paths, ready for the policy.
pub async fn grants_of(db: &Db, user_id: i64) -> Result<Grants, AppError> {
    let rows = sqlx::query(
        "SELECT g.role, a.path FROM grants g JOIN areas a ON a.id = g.area_id WHERE g.user_id = $1 ORDER BY g.id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let mut grants = Vec::new();
    for r in rows {
        let role: String = r.try_get(0)?;
        grants.push(Grant { role: Role::parse(&role)?, area_path: r.try_get(1)? });
    }
    Ok(Grants { signed_in: true, grants })
}

/// The person an account belongs to, if linked; unknown users are not found.
pub async fn person_of(db: &Db, user_id: i64) -> Result<Option<i64>, AppError> {
    let r: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT person_id FROM users WHERE id = $1").bind(user_id).fetch_optional(&db.pool).await?;
    r.map(|x| x.0).ok_or(AppError::NotFound)
}

/// Grants with area codes and names, for the account page.
pub async fn grant_list(db: &Db, user_id: i64) -> Result<Vec<(Role, String, String)>, AppError> {
    let rows = sqlx::query("SELECT g.role, a.code, a.name FROM grants g JOIN areas a ON a.id = g.area_id WHERE g.user_id = $1 ORDER BY g.id")
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get(0)?;
            Ok((Role::parse(&role)?, r.try_get(1)?, r.try_get(2)?))
        })
        .collect()
}

/// A user's display name (assignee labels).
pub async fn display_name(db: &Db, user_id: i64) -> Result<String, AppError> {
    let r: (String,) =
        sqlx::query_as("SELECT display_name FROM users WHERE id = $1").bind(user_id).fetch_one(&db.pool).await?;
    Ok(r.0)
}

/// Display names of many users in one query per 500 (labels of a table).
pub async fn display_names(db: &Db, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in crate::db::statement_chunks(ids, 1) {
        let list = db.backend.in_list(chunk.len());
        let mut q =
            sqlx::query_as::<_, (i64, String)>(crate::sql!("SELECT id, display_name FROM users WHERE id IN ({list})"));
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

/// Users holding any grant inside `path`'s subtree (assignment choices).
pub async fn users_in(db: &Db, path: &str) -> Result<Vec<(i64, String)>, AppError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name FROM users u JOIN grants g ON g.user_id = u.id JOIN areas a ON a.id = g.area_id \
         WHERE a.path >= $1 AND a.path < $2 AND g.role <> 'resident' AND u.disabled = 0 ORDER BY u.id",
    )
    .bind(path)
    .bind(crate::db::upper(path))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}

/// Organizations the user's linked person belongs to.
pub async fn member_org_ids(db: &Db, user_id: Option<i64>) -> Result<Vec<i64>, AppError> {
    let Some(uid) = user_id else { return Ok(vec![]) };
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT m.organization_id FROM memberships m JOIN users u ON u.person_id = m.person_id WHERE u.id = $1",
    )
    .bind(uid)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Enabled users holding `role` somewhere inside `path`'s subtree, with the grant's area path
/// and their own household's path if they live there (where a grid worker sets out from).
pub(crate) async fn holders_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    role: wushe_domain::access::Role,
    path: &str,
) -> Result<Vec<(i64, String, Option<String>)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id, MIN(a.path), MIN(p.household_path) FROM users u JOIN grants g ON g.user_id = u.id \
         JOIN areas a ON a.id = g.area_id LEFT JOIN people p ON p.id = u.person_id \
         WHERE g.role = $1 AND a.path >= $2 AND a.path < $3 AND u.disabled = 0 GROUP BY u.id ORDER BY u.id",
    )
    .bind(role.code())
    .bind(path)
    .bind(crate::db::upper(path))
    .fetch_all(&mut **tx)
    .await?)
}

/// Enabled users holding any grant inside `path`'s subtree (residents of its households,
/// staff of its grids): whom an emergency alert for that area reaches.
pub(crate) async fn users_inside(tx: &mut sqlx::Transaction<'_, sqlx::Any>, path: &str) -> Result<Vec<i64>, AppError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT g.user_id FROM grants g JOIN areas a ON a.id = g.area_id JOIN users u ON u.id = g.user_id \
         WHERE a.path >= $1 AND a.path < $2 AND u.disabled = 0",
    )
    .bind(path)
    .bind(crate::db::upper(path))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The phone numbers of these users' accounts, for leaving them out of a broadcast that their
/// own notifications already carry.
pub(crate) async fn phones_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    users: &[i64],
) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    let backend = crate::db::Backend::of(tx);
    for chunk in crate::db::statement_chunks(users, 1) {
        let mut q = sqlx::query_as::<_, (Option<String>,)>(crate::sql!(
            "SELECT phone FROM users WHERE id IN ({})",
            backend.in_list(chunk.len())
        ));
        for u in chunk {
            q = q.bind(*u);
        }
        out.extend(q.fetch_all(&mut **tx).await?.into_iter().filter_map(|r| r.0));
    }
    Ok(out)
}
