//! Accounts, role grants, sessions and API tokens. Owns tables `users`, `grants`, `sessions`,
//! `api_tokens`.
//!
//! Passwords are argon2id (hashed off the async runtime). Session cookies and API tokens are
//! random 256-bit values; only their SHA-256 is stored, so a database leak yields no live
//! session.

use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, areas};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use wushe_domain::FieldError;
use wushe_domain::access::{Action, Grant, Grants, Role, parse_new_password, parse_username};
use wushe_domain::people::PhoneNumber;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub person_id: Option<i64>,
}

const COLS: &str = "id, username, display_name, phone, person_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<User, AppError> {
    Ok(User {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        phone: r.try_get(3)?,
        person_id: r.try_get(4)?,
    })
}

pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok())
        .await
        .unwrap_or(false)
}

/// A valid argon2id hash of a random string: checked against when the login name is unknown
/// so that unknown and known names take the same time.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut pw = [0u8; 16];
    rand::rng().fill_bytes(&mut pw);
    Argon2::default().hash_password(&pw).map(|h| h.to_string()).unwrap_or_default()
});

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

/// The account a login name resolves to (a username, or a mobile number in any spelling
/// `PhoneNumber` accepts), so that every spelling of one account is one key for the login limit.
pub async fn account_of(db: &Db, login: &str) -> Result<Option<i64>, AppError> {
    let login = login.trim();
    let row: Option<(i64,)> = match PhoneNumber::parse(login) {
        Ok(p) => {
            sqlx::query_as("SELECT id FROM users WHERE phone = $1").bind(p.reveal()).fetch_optional(&db.pool).await?
        }
        Err(_) => {
            sqlx::query_as("SELECT id FROM users WHERE username = $1")
                .bind(login.to_ascii_lowercase())
                .fetch_optional(&db.pool)
                .await?
        }
    };
    Ok(row.map(|(id,)| id))
}

/// Records a failed sign-in in the audit log: the account (when the name is one) and the
/// address it came from.
pub async fn record_failed_login(db: &Db, at: i64, account: Option<i64>, client: &str) -> Result<(), AppError> {
    let subject = account.map(|id| format!("user:{id}")).unwrap_or_else(|| "user:unknown".into());
    crate::audit::record_alone(db, at, &Actor::anonymous(), None, "account.login_failed", &subject, client).await
}

/// Checks a login (username or mobile number) and password.
pub async fn authenticate(db: &Db, login: &str, password: &str) -> Result<User, AppError> {
    let login = login.trim();
    let by_phone = PhoneNumber::parse(login).ok();
    let row = match &by_phone {
        Some(p) => {
            sqlx::query("SELECT id, password_hash, disabled FROM users WHERE phone = $1")
                .bind(p.reveal())
                .fetch_optional(&db.pool)
                .await?
        }
        None => {
            sqlx::query("SELECT id, password_hash, disabled FROM users WHERE username = $1")
                .bind(login.to_ascii_lowercase())
                .fetch_optional(&db.pool)
                .await?
        }
    };
    let bad = || AppError::Invalid(FieldError::new("password", "errors.login.failed").into());
    let Some(row) = row else {
        verify_password(password.to_string(), DUMMY_HASH.clone()).await;
        return Err(bad());
    };
    let id: i64 = row.try_get(0)?;
    let hash: String = row.try_get(1)?;
    let disabled: i64 = row.try_get(2)?;
    if !verify_password(password.to_string(), hash).await || disabled != 0 {
        tracing::warn!(user_id = id, "failed sign-in");
        return Err(bad());
    }
    let r = sqlx::query(crate::sql!("SELECT {COLS} FROM users WHERE id = $1")).bind(id).fetch_one(&db.pool).await?;
    from_row(&r)
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

pub const SESSION_TTL_MILLIS: i64 = 12 * 3600 * 1000;

pub async fn create_session(db: &Db, user_id: i64, at: i64) -> Result<NewSession, AppError> {
    let token = random_token();
    let csrf = random_token();
    let mut tx = AuditedTx::begin(db, at).await?;
    // Expired sessions are useless; clear them as new ones are made.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(at).execute(&mut *tx.tx).await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(digest(&token))
    .bind(user_id)
    .bind(&csrf)
    .bind(at)
    .bind(at + SESSION_TTL_MILLIS)
    .execute(&mut *tx.tx)
    .await?;
    let actor = Actor { user_id: Some(user_id), grants: Default::default(), operator: false };
    tx.record(&actor, None, "session.login", &format!("user:{user_id}"), "").await?;
    tx.commit().await?;
    Ok(NewSession { token, csrf_token: csrf })
}

/// The user and CSRF token behind a live session cookie.
/// The user of a live session, its CSRF token and the user's grants, in one query: every
/// page request asks.
pub async fn session(db: &Db, token: &str, now: i64) -> Result<Option<(User, String, Grants)>, AppError> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.phone, u.person_id, g.role, a.path, s.csrf_token \
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN grants g ON g.user_id = u.id LEFT JOIN areas a ON a.id = g.area_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0 ORDER BY g.id",
    )
    .bind(digest(token))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let csrf: Option<String> = rows.first().map(|r| r.try_get(7)).transpose()?;
    Ok(user_with_grants(&rows)?.zip(csrf).map(|((u, g), c)| (u, c, g)))
}

