//! Reading residents: lists with filters, a household's members, one person, counts for overviews.

use super::model::{COLS, Person, from_row};
use crate::areas::Area;
use crate::db::upper;
use crate::{Actor, AppError, Db, areas};
use sqlx::Row;
use wushe_domain::access::Action;
use wushe_domain::ids::PersonId;
use wushe_domain::people::Vulnerabilities;

/// Filters for the residents list.
#[derive(Debug, Clone, Default)]
pub struct ResidentFilter {
    pub vulnerability: Option<wushe_domain::people::Vulnerability>,
    /// Words anywhere in the name (a search box, not a prefix).
    pub name: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Residents living in `area`'s subtree that the actor may see, and their total count.
pub async fn residents_in(
    db: &Db,
    actor: &Actor,
    area: &Area,
    f: &ResidentFilter,
) -> Result<(Vec<Person>, i64), AppError> {
    if !(actor.operator || actor.grants.reaches(Action::ResidentRead, &area.path)) {
        actor.require(Action::ResidentRead, Some(&area.path))?;
    }
    // Intersect the requested subtree with each visible subtree: the narrower one wins.
    let mut ranges = Vec::new();
    for s in actor.subtrees(Action::ResidentRead) {
        if area.path.starts_with(&s) {
            ranges.push(area.path.clone());
        } else if s.starts_with(&area.path) {
            ranges.push(s);
        }
    }
    ranges.sort();
    ranges.dedup();
    let mut people = Vec::new();
    let mut total = 0;
    let mut skip = f.offset;
    let mut want = f.limit;
    for p in ranges {
        let mut filter = String::from("household_path >= $1 AND household_path < $2");
        let mut binds: Vec<String> = vec![p.clone(), upper(&p)];
        if let Some(v) = f.vulnerability {
            binds.push(format!("%,{},%", v.code()));
            filter.push_str(&format!(" AND ',' || vulnerability || ',' LIKE ${}", binds.len()));
        }
        if let Some(n) = &f.name {
            binds.push(crate::db::contains_pattern(n));
            filter.push_str(&format!(" AND name LIKE ${} ESCAPE '\\'", binds.len()));
        }
        let count_sql = format!("SELECT COUNT(*) FROM people WHERE {filter}");
        let mut cq = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.clone()));
        for b in &binds {
            cq = cq.bind(b);
        }
        let n = cq.fetch_one(&db.pool).await?.0;
        total += n;
        if want > 0 && skip < n {
            let sql = format!(
                "SELECT {COLS} FROM people WHERE {filter} ORDER BY household_path, is_household_head DESC, id LIMIT {want} OFFSET {skip}"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for b in &binds {
                q = q.bind(b);
            }
            let rows = q.fetch_all(&db.pool).await?;
            want -= rows.len() as i64;
            for r in &rows {
                people.push(from_row(r)?);
            }
            skip = 0;
        } else {
            skip -= n.min(skip);
        }
    }
    Ok((people, total))
}

