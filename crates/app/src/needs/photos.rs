//! Photos on needs (N1): checked by content (JPEG, PNG, WebP) and size, written outside the
//! database under the data directory, and served only to people who may read the need.
//! Owns table `need_photos`.

use super::model::Need;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::path::{Path, PathBuf};
use wushe_domain::FieldError;
use wushe_domain::ids::NeedId;
use wushe_domain::policy::Ask;

pub const MAX_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_PER_NEED: i64 = 6;

/// The image type from the file's first bytes; names and declared types are not trusted.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Checks an upload before anything is written.
pub fn check(bytes: &[u8]) -> Result<&'static str, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new("photo", "errors.photo.empty"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(FieldError::new("photo", "errors.photo.too_large"));
    }
    sniff(bytes).ok_or(FieldError::new("photo", "errors.photo.type"))
}

#[derive(Debug, Clone)]
pub struct Photo {
    pub id: i64,
    pub need_id: i64,
    pub content_type: String,
    pub size: i64,
    stored_name: String,
}

fn path_of(dir: &Path, community_id: i64, stored: &str) -> PathBuf {
    dir.join("photos").join(community_id.to_string()).join(stored)
}

/// Attaches a photo to a need the actor may read and act on (requester, staff, assignee).
/// The file is written and synced before the row is committed; a failed commit removes it.
pub async fn attach(
    db: &Db,
    actor: &Actor,
    at: i64,
    dir: &Path,
    need_id: NeedId,
    bytes: &[u8],
) -> Result<Photo, AppError> {
    let (need, rec) = super::access::get(db, actor, need_id).await?;
    if !actor.may(&rec, Ask::NeedAddPhoto) {
        return Err(AppError::Forbidden);
    }
    let content_type = check(bytes)?;
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM need_photos WHERE need_id = $1")
        .bind(need.id.get())
        .fetch_one(&db.pool)
        .await?;
    if count.0 >= MAX_PER_NEED {
        return Err(FieldError::new("photo", "errors.photo.too_many").into());
    }
    let sha = hex::encode(Sha256::digest(bytes));
    let ext = content_type.trim_start_matches("image/");
    let stored = format!("{}-{}.{ext}", need.id, &sha[..16]);
    let path = path_of(dir, need.community_id, &stored);
    let owned = bytes.to_vec();
    let p2 = path.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        if let Some(parent) = p2.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = p2.with_extension("part");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&owned)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &p2)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(format!("photo store: {e}")))?;
    let result = async {
        let mut tx = AuditedTx::begin(db, at).await?;
        let r = sqlx::query(
            "INSERT INTO need_photos (community_id, need_id, stored_name, content_type, size, sha256, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(need.community_id)
        .bind(need.id.get())
        .bind(&stored)
        .bind(content_type)
        .bind(bytes.len() as i64)
        .bind(&sha)
        .bind(actor.user_id)
        .bind(at)
        .fetch_one(&mut *tx.tx)
        .await?;
        let id: i64 = r.try_get(0)?;
        tx.record(actor, Some(need.community_id), "need.photo", &format!("need:{}", need.id), &sha).await?;
        tx.commit().await?;
        Ok::<_, AppError>(id)
    }
    .await;
    match result {
        Ok(id) => Ok(Photo {
            id,
            need_id: need.id.get(),
            content_type: content_type.into(),
            size: bytes.len() as i64,
            stored_name: stored,
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

pub async fn of_need(db: &Db, need: &Need) -> Result<Vec<Photo>, AppError> {
    let rows = sqlx::query(
        "SELECT id, need_id, content_type, size, stored_name FROM need_photos WHERE need_id = $1 ORDER BY id",
    )
    .bind(need.id.get())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Photo {
                id: r.try_get(0)?,
                need_id: r.try_get(1)?,
                content_type: r.try_get(2)?,
                size: r.try_get(3)?,
                stored_name: r.try_get(4)?,
            })
        })
        .collect()
}

/// The bytes of a photo, for people who may read its need.
pub async fn read(
    db: &Db,
    actor: &Actor,
    dir: &Path,
    need_id: NeedId,
    photo_id: i64,
) -> Result<(String, Vec<u8>), AppError> {
    let (need, _) = super::access::get(db, actor, need_id).await?;
    let photo = of_need(db, &need).await?.into_iter().find(|p| p.id == photo_id).ok_or(AppError::NotFound)?;
    let path = path_of(dir, need.community_id, &photo.stored_name);
    let bytes = tokio::fs::read(&path).await.map_err(|e| AppError::Internal(format!("photo {}: {e}", photo.id)))?;
    Ok((photo.content_type, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None, "no scripts dressed as images");
        assert_eq!(check(&[]).unwrap_err().key, "errors.photo.empty");
        assert_eq!(check(&vec![0xFF; MAX_BYTES + 1]).unwrap_err().key, "errors.photo.too_large");
    }
}
