//! X1 — the append-only, hash-chained audit log of every write and every unmasked read.
//!
//! Invariant: there is one chain per community (`chain` = the community's id) and one for
//! records above communities (chain 0). Each entry's `hash` is SHA-256 over its predecessor's
//! hash in its chain and its own fields, and `audit_chains` holds each chain's last one. A
//! transaction gathers its entries and appends them when it commits: it locks the heads of
//! the chains it touches in the order of their ids (so two writers never wait on each other
//! in a circle), so writes of different communities never wait for one another and a chain
//! is locked only for the moment of the commit. On SQLite, which has one writer anyway, every
//! audited transaction still starts with a write (to `audit_head`), so it never has to turn a
//! read snapshot into a write later (which SQLite may refuse).

use crate::{Actor, AppError, Db};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;

/// The hash before a chain's first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A write transaction that carries its audit entries and commits them with the work.
pub struct AuditedTx<'c> {
    pub tx: Transaction<'c, Any>,
    at: i64,
    entries: Vec<Owned>,
}

/// An entry waiting for the commit.
struct Owned {
    actor_user_id: Option<i64>,
    community_id: Option<i64>,
    action: String,
    subject: String,
    detail: String,
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
        if crate::db::Backend::of(&tx) == crate::db::Backend::Sqlite {
            sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
        }
        Ok(AuditedTx { tx, at, entries: Vec::new() })
    }

    /// Adds one entry, appended to its community's chain when the transaction commits.
    pub async fn record(
        &mut self,
        actor: &Actor,
        community_id: Option<i64>,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        self.entries.push(Owned {
            actor_user_id: actor.user_id,
            community_id,
            action: action.to_string(),
            subject: subject.to_string(),
            detail: detail.to_string(),
        });
        Ok(())
    }

    /// Adds several entries (group commit of submissions); the chains are the same as
    /// recording them one by one.
    pub async fn record_many(&mut self, entries: &[Entry<'_>]) -> Result<(), AppError> {
        self.entries.extend(entries.iter().map(|e| Owned {
            actor_user_id: e.actor_user_id,
            community_id: e.community_id,
            action: e.action.to_string(),
            subject: e.subject.clone(),
            detail: e.detail.clone(),
        }));
        Ok(())
    }

    pub async fn commit(mut self) -> Result<(), AppError> {
        let mut chains: BTreeMap<i64, Vec<Owned>> = BTreeMap::new();
        for e in std::mem::take(&mut self.entries) {
            chains.entry(e.community_id.unwrap_or(0)).or_default().push(e);
        }
        for (chain, entries) in chains {
            self.append(chain, entries).await?;
        }
        self.tx.commit().await?;
        Ok(())
    }

    /// Locks a chain's head, hashes the entries onto it and writes them, with multi-row
    /// statements.
    async fn append(&mut self, chain: i64, entries: Vec<Owned>) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO audit_chains (chain, seq, last_hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
        )
        .bind(chain)
        .bind(GENESIS)
        .execute(&mut *self.tx)
        .await?;
        let head = sqlx::query("UPDATE audit_chains SET seq = seq WHERE chain = $1 RETURNING seq, last_hash")
            .bind(chain)
            .fetch_one(&mut *self.tx)
            .await?;
        let (mut seq, mut last): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
        const PARAMS: usize = 10;
        for chunk in crate::db::statement_chunks(&entries, PARAMS) {
            let mut rows = Vec::with_capacity(chunk.len());
            for e in chunk {
                seq += 1;
                let hash =
                    entry_hash(&last, seq, self.at, e.actor_user_id, e.community_id, &e.action, &e.subject, &e.detail);
                rows.push((seq, std::mem::replace(&mut last, hash.clone()), hash));
            }
            let sql = crate::sql!(
                "INSERT INTO audit_entries (chain, seq, at, actor_user_id, community_id, action, subject, detail, prev_hash, hash) VALUES {}",
                crate::db::Backend::of(&self.tx).values_list(chunk.len(), PARAMS)
            );
            let mut q = sqlx::query(sql);
            for (e, (seq, prev, hash)) in chunk.iter().zip(rows) {
                q = q
                    .bind(chain)
                    .bind(seq)
                    .bind(self.at)
                    .bind(e.actor_user_id)
                    .bind(e.community_id)
                    .bind(e.action.as_str())
                    .bind(e.subject.as_str())
                    .bind(e.detail.as_str())
                    .bind(prev)
                    .bind(hash);
            }
            q.execute(&mut *self.tx).await?;
        }
        sqlx::query("UPDATE audit_chains SET seq = $1, last_hash = $2 WHERE chain = $3")
            .bind(seq)
            .bind(&last)
            .bind(chain)
            .execute(&mut *self.tx)
            .await?;
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
    /// Every chain recomputes: how many entries in how many chains.
    Intact { entries: i64, chains: i64 },
    /// The first break found: the chain (a community's id, 0 above communities), the
    /// entry's number in it, and what does not hold.
    Broken { chain: i64, seq: i64, reason: &'static str },
}

/// Recomputes every chain (`wushe audit verify`). Each chain is read in one snapshot, so
/// entries committed meanwhile are neither half seen nor taken for a break.
pub async fn verify(db: &Db) -> Result<Verification, AppError> {
    let chains: Vec<(i64,)> =
        sqlx::query_as("SELECT chain FROM audit_chains UNION SELECT DISTINCT chain FROM audit_entries ORDER BY 1")
            .fetch_all(&db.pool)
            .await?;
    let mut entries = 0;
    for (chain,) in &chains {
        match verify_chain(db, *chain).await? {
            Ok(n) => entries += n,
            Err(broken) => return Ok(broken),
        }
    }
    Ok(Verification::Intact { entries, chains: chains.len() as i64 })
}

async fn verify_chain(db: &Db, chain: i64) -> Result<Result<i64, Verification>, AppError> {
    let broken = |seq, reason| Ok(Err(Verification::Broken { chain, seq, reason }));
    let mut tx = db.pool.begin().await?;
    if db.backend == crate::db::Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    }
    let head: Option<(i64, String)> = sqlx::query_as("SELECT seq, last_hash FROM audit_chains WHERE chain = $1")
        .bind(chain)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((head_seq, head_hash)) = head else { return broken(0, "head") };
    let mut prev = GENESIS.to_string();
    let mut expected = 1i64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, actor_user_id, community_id, action, subject, detail, prev_hash, hash \
             FROM audit_entries WHERE chain = $1 AND seq >= $2 ORDER BY seq LIMIT 5000",
        )
        .bind(chain)
        .bind(expected)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            let seq: i64 = r.try_get(0)?;
            if seq != expected {
                return broken(expected, "gap");
            }
            let community: Option<i64> = r.try_get(3)?;
            if chain != 0 && community != Some(chain) {
                return broken(seq, "chain");
            }
            let prev_hash: String = r.try_get(7)?;
            if prev_hash != prev {
                return broken(seq, "prev_hash");
            }
            let h = entry_hash(
                &prev,
                seq,
                r.try_get(1)?,
                r.try_get(2)?,
                community,
                &r.try_get::<String, _>(4)?,
                &r.try_get::<String, _>(5)?,
                &r.try_get::<String, _>(6)?,
            );
            let stored: String = r.try_get(8)?;
            if h != stored {
                return broken(seq, "hash");
            }
            prev = stored;
            expected += 1;
        }
    }
    tx.commit().await?;
    if head_seq != expected - 1 || head_hash != prev {
        return broken(head_seq, "head");
    }
    Ok(Ok(expected - 1))
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
        "SELECT a.id, a.at, u.display_name, a.action, a.subject, a.detail FROM audit_entries a \
         LEFT JOIN users u ON u.id = a.actor_user_id WHERE a.community_id = $1 ORDER BY a.id DESC LIMIT $2",
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