/// A user and their grants from rows of `users` columns, then `g.role, a.path` (NULL for a
/// user without grants), one row per grant.
fn user_with_grants(rows: &[sqlx::any::AnyRow]) -> Result<Option<(User, Grants)>, AppError> {
    let Some(first) = rows.first() else { return Ok(None) };
    let mut grants = Vec::with_capacity(rows.len());
    for r in rows {
        let role: Option<String> = r.try_get(5)?;
        let path: Option<String> = r.try_get(6)?;
        if let (Some(role), Some(area_path)) = (role, path) {
            grants.push(Grant { role: Role::parse(&role)?, area_path });
        }
    }
    Ok(Some((from_row(first)?, Grants { signed_in: true, grants })))
}

pub async fn end_session(db: &Db, token: &str, at: i64) -> Result<(), AppError> {
    let mut tx = AuditedTx::begin(db, at).await?;
    let ended: Option<(i64,)> = sqlx::query_as("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
        .bind(digest(token))
        .fetch_optional(&mut *tx.tx)
        .await?;
    if let Some((user_id,)) = ended {
        let actor = Actor { user_id: Some(user_id), grants: Default::default(), operator: false };
        tx.record(&actor, None, "session.logout", &format!("user:{user_id}"), "").await?;
    }
    tx.commit().await
}

/// Creates a bearer token for scripts (`wushe token create`); returns it once.
pub async fn create_api_token(db: &Db, actor: &Actor, at: i64, username: &str, name: &str) -> Result<String, AppError> {
    let user = by_username(db, username).await.map_err(|_| FieldError::new("username", "errors.user.unknown"))?;
    let name = wushe_domain::error::text("name", name, 60)?;
    let token = random_token();
    let mut tx = AuditedTx::begin(db, at).await?;
    sqlx::query("INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(digest(&token))
        .bind(user.id)
        .bind(&name)
        .bind(at)
        .execute(&mut *tx.tx)
        .await?;
    tx.record(actor, None, "token.create", &format!("user:{}", user.username), &name).await?;
    tx.commit().await?;
    Ok(token)
}

/// Who a bearer token belongs to, with their grants, in one query: every API request asks.
pub async fn token_user(db: &Db, token: &str) -> Result<Option<(User, Grants)>, AppError> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.phone, u.person_id, g.role, a.path \
         FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN grants g ON g.user_id = u.id LEFT JOIN areas a ON a.id = g.area_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0 ORDER BY g.id",
    )
    .bind(digest(token))
    .fetch_all(&db.pool)
    .await?;
    user_with_grants(&rows)
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
