//! X1 — the append-only, hash-chained audit log of every write and every unmasked read.
//!
//! Invariant: each entry's `hash` is SHA-256 over its predecessor's hash and its own fields, and
//! `audit_head` holds the last one. Every audited transaction locks `audit_head` with its *first*
//! statement (an UPDATE), which serialises writers identically on SQLite (write lock taken at
//! once, no read-to-write upgrade) and PostgreSQL (row lock, also across server instances).

use crate::{Actor, AppError, Db};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

/// A write transaction that carries its audit entries and commits them with the work.
pub struct AuditedTx<'c> {
    pub tx: Transaction<'c, Any>,
    seq: i64,
    last_hash: String,
    at: i64,
}

impl<'c> AuditedTx<'c> {
    pub async fn begin(db: &'c Db, at: i64) -> Result<AuditedTx<'c>, AppError> {
        Self::lock(db.pool.begin().await?, at).await
    }

    /// As [`AuditedTx::begin`], on a connection the caller keeps (the submission writer's).
    pub async fn begin_on(conn: &'c mut sqlx::AnyConnection, at: i64) -> Result<AuditedTx<'c>, AppError> {
        Self::lock(sqlx::Connection::begin(conn).await?, at).await
    }

    async fn lock(mut tx: Transaction<'c, Any>, at: i64) -> Result<AuditedTx<'c>, AppError> {
        let row = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, last_hash")
            .fetch_one(&mut *tx)
            .await?;
        Ok(AuditedTx { seq: row.try_get(0)?, last_hash: row.try_get(1)?, tx, at })
    }

    /// Appends one entry to the chain inside this transaction.
    pub async fn record(
        &mut self,
        actor: &Actor,
        community_id: Option<i64>,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        let seq = self.seq + 1;
        let hash = entry_hash(&self.last_hash, seq, self.at, actor.user_id, community_id, action, subject, detail);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_user_id, community_id, action, subject, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(seq)
        .bind(self.at)
        .bind(actor.user_id)
        .bind(community_id)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .bind(&self.last_hash)
        .bind(&hash)
        .execute(&mut *self.tx)
        .await?;
        self.seq = seq;
        self.last_hash = hash;
        Ok(())
    }

    /// Appends several entries with one statement (group commit of submissions). The chain is
    /// the same as recording them one by one.
    pub async fn record_many(&mut self, entries: &[Entry<'_>]) -> Result<(), AppError> {
        const PARAMS: usize = 9;
        for chunk in crate::db::statement_chunks(entries, PARAMS) {
            let mut rows = Vec::with_capacity(chunk.len());
            for e in chunk {
                let seq = self.seq + 1;
                let hash = entry_hash(
                    &self.last_hash,
                    seq,
                    self.at,
                    e.actor_user_id,
                    e.community_id,
                    e.action,
                    &e.subject,
                    &e.detail,
                );
                rows.push((seq, std::mem::replace(&mut self.last_hash, hash.clone()), hash));
                self.seq = seq;
            }
            let sql = crate::sql!(
                "INSERT INTO audit_log (seq, at, actor_user_id, community_id, action, subject, detail, prev_hash, hash) VALUES {}",
                crate::db::Backend::of(&self.tx).values_list(chunk.len(), PARAMS)
            );
            let mut q = sqlx::query(sql);
            for (e, (seq, prev, hash)) in chunk.iter().zip(rows) {
                q = q
                    .bind(seq)
                    .bind(self.at)
                    .bind(e.actor_user_id)
                    .bind(e.community_id)
                    .bind(e.action)
                    .bind(e.subject.as_str())
                    .bind(e.detail.as_str())
                    .bind(prev)
                    .bind(hash);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub async fn commit(mut self) -> Result<(), AppError> {
        sqlx::query("UPDATE audit_head SET seq = $1, last_hash = $2 WHERE id = 1")
            .bind(self.seq)
            .bind(&self.last_hash)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

/// One audit entry for [`AuditedTx::record_many`].
pub struct Entry<'a> {
    pub actor_user_id: Option<i64>,
    pub community_id: Option<i64>,
    pub action: &'a str,
    pub subject: String,
    pub detail: String,
}

#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev: &str,
    seq: i64,
    at: i64,
    actor: Option<i64>,
    community: Option<i64>,
    action: &str,
    subject: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        &at.to_string(),
        &actor.map(|a| a.to_string()).unwrap_or_default(),
        &community.map(|c| c.to_string()).unwrap_or_default(),
        action,
        subject,
        detail,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Records a single entry in its own transaction (used for unmasked reads).
pub async fn record_alone(
    db: &Db,
    at: i64,
    actor: &Actor,
    community_id: Option<i64>,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), AppError> {
    let mut tx = AuditedTx::begin(db, at).await?;
    tx.record(actor, community_id, action, subject, detail).await?;
    tx.commit().await
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Intact { entries: i64 },
    Broken { seq: i64, reason: &'static str },
}

/// Recomputes the whole chain (`wushe audit verify`).
pub async fn verify(db: &Db) -> Result<Verification, AppError> {
    let mut prev = "0".repeat(64);
    let mut expected_seq = 1i64;
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, actor_user_id, community_id, action, subject, detail, prev_hash, hash \
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000",
        )
        .bind(after)
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            let seq: i64 = r.try_get(0)?;
            if seq != expected_seq {
                return Ok(Verification::Broken { seq, reason: "gap" });
            }
            let prev_hash: String = r.try_get(7)?;
            if prev_hash != prev {
                return Ok(Verification::Broken { seq, reason: "prev_hash" });
            }
            let h = entry_hash(
                &prev,
                seq,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                &r.try_get::<String, _>(4)?,
                &r.try_get::<String, _>(5)?,
                &r.try_get::<String, _>(6)?,
            );
            let stored: String = r.try_get(8)?;
            if h != stored {
                return Ok(Verification::Broken { seq, reason: "hash" });
            }
            prev = stored;
            expected_seq += 1;
            after = seq;
        }
    }
    let head = sqlx::query("SELECT seq, last_hash FROM audit_head WHERE id = 1").fetch_one(&db.pool).await?;
    let head_seq: i64 = head.try_get(0)?;
    let head_hash: String = head.try_get(1)?;
    if head_seq != expected_seq - 1 || head_hash != prev {
        return Ok(Verification::Broken { seq: head_seq, reason: "head" });
    }
    Ok(Verification::Intact { entries: expected_seq - 1 })
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// The latest entries of one community, for staff with `AuditRead`.
pub async fn recent(db: &Db, community_id: i64, limit: i64) -> Result<Vec<AuditEntry>, AppError> {
    let rows = sqlx::query(
        "SELECT a.seq, a.at, u.display_name, a.action, a.subject, a.detail FROM audit_log a \
         LEFT JOIN users u ON u.id = a.actor_user_id WHERE a.community_id = $1 ORDER BY a.seq DESC LIMIT $2",
    )
    .bind(community_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(AuditEntry {
                seq: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                action: r.try_get(3)?,
                subject: r.try_get(4)?,
                detail: r.try_get(5)?,
            })
        })
        .collect()
}
