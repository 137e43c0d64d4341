//! Searching and browsing the directory: known terms ANDed and ranked by weight.

use super::index::terms;
use crate::db::upper;
use crate::organizations::{self, Organization};
use crate::{AppError, Db};
use sqlx::Row;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Hit {
    pub organization: Organization,
    pub score: i64,
    pub matched: Vec<String>,
}

/// Ranks public organizations by the summed weight of matched query terms, optionally only
/// within one area's subtree. Every query term must match (AND), so 老人 助餐 narrows results.
pub async fn search(db: &Db, query: &str, within_path: Option<&str>, limit: usize) -> Result<Vec<Hit>, AppError> {
    let mut qterms = terms(query);
    qterms.sort();
    qterms.dedup();
    qterms.truncate(12);
    if qterms.is_empty() {
        return Ok(Vec::new());
    }
    let mut scores: BTreeMap<i64, (i64, Vec<String>)> = BTreeMap::new();
    for t in &qterms {
        let rows = sqlx::query("SELECT doc_id, weight FROM search_terms WHERE term = $1 AND doc_kind = 'organization'")
            .bind(t)
            .fetch_all(&db.pool)
            .await?;
        for r in rows {
            let e = scores.entry(r.try_get(0)?).or_default();
            e.0 += r.try_get::<i64, _>(1)?;
            e.1.push(t.clone());
        }
    }
    // Require every query term that occurs anywhere in the index; terms nobody uses
    // (e.g. a stray particle) do not empty the result.
    let known: Vec<&String> = qterms.iter().filter(|t| scores.values().any(|(_, m)| m.contains(t))).collect();
    let mut hits: Vec<(i64, i64, Vec<String>)> = scores
        .into_iter()
        .filter(|(_, (_, m))| known.iter().all(|t| m.contains(t)))
        .map(|(id, (s, m))| (id, s, m))
        .collect();
    hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let ids: Vec<i64> = hits.iter().map(|h| h.0).collect();
    let orgs = organizations::by_ids(db, &ids).await?;
    let mut out = Vec::new();
    for (o, (_, score, matched)) in orgs.into_iter().zip(hits) {
        if within_path.is_none_or(|p| o.area_path.starts_with(p) || p.starts_with(&o.area_path)) {
            out.push(Hit { organization: o, score, matched });
        }
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// All public organizations in a subtree, for browsing without a query and for HSDS export.
pub async fn browse(db: &Db, within_path: &str, limit: i64) -> Result<Vec<Organization>, AppError> {
    let rows = sqlx::query(
        "SELECT id FROM organizations WHERE area_path >= $1 AND area_path < $2 ORDER BY kind, name LIMIT $3",
    )
    .bind(within_path)
    .bind(upper(within_path))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    Ok(organizations::by_ids(db, &ids).await?.into_iter().filter(|o| o.kind.is_public()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn community_words_stay_whole() {
        let t = terms("为独居老人提供助餐服务的网格员");
        assert!(t.contains(&"助餐".to_string()), "{t:?}");
        assert!(t.contains(&"网格员".to_string()), "{t:?}");
        assert!(t.contains(&"老人".to_string()), "{t:?}");
    }

    #[test]
    fn punctuation_is_not_a_term() {
        assert!(terms("法律咨询，调解！").iter().all(|w| w != "，" && w != "！"));
    }
}