/// What the audit page narrows the log to; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Words anywhere in the acting person's name.
    pub person: Option<String>,
    /// One action code, e.g. `need.accepted`.
    pub action: Option<String>,
    /// UTC milliseconds: from (inclusive) and to (exclusive).
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// One page of a community's entries, newest first, with how many match.
pub async fn search(
    db: &Db,
    community_id: i64,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEntry>, i64), AppError> {
    let mut filter = String::from(" WHERE a.community_id = $1");
    let mut texts: Vec<String> = Vec::new();
    let mut ints: Vec<i64> = Vec::new();
    // Text binds are $2.. in order, integer binds follow them.
    if let Some(p) = f.person.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        texts.push(crate::db::contains_pattern(p));
        filter.push_str(&format!(" AND u.display_name LIKE ${} ESCAPE '\\'", texts.len() + 1));
    }
    if let Some(a) = f.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        texts.push(a.to_string());
        filter.push_str(&format!(" AND a.action = ${}", texts.len() + 1));
    }
    let base = texts.len() + 1;
    if let Some(t) = f.from {
        ints.push(t);
        filter.push_str(&format!(" AND a.at >= ${}", base + ints.len()));
    }
    if let Some(t) = f.to {
        ints.push(t);
        filter.push_str(&format!(" AND a.at < ${}", base + ints.len()));
    }
    let from = format!("FROM audit_entries a LEFT JOIN users u ON u.id = a.actor_user_id{filter}");
    let count_sql = format!("SELECT COUNT(*) {from}");
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql)).bind(community_id);
    for t in &texts {
        count = count.bind(t.clone());
    }
    for i in &ints {
        count = count.bind(*i);
    }
    let total = count.fetch_one(&db.pool).await?;
    let n = base + ints.len();
    let list_sql = format!(
        "SELECT a.id, a.at, u.display_name, a.action, a.subject, a.detail {from} ORDER BY a.id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(list_sql)).bind(community_id);
    for t in &texts {
        q = q.bind(t.clone());
    }
    for i in &ints {
        q = q.bind(*i);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&db.pool).await?;
    let entries = rows
        .into_iter()
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
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok((entries, total))
}
