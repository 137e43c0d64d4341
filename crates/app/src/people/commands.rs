//! Registering, updating (at the version read), revealing full values (audited), bulk inserts.

use super::forms::NewPerson;
use super::model::{COLS, Person, from_row};
use super::queries::{get, person_path};
use crate::areas::Area;
use crate::audit::{AuditedTx, record_alone};
use crate::{Actor, AppError, Db, areas};
use sqlx::{Any, Transaction};
use wushe_domain::FieldError;
use wushe_domain::access::Action;
use wushe_domain::areas::AreaKind;
use wushe_domain::ids::PersonId;
use wushe_domain::people::Gender;

/// The full phone and ID number of a person, audited (X1).
pub struct Revealed {
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

pub async fn reveal(db: &Db, actor: &Actor, at: i64, id: PersonId) -> Result<Revealed, AppError> {
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
    id: PersonId,
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
    .bind(id.get())
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
