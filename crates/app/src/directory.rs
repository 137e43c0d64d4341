//! S4 — the public directory of organizations and their services, searched in Chinese.
//! Owns table `search_terms`: an inverted index of jieba search-mode terms, identical on both
//! engines (no FTS5/tsvector split). Terms are lower-cased; weight counts name hits thrice.

use crate::db::upper;
use crate::organizations::{self, Organization};
use crate::{AppError, Db};
use jieba_rs::Jieba;
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Community vocabulary the default dictionary splits wrongly (STACK.md trap 3).
const USER_DICT: &str = "助餐 10000 n\n网格员 10000 n\n两委 10000 n\n五社联动 10000 n\n低保 10000 n\n社工 10000 n\n\
社工站 10000 n\n独居老人 10000 n\n楼栋长 10000 n\n微网格 10000 n\n志愿者 10000 n\n居委会 10000 n\n\
党支部 10000 n\n党小组 10000 n\n物业 10000 n\n议事厅 10000 n\n调解 10000 n\n法律咨询 10000 n\n\
日间照料 10000 n\n基金会 10000 n\n共建单位 10000 n\n";

static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut j = Jieba::new();
    // The dictionary is a constant in this file; a failure would be a programming error
    // caught by the unit test below, so it is ignored here rather than panicking in serving.
    let _ = j.load_dict(&mut std::io::BufReader::new(USER_DICT.as_bytes()));
    j
});

/// Search-mode terms of a text: words and their sub-words, without punctuation and spaces.
pub fn terms(text: &str) -> Vec<String> {
    JIEBA
        .cut_for_search(text, true)
        .into_iter()
        .map(|t| t.word.trim().to_lowercase())
        .filter(|w| !w.is_empty() && w.chars().any(|c| c.is_alphanumeric()))
        .collect()
}

pub async fn index_organization(tx: &mut Transaction<'_, Any>, o: &Organization) -> Result<(), AppError> {
    sqlx::query("DELETE FROM search_terms WHERE doc_kind = 'organization' AND doc_id = $1")
        .bind(o.id)
        .execute(&mut **tx)
        .await?;
    if !o.kind.is_public() {
        return Ok(());
    }
    let mut weights: BTreeMap<String, i64> = BTreeMap::new();
    for t in terms(&o.name) {
        *weights.entry(t).or_default() += 3;
    }
    for t in terms(&format!("{} {} {}", o.description, o.services, o.address)) {
        *weights.entry(t).or_default() += 1;
    }
    for chunk in weights.iter().collect::<Vec<_>>().chunks(200) {
        let mut sql = String::from("INSERT INTO search_terms (community_id, doc_kind, doc_id, term, weight) VALUES ");
        for i in 0..chunk.len() {
            let b = i * 4;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${}, 'organization', ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for (term, w) in chunk {
            q = q.bind(o.community_id).bind(o.id).bind(term.as_str()).bind(**w);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

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

/// Reaction to a new organization (S4): it is found in the directory as soon as it exists.
pub(crate) fn on_organization_created<'a, 'c>(
    tx: &'a mut Transaction<'c, Any>,
    event: &'a (dyn std::any::Any + Send + Sync),
) -> crate::events::Reacting<'a> {
    Box::pin(async move {
        match event.downcast_ref::<organizations::Created>() {
            Some(organizations::Created(o)) => index_organization(tx, o).await,
            None => Ok(()),
        }
    })
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
