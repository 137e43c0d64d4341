//! S2 — people and households (households are `areas` of kind household). Owns table `people`.
//!
//! X1: phone and ID numbers are stored once, here, and leave this module as domain types whose
//! only plain accessor is `reveal`. [`reveal`] is the one path to the full values: it checks
//! `ResidentReadSensitive` and writes an audit entry before answering.

use crate::areas::Area;
use crate::audit::{AuditedTx, record_alone};
use crate::db::upper;
use crate::{Actor, AppError, Db, areas};
use sqlx::{Any, Row, Transaction};
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::people::{
    Gender, IdNumber, PhoneNumber, Vulnerabilities, mask_name, parse_birth_year, parse_person_name,
};
use wushe_domain::{FieldError, FieldErrors};

#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub community_id: i64,
    pub household_id: Option<i64>,
    pub household_path: Option<String>,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    pub phone: Option<PhoneNumber>,
    pub id_number: Option<IdNumber>,
    pub vulnerability: Vulnerabilities,
    pub is_household_head: bool,
    pub version: i64,
}

impl Person {
    pub fn masked_name(&self) -> String {
        mask_name(&self.name)
    }
}

const COLS: &str = "id, community_id, household_id, household_path, name, gender, birth_year, phone, id_number, vulnerability, is_household_head, version";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Person, AppError> {
    let bad = |what: &str| AppError::Internal(format!("stored {what} does not parse"));
    let gender: Option<String> = r.try_get(5)?;
    let phone: Option<String> = r.try_get(7)?;
    let idn: Option<String> = r.try_get(8)?;
    let vul: String = r.try_get(9)?;
    Ok(Person {
        id: r.try_get(0)?,
        community_id: r.try_get(1)?,
        household_id: r.try_get(2)?,
        household_path: r.try_get(3)?,
        name: r.try_get(4)?,
        gender: gender.map(|g| Gender::parse(&g)).transpose().map_err(|_| bad("gender"))?,
        birth_year: r.try_get::<Option<i64>, _>(6)?.map(|y| y as i32),
        phone: phone.map(|p| PhoneNumber::parse(&p)).transpose().map_err(|_| bad("phone"))?,
        id_number: idn.map(|p| IdNumber::parse(&p)).transpose().map_err(|_| bad("id number"))?,
        vulnerability: Vulnerabilities::parse_list(&vul).map_err(|_| bad("vulnerability"))?,
        is_household_head: r.try_get::<i64, _>(10)? != 0,
        version: r.try_get(11)?,
    })
}