/// The members of one household.
pub async fn household_members(db: &Db, actor: &Actor, household: &Area) -> Result<Vec<Person>, AppError> {
    actor.require(Action::ResidentRead, Some(&household.path))?;
    let rows = sqlx::query(crate::sql!(
        "SELECT {COLS} FROM people WHERE household_id = $1 ORDER BY is_household_head DESC, id"
    ))
    .bind(household.id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Where a person sits in the tree: their household, or their community for staff without one.
pub(crate) async fn person_path(db: &Db, p: &Person) -> Result<String, AppError> {
    match &p.household_path {
        Some(h) => Ok(h.clone()),
        None => Ok(areas::by_id(db, p.community_id).await?.path),
    }
}

/// A person's community and household path, for checks that need only where they live.
pub async fn place_of(db: &Db, id: i64) -> Result<Option<(i64, Option<String>)>, AppError> {
    Ok(sqlx::query_as("SELECT community_id, household_path FROM people WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

/// One person, if the actor may read residents where the person lives.
pub async fn get(db: &Db, actor: &Actor, id: PersonId) -> Result<Person, AppError> {
    let row = sqlx::query(crate::sql!("SELECT {COLS} FROM people WHERE id = $1"))
        .bind(id.get())
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else {
        actor.require(Action::ResidentRead, None)?;
        return Err(AppError::NotFound);
    };
    let p = from_row(&row)?;
    let path = person_path(db, &p).await?;
    match actor.require(Action::ResidentRead, Some(&path)) {
        Ok(()) => Ok(p),
        // Another community's person looks exactly like a missing one.
        Err(AppError::Forbidden) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

/// Counts for the overview: people and vulnerable people in a subtree.
pub async fn counts_in(db: &Db, path: &str) -> Result<(i64, i64), AppError> {
    let r = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN vulnerability <> '' THEN 1 ELSE 0 END), 0) FROM people WHERE household_path >= $1 AND household_path < $2",
    )
    .bind(path)
    .bind(upper(path))
    .fetch_one(&db.pool)
    .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// Count of people by vulnerability flag in a subtree (overview page).
pub async fn vulnerability_counts(
    db: &Db,
    path: &str,
) -> Result<Vec<(wushe_domain::people::Vulnerability, i64)>, AppError> {
    // One grouped scan; flag lists are few distinct values, split and summed here.
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT vulnerability, COUNT(*) FROM people WHERE household_path >= $1 AND household_path < $2 AND vulnerability <> '' GROUP BY vulnerability",
    )
    .bind(path)
    .bind(upper(path))
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<(wushe_domain::people::Vulnerability, i64)> =
        wushe_domain::people::Vulnerability::ALL.iter().map(|v| (*v, 0)).collect();
    for (list, n) in rows {
        for v in
            Vulnerabilities::parse_list(&list).map_err(|_| AppError::Internal("stored vulnerability".into()))?.iter()
        {
            if let Some(e) = out.iter_mut().find(|(x, _)| *x == v) {
                e.1 += n;
            }
        }
    }
    Ok(out)
}

/// Households in a subtree with at least one vulnerable member (situation map).
pub async fn vulnerable_households(db: &Db, path: &str) -> Result<i64, AppError> {
    let r: (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT household_id) FROM people WHERE household_path >= $1 AND household_path < $2 AND vulnerability <> ''",
    )
    .bind(path)
    .bind(upper(path))
    .fetch_one(&db.pool)
    .await?;
    Ok(r.0)
}

/// A household as the finder lists it: its code, its name (building, unit, room) and who
/// lives there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdHit {
    pub code: String,
    pub name: String,
    pub residents: Vec<String>,
}

/// Households of `community` where the actor may record needs, found by the words of their
/// name ("3栋 2单元 402"; a word ending in 栋 is a building number, so "1栋" is not "11栋")
/// or by text anywhere in a resident's name; at most `limit`, in the order of the area tree.
pub async fn find_households(
    db: &Db,
    actor: &Actor,
    community: &Area,
    q: &str,
    limit: i64,
) -> Result<Vec<HouseholdHit>, AppError> {
    let words: Vec<&str> = q.split_whitespace().filter(|w| !w.chars().any(char::is_control)).take(6).collect();
    if words.is_empty() {
        return Ok(vec![]);
    }
    let mut hits: Vec<(String, String, String)> = Vec::new();
    for sub in actor.subtrees(Action::NeedRecord) {
        let range = if community.path.starts_with(&sub) {
            community.path.clone()
        } else if sub.starts_with(&community.path) {
            sub
        } else {
            continue;
        };
        // By the household's name: a range scan of the subtree's areas.
        let mut binds = vec![range.clone(), upper(&range)];
        let mut name_match = Vec::new();
        for w in &words {
            let esc = crate::db::contains_pattern(w);
            // A building number matches from the start of the name.
            binds.push(if w.ends_with('栋') { esc.trim_start_matches('%').to_string() } else { esc });
            name_match.push(format!("name LIKE ${} ESCAPE '\\'", binds.len()));
        }
        let sql = format!(
            "SELECT path, code, name FROM areas WHERE kind = 'household' AND path >= $1 AND path < $2 AND {} \
             ORDER BY path LIMIT {limit}",
            name_match.join(" AND ")
        );
        let mut query = sqlx::query_as::<_, (String, String, String)>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            query = query.bind(b);
        }
        hits.extend(query.fetch_all(&db.pool).await?);
        // By a resident's name: the people index on household_path, then their households.
        let by_person: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT a.path, a.code, a.name FROM areas a WHERE a.path IN (SELECT p.household_path FROM people p \
             WHERE p.household_path >= $1 AND p.household_path < $2 AND p.name LIKE $3 ESCAPE '\\' \
             ORDER BY p.household_path LIMIT $4) ORDER BY a.path",
        )
        .bind(&range)
        .bind(upper(&range))
        .bind(crate::db::contains_pattern(&words.join(" ")))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
        hits.extend(by_person);
    }
    hits.sort();
    hits.dedup();
    hits.truncate(limit.max(0) as usize);
    let mut out = Vec::with_capacity(hits.len());
    for (path, code, name) in hits {
        let residents: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM people WHERE household_path = $1 ORDER BY is_household_head DESC, id LIMIT 6",
        )
        .bind(&path)
        .fetch_all(&db.pool)
        .await?;
        out.push(HouseholdHit { code, name, residents: residents.into_iter().map(|r| r.0).collect() });
    }
    Ok(out)
}

/// Residents with any vulnerability flag living in `path`'s subtree of one community, for
/// emergency check-ins: (person, household path, flags as stored).
pub(crate) async fn vulnerable_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    community_id: i64,
    path: &str,
) -> Result<Vec<(i64, String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, household_path, vulnerability FROM people WHERE community_id = $1 AND household_path >= $2 \
         AND household_path < $3 AND vulnerability <> '' ORDER BY household_path, id",
    )
    .bind(community_id)
    .bind(path)
    .bind(upper(path))
    .fetch_all(&mut **tx)
    .await?)
}

/// Name, phone and flags of the given residents, unmasked: for the callers that checked the
/// reader may see them (the emergency check-in list of the people on duty).
pub(crate) async fn contacts(
    db: &Db,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, (String, Option<String>, String)>, AppError> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in crate::db::statement_chunks(ids, 1) {
        let list = db.backend.in_list(chunk.len());
        let mut q = sqlx::query_as::<_, (i64, String, Option<String>, String)>(crate::sql!(
            "SELECT id, name, phone, vulnerability FROM people WHERE id IN ({list})"
        ));
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(&db.pool).await?.into_iter().map(|(id, n, p, v)| (id, (n, p, v))));
    }
    Ok(out)
}

/// The phone numbers of the residents living in `path`'s subtree of one community: whom an
/// emergency alert reaches by SMS, account or not.
pub(crate) async fn phones_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    community_id: i64,
    path: &str,
) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT phone FROM people WHERE community_id = $1 AND household_path >= $2 AND household_path < $3 AND phone IS NOT NULL AND phone <> ''",
    )
    .bind(community_id)
    .bind(path)
    .bind(upper(path))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
