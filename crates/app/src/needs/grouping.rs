//! N6: similar needs, grouping them under a common need, and bulk assignment.

use super::access::{get, record};
use super::calendar::calendar_for;
use super::categories::categories;
use super::intake::{NewNeed, insert_event, write_submission};
use super::metrics::Deltas;
use super::model::{COLS, Need, from_row};
use super::queries::{Filter, ledger};
use super::workflow::{Assignee, Step, step};
use crate::areas::{self};
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db};

use wushe_domain::FieldError;
use wushe_domain::ids::NeedId;
use wushe_domain::needs::{Channel, EventKind, Scope, Urgency, parse_title};
use wushe_domain::policy::Ask;

/// N6 — open needs of the same community that read like `need` (by jieba words of title and
/// description), most alike first, for merging duplicates or grouping into a common need.
pub async fn similar(db: &Db, actor: &Actor, need: &Need, limit: usize) -> Result<Vec<(Need, f64)>, AppError> {
    let rec = record(db, actor, need).await?;
    if !actor.may(&rec, Ask::NeedManage) {
        return Err(AppError::Forbidden);
    }
    let community = areas::by_id(db, need.community_id).await?;
    let f = Filter { open_only: true, limit: 2000, ..Default::default() };
    let (candidates, _) = ledger(db, actor, &community, &f).await?;
    let words = |n: &Need| crate::directory::terms(&format!("{} {}", n.title, n.description));
    let mine = words(need);
    let mut scored: Vec<(Need, f64)> = candidates
        .into_iter()
        .filter(|c| c.id != need.id && c.scope == Scope::Individual)
        .map(|c| {
            // The same category counts for a little more: it is the same kind of trouble.
            let bonus = if c.category_id == need.category_id { 0.1 } else { 0.0 };
            let score = wushe_domain::needs::similarity(&mine, &words(&c)) + bonus;
            (c, score)
        })
        .filter(|(_, s)| *s >= wushe_domain::needs::SIMILAR_THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.id.cmp(&a.0.id)));
    scored.truncate(limit);
    Ok(scored)
}

/// N6 — groups individual needs into one common need (共性需求) that a project can take up.
/// The common need sits at the members' nearest common area and carries their most frequent
/// category; each member's timeline records the grouping.
pub async fn group(db: &Db, actor: &Actor, at: i64, title: &str, ids: &[NeedId]) -> Result<Need, AppError> {
    let title = parse_title(title)?;
    let mut members = Vec::new();
    for id in ids {
        let (n, rec) = get(db, actor, *id).await.map_err(|_| FieldError::new("needs", "errors.need.unknown"))?;
        if !actor.may(&rec, Ask::NeedManage) {
            return Err(AppError::Forbidden);
        }
        if n.status.is_closed() || n.scope == Scope::Common {
            return Err(FieldError::new("needs", "errors.need.unknown").into());
        }
        members.push(n);
    }
    members.dedup_by_key(|n| n.id);
    if members.len() < 2 || members.iter().any(|n| n.community_id != members[0].community_id) {
        return Err(FieldError::new("needs", "errors.group.too_few").into());
    }
    // Nearest common area: the longest path prefix ending at a '/'.
    let first = members[0].area_path.clone();
    let mut common = first.len();
    for n in &members[1..] {
        common = common.min(first.bytes().zip(n.area_path.bytes()).take_while(|(a, b)| a == b).count());
    }
    let prefix = &first[..first[..common].rfind('/').map(|i| i + 1).unwrap_or(0)];
    let code = prefix.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let area = areas::by_code(db, code).await?;
    let mut counts: std::collections::BTreeMap<i64, usize> = Default::default();
    for n in &members {
        *counts.entry(n.category_id).or_default() += 1;
    }
    let category_id =
        counts.iter().max_by_key(|(id, c)| (**c, -**id)).map(|(id, _)| *id).unwrap_or(members[0].category_id);
    let category = categories(db, members[0].community_id)
        .await?
        .into_iter()
        .find(|c| c.id == category_id)
        .ok_or(AppError::NotFound)?;
    let description = members.iter().map(|n| format!("#{} {}", n.id, n.title)).collect::<Vec<_>>().join("\n");
    let new = NewNeed {
        calendar: calendar_for(db, area.community_id.unwrap_or(area.id)).await?,
        area,
        household: None,
        category,
        title,
        description,
        urgency: Urgency::Normal,
        scope: Scope::Common,
        channel: Channel::JointMeeting,
        contact_phone: None,
        requester_person_id: None,
        location: None,
    };
    let mut tx = AuditedTx::begin(db, at).await?;
    let mut rollups = Deltas::default();
    let common_need =
        write_submission(&mut tx, &Actor { operator: false, ..actor.clone() }, at, &new, &mut rollups).await?;
    rollups.write(&mut tx.tx).await?;
    for n in &members {
        sqlx::query("UPDATE needs SET common_need_id = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(common_need.id.get())
            .bind(at)
            .bind(n.id.get())
            .execute(&mut *tx.tx)
            .await?;
        insert_event(&mut tx.tx, n, at, actor.user_id, EventKind::Grouped, None, &format!("common:{}", common_need.id))
            .await?;
    }
    tx.record(
        actor,
        Some(common_need.community_id),
        "need.group",
        &format!("need:{}", common_need.id),
        &ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","),
    )
    .await?;
    tx.commit().await?;
    Ok(common_need)
}

/// The individual needs grouped into a common need.
pub async fn members_of(db: &Db, common: &Need) -> Result<Vec<Need>, AppError> {
    let rows = sqlx::query(crate::sql!("SELECT {COLS} FROM needs WHERE common_need_id = $1 ORDER BY id"))
        .bind(common.id.get())
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Assigns many needs at once (the ledger's bulk action). Each need is a separate step at the
/// version the person saw, so each can succeed or fail on its own; the outcome says which.
pub async fn bulk_assign(
    db: &Db,
    actor: &Actor,
    at: i64,
    items: &[(NeedId, i64)],
    assignee: Assignee,
) -> Vec<(NeedId, Result<Need, AppError>)> {
    let mut out = Vec::with_capacity(items.len());
    for (id, version) in items {
        let s = Step {
            event: EventKind::Assigned,
            version: *version,
            note: String::new(),
            assignee: Some(assignee),
            rating: String::new(),
            merge_into: None,
        };
        out.push((*id, step(db, actor, at, *id, s).await));
    }
    out
}
