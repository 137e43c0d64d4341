//! Creating accounts, granting roles over areas, linking an account to its person, e-mail addresses.

use super::model::{COLS, User, from_row};
use super::passwords::hash_password;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, areas};
use wushe_domain::FieldError;
use wushe_domain::access::{Action, Role, parse_new_password, parse_username};
use wushe_domain::people::PhoneNumber;

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub phone: Option<PhoneNumber>,
    pub person_id: Option<i64>,
}

impl NewUser {
    pub fn parse(username: &str, display_name: &str, password: &str, phone: &str) -> Result<NewUser, AppError> {
        let mut e = wushe_domain::FieldErrors::default();
        let username = e.check(parse_username(username));
        let display = e.check(wushe_domain::error::text(
            "display_name",
            if display_name.trim().is_empty() { username.as_deref().unwrap_or("") } else { display_name },
            40,
        ));
        let password = e.check(parse_new_password(password));
        let phone = e.check(if phone.trim().is_empty() { Ok(None) } else { PhoneNumber::parse(phone).map(Some) });
        e.into_result()?;
        Ok(NewUser {
            username: username.expect("checked"),
            display_name: display.expect("checked"),
            password: password.expect("checked"),
            phone: phone.expect("checked"),
            person_id: None,
        })
    }
}

/// Creates an account (operator or community admin), audited.
pub async fn add_user(db: &Db, actor: &Actor, at: i64, new: NewUser) -> Result<User, AppError> {
    if !actor.operator {
        actor.require(Action::AreaWrite, None)?;
    }
    let hash = hash_password(new.password.clone()).await?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let user = insert_user(&mut tx.tx, &new, &hash, at).await?;
    tx.record(actor, None, "user.add", &format!("user:{}", user.username), "").await?;
    tx.commit().await?;
    Ok(user)
}

/// Writes an account whose password is already hashed; `add_user` and the demo's bulk path.
pub(crate) async fn insert_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    new: &NewUser,
    hash: &str,
    at: i64,
) -> Result<User, AppError> {
    let r = sqlx::query(crate::sql!(
        "INSERT INTO users (username, phone, display_name, password_hash, person_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLS}"
    ))
    .bind(&new.username)
    .bind(new.phone.as_ref().map(|p| p.reveal().to_string()))
    .bind(&new.display_name)
    .bind(hash)
    .bind(new.person_id)
    .bind(at)
    .fetch_one(&mut **tx)
    .await
    .map_err(AppError::unique_as("username", "errors.username.taken"))?;
    from_row(&r)
}

/// Writes one grant (role over an area); `grant` and the demo's bulk path.
pub(crate) async fn insert_grant(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    role: Role,
    area_id: i64,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO grants (user_id, role, area_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(role.code())
        .bind(area_id)
        .bind(at)
        .execute(&mut **tx)
        .await
        .map_err(AppError::unique_as("role", "errors.grant.exists"))?;
    Ok(())
}

/// Links an account to the person it is (a resident who volunteers, an organization's staff).
pub(crate) async fn link_person(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    person_id: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET person_id = $1 WHERE id = $2")
        .bind(person_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn by_username(db: &Db, username: &str) -> Result<User, AppError> {
    let r = sqlx::query(crate::sql!("SELECT {COLS} FROM users WHERE username = $1"))
        .bind(username)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&r)
}

/// Grants `role` over the area with `area_code`, audited. Community admins may grant roles
/// inside their own community only; the operator anywhere.
pub async fn grant(
    db: &Db,
    actor: &Actor,
    at: i64,
    username: &str,
    role: &str,
    area_code: &str,
) -> Result<(), AppError> {
    let role = Role::parse(role)?;
    let user = by_username(db, username).await.map_err(|_| FieldError::new("username", "errors.user.unknown"))?;
    let area = areas::by_code(db, area_code).await.map_err(|_| FieldError::new("area_code", "errors.area.unknown"))?;
    actor.require(Action::AreaWrite, Some(&area.path))?;
    let mut tx = AuditedTx::begin(db, at).await?;
    insert_grant(&mut tx.tx, user.id, role, area.id, at).await?;
    tx.record(
        actor,
        area.community_id,
        "user.grant",
        &format!("user:{}", user.username),
        &format!("{}@{}", role.code(), area.code),
    )
    .await?;
    tx.commit().await
}

/// Sets (or, with `None`, clears) where a user's e-mail notifications go: the user themself,
/// or the operator. Audited.
pub async fn set_email(db: &Db, actor: &Actor, at: i64, user_id: i64, email: Option<String>) -> Result<(), AppError> {
    if !actor.operator && actor.user_id != Some(user_id) {
        return Err(AppError::Forbidden);
    }
    let mut tx = crate::audit::AuditedTx::begin(db, at).await?;
    let r = sqlx::query("UPDATE users SET email = $1 WHERE id = $2 RETURNING id")
        .bind(email.as_deref())
        .bind(user_id)
        .fetch_optional(&mut *tx.tx)
        .await?;
    if r.is_none() {
        return Err(AppError::NotFound);
    }
    tx.record(
        actor,
        None,
        "account.email",
        &format!("user:{user_id}"),
        if email.is_some() { "set" } else { "cleared" },
    )
    .await?;
    tx.commit().await
}

/// A user's e-mail address for notifications, if any.
pub async fn email_of(db: &Db, user_id: i64) -> Result<Option<String>, AppError> {
    let r: Option<(Option<String>,)> =
        sqlx::query_as("SELECT email FROM users WHERE id = $1").bind(user_id).fetch_optional(&db.pool).await?;
    Ok(r.and_then(|r| r.0))
}
