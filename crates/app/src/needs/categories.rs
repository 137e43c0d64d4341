//! Need categories of a community (N2): defaults, edits, and the short-lived cache intake reads.

use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use sqlx::{Any, Row, Transaction};
use wushe_domain::access::Action;
use wushe_domain::needs::DEFAULT_CATEGORIES;
use wushe_domain::{FieldError, FieldErrors};

#[derive(Debug, Clone)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub respond_hours: i64,
    pub resolve_hours: i64,
    pub active: bool,
}

/// Gives a community the default category tree unless it has one.
pub async fn ensure_default_categories(tx: &mut Transaction<'_, Any>, community_id: i64) -> Result<(), AppError> {
    let have: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM need_categories WHERE community_id = $1")
        .bind(community_id)
        .fetch_one(&mut **tx)
        .await?;
    if have.0 > 0 {
        return Ok(());
    }
    for (i, (code, zh, en, respond, resolve)) in DEFAULT_CATEGORIES.iter().enumerate() {
        sqlx::query(
            "INSERT INTO need_categories (community_id, code, name_zh, name_en, respond_hours, resolve_hours, sort) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(community_id)
        .bind(*code)
        .bind(*zh)
        .bind(*en)
        .bind(*respond)
        .bind(*resolve)
        .bind(i as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Every category of a community, retired ones included: needs filed under a category that
/// was later retired still show its name.
pub async fn categories(db: &Db, community_id: i64) -> Result<Vec<Category>, AppError> {
    let rows = sqlx::query(
        "SELECT id, code, name_zh, name_en, respond_hours, resolve_hours, active FROM need_categories WHERE community_id = $1 ORDER BY sort, id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Category {
                id: r.try_get(0)?,
                code: r.try_get(1)?,
                name_zh: r.try_get(2)?,
                name_en: r.try_get(3)?,
                respond_hours: r.try_get(4)?,
                resolve_hours: r.try_get(5)?,
                active: r.try_get::<i64, _>(6)? != 0,
            })
        })
        .collect()
}

/// The categories new needs may be filed under (forms, Open311 services).
pub async fn active_categories(db: &Db, community_id: i64) -> Result<Vec<Category>, AppError> {
    Ok(categories(db, community_id).await?.into_iter().filter(|c| c.active).collect())
}

/// [`categories`] through the short-lived cache, for intake.
pub(crate) async fn categories_cached(db: &Db, community_id: i64) -> Result<Vec<Category>, AppError> {
    if let Some(c) = db.caches.get::<CategoryCache>().0.get(&community_id) {
        return Ok(c);
    }
    let c = categories(db, community_id).await?;
    if !c.is_empty() {
        db.caches.get::<CategoryCache>().0.put(community_id, c.clone());
    }
    Ok(c)
}

/// Raw fields of a category form.
#[derive(Debug, Clone, Default)]
pub struct CategoryForm {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub respond_hours: String,
    pub resolve_hours: String,
    pub active: bool,
}

struct CategoryInput {
    code: String,
    name_zh: String,
    name_en: String,
    respond: i64,
    resolve: i64,
}

fn parse_category(f: &CategoryForm, with_code: bool) -> Result<CategoryInput, AppError> {
    let mut e = FieldErrors::default();
    let code = f.code.trim().to_ascii_lowercase();
    if with_code
        && !((2..=32).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
    {
        e.0.push(FieldError::new("code", "errors.category.code"));
    }
    let name_zh = e.check(wushe_domain::error::text("name_zh", &f.name_zh, 30));
    let name_en = e.check(wushe_domain::error::text("name_en", &f.name_en, 60));
    let hours = |field: &'static str, raw: &str| match raw.trim().parse::<i64>() {
        Ok(h) if (1..=2000).contains(&h) => Ok(h),
        _ => Err(FieldError::new(field, "errors.hours.range_long")),
    };
    let respond = e.check(hours("respond_hours", &f.respond_hours));
    let resolve = e.check(hours("resolve_hours", &f.resolve_hours));
    if let (Some(a), Some(b)) = (respond, resolve)
        && b < a
    {
        e.0.push(FieldError::new("resolve_hours", "errors.category.resolve_before_respond"));
    }
    e.into_result()?;
    Ok(CategoryInput {
        code,
        name_zh: name_zh.expect("checked"),
        name_en: name_en.expect("checked"),
        respond: respond.expect("checked"),
        resolve: resolve.expect("checked"),
    })
}

/// Adds a category to a community's tree (community committee), audited.
pub async fn add_category(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    f: &CategoryForm,
) -> Result<Category, AppError> {
    actor.require(Action::AreaWrite, Some(&community.path))?;
    let c = parse_category(f, true)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query(
        "INSERT INTO need_categories (community_id, code, name_zh, name_en, respond_hours, resolve_hours, sort) \
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(sort), 0) + 1 FROM need_categories WHERE community_id = $1)) RETURNING id",
    )
    .bind(community.id)
    .bind(&c.code)
    .bind(&c.name_zh)
    .bind(&c.name_en)
    .bind(c.respond)
    .bind(c.resolve)
    .fetch_one(&mut *tx.tx)
    .await
    .map_err(AppError::unique_as("code", "errors.category.code_taken"))?;
    let id: i64 = r.try_get(0)?;
    tx.record(actor, Some(community.id), "needs.category.add", &format!("category:{}", c.code), &c.name_zh).await?;
    tx.commit().await?;
    db.caches.get::<CategoryCache>().0.forget(&community.id);
    Ok(Category {
        id,
        code: c.code,
        name_zh: c.name_zh,
        name_en: c.name_en,
        respond_hours: c.respond,
        resolve_hours: c.resolve,
        active: true,
    })
}

/// Renames, re-times or retires a category. Needs already filed keep the deadlines they got.
pub async fn update_category(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    id: i64,
    f: &CategoryForm,
) -> Result<(), AppError> {
    actor.require(Action::AreaWrite, Some(&community.path))?;
    let c = parse_category(f, false)?;
    let mut tx = AuditedTx::begin(db, at).await?;
    let r = sqlx::query(
        "UPDATE need_categories SET name_zh = $1, name_en = $2, respond_hours = $3, resolve_hours = $4, active = $5 WHERE id = $6 AND community_id = $7 RETURNING code",
    )
    .bind(&c.name_zh)
    .bind(&c.name_en)
    .bind(c.respond)
    .bind(c.resolve)
    .bind(i64::from(f.active))
    .bind(id)
    .bind(community.id)
    .fetch_optional(&mut *tx.tx)
    .await?;
    let Some(r) = r else { return Err(AppError::NotFound) };
    let code: String = r.try_get(0)?;
    tx.record(actor, Some(community.id), "needs.category.update", &format!("category:{code}"), &c.name_zh).await?;
    tx.commit().await?;
    db.caches.get::<CategoryCache>().0.forget(&community.id);
    Ok(())
}

/// A community's categories for intake; edits here drop the entry at once.
pub(crate) struct CategoryCache(crate::cache::TtlCache<i64, Vec<Category>>);

impl Default for CategoryCache {
    fn default() -> Self {
        CategoryCache(crate::cache::TtlCache::new(std::time::Duration::from_secs(5), 10_000))
    }
}