/// Filters for the residents list.
#[derive(Debug, Clone, Default)]
pub struct ResidentFilter {
    pub vulnerability: Option<wushe_domain::people::Vulnerability>,
    pub name_prefix: Option<String>,
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
        if let Some(n) = &f.name_prefix {
            binds.push(format!("{n}%"));
            filter.push_str(&format!(" AND name LIKE ${}", binds.len()));
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
async fn person_path(db: &Db, p: &Person) -> Result<String, AppError> {
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
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Person, AppError> {
    let row =
        sqlx::query(crate::sql!("SELECT {COLS} FROM people WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
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

/// The full phone and ID number of a person, audited (X1).
pub struct Revealed {
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

pub async fn reveal(db: &Db, actor: &Actor, at: i64, id: i64) -> Result<Revealed, AppError> {
    let p = get(db, actor, id).await?;
    let path = person_path(db, &p).await?;
    actor.require(Action::ResidentReadSensitive, Some(&path))?;
    record_alone(db, at, actor, Some(p.community_id), "person.reveal", &format!("person:{}", p.id), "phone,id_number")
        .await?;
    Ok(Revealed {
        phone: p.phone.as_ref().map(|x| x.reveal().to_string()),
        id_number: p.id_number.as_ref().map(|x| x.reveal().to_string()),
    })
}

/// A parsed registration form.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub household_code: Option<String>,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    pub phone: Option<PhoneNumber>,
    pub id_number: Option<IdNumber>,
    pub vulnerability: Vulnerabilities,
    pub is_household_head: bool,
}

/// Raw form fields as typed by a person (page form or JSON body).
#[derive(Debug, Clone, Default)]
pub struct PersonForm {
    pub household_code: String,
    pub name: String,
    pub gender: String,
    pub birth_year: String,
    pub phone: String,
    pub id_number: String,
    pub vulnerability: Vec<String>,
    pub is_household_head: bool,
}

impl PersonForm {
    pub fn parse(&self, this_year: i32) -> Result<NewPerson, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = e.check(parse_person_name(&self.name));
        let gender =
            e.check(if self.gender.trim().is_empty() { Ok(None) } else { Gender::parse(self.gender.trim()).map(Some) });
        let birth_year = e.check(parse_birth_year(&self.birth_year, this_year));
        let phone =
            e.check(if self.phone.trim().is_empty() { Ok(None) } else { PhoneNumber::parse(&self.phone).map(Some) });
        let id_number = e.check(if self.id_number.trim().is_empty() {
            Ok(None)
        } else {
            IdNumber::parse(&self.id_number).map(Some)
        });
        let vulnerability = e.check(Vulnerabilities::parse_list(&self.vulnerability.join(",")));
        let household = self.household_code.trim();
        if household.is_empty() {
            e.0.push(FieldError::new("household_code", "errors.required"));
        }
        e.into_result()?;
        Ok(NewPerson {
            household_code: Some(household.to_string()),
            name: name.expect("checked"),
            gender: gender.expect("checked"),
            birth_year: birth_year.expect("checked"),
            phone: phone.expect("checked"),
            id_number: id_number.expect("checked"),
            vulnerability: vulnerability.expect("checked"),
            is_household_head: self.is_household_head,
        })
    }
}

/// Registers a resident in a household, audited.
pub async fn register(db: &Db, actor: &Actor, at: i64, new: NewPerson) -> Result<Person, AppError> {
    let code = new.household_code.clone().unwrap_or_default();
    let household = match areas::by_code(db, &code).await {
        Ok(h) if h.kind == AreaKind::Household => h,
        _ => return Err(FieldError::new("household_code", "errors.household.unknown").into()),
    };
    match actor.require(Action::ResidentWrite, Some(&household.path)) {
        Err(AppError::Forbidden) => {
            return Err(FieldError::new("household_code", "errors.household.unknown").into());
        }
        r => r?,
    }
    let mut tx = AuditedTx::begin(db, at).await?;
    let p = insert(&mut tx.tx, &household, &new, at).await?;
    tx.record(actor, Some(p.community_id), "person.register", &format!("person:{}", p.id), &p.masked_name()).await?;
    tx.commit().await?;
    Ok(p)
}

/// Updates a resident's editable fields if nobody changed them since `version` was read.
pub async fn update(
    db: &Db,
    actor: &Actor,
    at: i64,
    id: i64,
    version: i64,
    new: NewPerson,
) -> Result<Person, AppError> {
    let current = get(db, actor, id).await?;
    let path = person_path(db, &current).await?;
    actor.require(Action::ResidentWrite, Some(&path))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query(crate::sql!(
        "UPDATE people SET name = $1, gender = $2, birth_year = $3, phone = $4, id_number = $5, vulnerability = $6, \
         is_household_head = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10 RETURNING {COLS}"
    ))
    .bind(&new.name)
    .bind(new.gender.map(Gender::code))
    .bind(new.birth_year.map(i64::from))
    .bind(new.phone.as_ref().map(|p| p.reveal().to_string()))
    .bind(new.id_number.as_ref().map(|p| p.reveal().to_string()))
    .bind(new.vulnerability.to_list())
    .bind(i64::from(new.is_household_head))
    .bind(at)
    .bind(id)
    .bind(version)
    .fetch_optional(&mut *tx.tx)
    .await
    .map_err(AppError::unique_as("id_number", "errors.id_number.taken"))?;
    let Some(r) = r else {
        return Err(AppError::Conflict(FieldError::new("version", "errors.stale_version")));
    };
    let p = from_row(&r)?;
    tx.record(actor, Some(p.community_id), "person.update", &format!("person:{}", p.id), &p.masked_name()).await?;
    tx.commit().await?;
    Ok(p)
}

/// Inserts a person inside a caller's transaction. `household` may be the community itself
/// for staff who do not live there.
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    household: &Area,
    new: &NewPerson,
    at: i64,
) -> Result<Person, AppError> {
    let community_id = household.community_id.ok_or(FieldError::new("household_code", "errors.household.unknown"))?;
    let is_household = household.kind == AreaKind::Household;
    let r = sqlx::query(crate::sql!(
        "INSERT INTO people (community_id, household_id, household_path, name, gender, birth_year, phone, id_number, vulnerability, is_household_head, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING {COLS}"
    ))
    .bind(community_id)
    .bind(is_household.then_some(household.id))
    .bind(is_household.then(|| household.path.clone()))
    .bind(&new.name)
    .bind(new.gender.map(Gender::code))
    .bind(new.birth_year.map(i64::from))
    .bind(new.phone.as_ref().map(|p| p.reveal().to_string()))
    .bind(new.id_number.as_ref().map(|p| p.reveal().to_string()))
    .bind(new.vulnerability.to_list())
    .bind(i64::from(new.is_household_head))
    .bind(at)
    .fetch_one(&mut **tx)
    .await
    .map_err(AppError::unique_as("id_number", "errors.id_number.taken"))?;
    from_row(&r)
}

/// Bulk insert for the demo generator: `(household, person)` pairs, chunked multi-row inserts.
pub async fn insert_many(tx: &mut Transaction<'_, Any>, rows: &[(&Area, NewPerson)], at: i64) -> Result<(), AppError> {
    for chunk in rows.chunks(300) {
        let mut sql = String::from(
            "INSERT INTO people (community_id, household_id, household_path, name, gender, birth_year, phone, id_number, vulnerability, is_household_head, created_at, updated_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 11;
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            sql.push_str(&(1..=11).map(|k| format!("${}", b + k)).collect::<Vec<_>>().join(","));
            sql.push_str(&format!(",${})", b + 11));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for (h, p) in chunk {
            q = q
                .bind(h.community_id)
                .bind(h.id)
                .bind(h.path.clone())
                .bind(p.name.clone())
                .bind(p.gender.map(Gender::code))
                .bind(p.birth_year.map(i64::from))
                .bind(p.phone.as_ref().map(|x| x.reveal().to_string()))
                .bind(p.id_number.as_ref().map(|x| x.reveal().to_string()))
                .bind(p.vulnerability.to_list())
                .bind(i64::from(p.is_household_head))
                .bind(at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
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
