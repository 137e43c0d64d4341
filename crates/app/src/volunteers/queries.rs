//! Reading volunteers, activities, records and totals, restricted to what the reader may see.

use super::access::may_verify;
use super::model::{
    ACTIVITY_COLS, Activity, Group, RECORD_COLS, SIGNUP_COLS, ServiceRecord, Signup, Training, VOLUNTEER_COLS,
    VOLUNTEER_FROM, Volunteer,
};
use crate::db::upper;
use crate::{Actor, AppError, Db, areas};
use wushe_domain::access::Action;
use wushe_domain::volunteers::{RecordStatus, VolunteerStatus};

/// The parts of `path`'s subtree the actor may read for `action`: the narrower of each pair.
pub(crate) fn ranges(actor: &Actor, action: Action, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in actor.subtrees(action) {
        if path.starts_with(&s) {
            out.push(path.to_string());
        } else if s.starts_with(path) {
            out.push(s);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Filters of the volunteers list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<VolunteerStatus>,
    pub group_id: Option<i64>,
    /// Any part of the name.
    pub name: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// Volunteers of an area the actor may read, most hours first, and how many match.
pub async fn list(
    db: &Db,
    actor: &Actor,
    area: &areas::Area,
    f: &ListFilter,
) -> Result<(Vec<Volunteer>, i64), AppError> {
    let visible = ranges(actor, Action::VolunteerRead, &area.path);
    if visible.is_empty() {
        actor.require(Action::VolunteerRead, Some(&area.path))?;
    }
    let (mut out, mut total) = (Vec::new(), 0);
    let (mut skip, mut want) = (f.offset, f.limit);
    for p in visible {
        let mut filter = String::from("v.area_path >= $1 AND v.area_path < $2");
        let mut binds: Vec<String> = vec![p.clone(), upper(&p)];
        if let Some(s) = f.status {
            binds.push(s.code().into());
            filter.push_str(&format!(" AND v.status = ${}", binds.len()));
        }
        if let Some(g) = f.group_id {
            binds.push(g.to_string());
            filter.push_str(&format!(" AND CAST(v.group_id AS TEXT) = ${}", binds.len()));
        }
        if let Some(n) = &f.name {
            binds.push(crate::db::contains_pattern(n));
            filter.push_str(&format!(" AND p.name LIKE ${} ESCAPE '\\'", binds.len()));
        }
        let mut cq = sqlx::query_scalar::<_, i64>(crate::sql!("SELECT COUNT(*) FROM {VOLUNTEER_FROM} WHERE {filter}"));
        for b in &binds {
            cq = cq.bind(b);
        }
        let n = cq.fetch_one(&db.pool).await?;
        total += n;
        if want > 0 && skip < n {
            let mut q = sqlx::query_as::<_, Volunteer>(crate::sql!(
                "SELECT {VOLUNTEER_COLS} FROM {VOLUNTEER_FROM} WHERE {filter} ORDER BY v.minutes DESC, v.id LIMIT {want} OFFSET {skip}"
            ));
            for b in &binds {
                q = q.bind(b);
            }
            let rows = q.fetch_all(&db.pool).await?;
            want -= rows.len() as i64;
            out.extend(rows);
            skip = 0;
        } else {
            skip -= n.min(skip);
        }
    }
    Ok((out, total))
}

/// Verified minutes of each group of a community by local year, newest year first:
/// (group id, year, minutes). Records count for the group their volunteer is in now.
pub async fn group_years(db: &Db, community_id: i64) -> Result<Vec<(i64, String, i64)>, AppError> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT v.group_id, r.started_at, r.minutes FROM service_records r JOIN volunteers v ON v.id = r.volunteer_id \
         WHERE r.community_id = $1 AND r.status = 'verified' AND v.group_id IS NOT NULL",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    let mut sums = std::collections::BTreeMap::<(String, i64), i64>::new();
    for (group, at, minutes) in rows {
        *sums.entry((crate::clock::local_text(at, "%Y"), group)).or_default() += minutes;
    }
    Ok(sums.into_iter().rev().map(|((year, group), m)| (group, year, m)).collect())
}

/// A community's functional groups with their members' count and verified minutes.
pub async fn groups(db: &Db, community_id: i64) -> Result<Vec<(Group, i64, i64)>, AppError> {
    let rows: Vec<(i64, i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT g.id, g.community_id, g.name, g.description, COUNT(v.id), CAST(COALESCE(SUM(v.minutes), 0) AS BIGINT) \
         FROM volunteer_groups g LEFT JOIN volunteers v ON v.group_id = g.id AND v.status = 'active' \
         WHERE g.community_id = $1 GROUP BY g.id, g.community_id, g.name, g.description ORDER BY g.id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (Group { id: r.0, community_id: r.1, name: r.2, description: r.3 }, r.4, r.5))
        .collect())
}

pub async fn trainings(db: &Db, volunteer_id: i64) -> Result<Vec<Training>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, volunteer_id, name, certificate, taken_on FROM volunteer_trainings WHERE volunteer_id = $1 ORDER BY taken_on DESC",
    )
    .bind(volunteer_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Activities of a community that have not ended, soonest first, with places taken (public).
pub async fn upcoming(db: &Db, community_id: i64, now: i64, limit: i64) -> Result<Vec<(Activity, i64)>, AppError> {
    let list: Vec<Activity> = sqlx::query_as(crate::sql!(
        "SELECT {ACTIVITY_COLS} FROM activities WHERE community_id = $1 AND ends_at > $2 AND status = 'open' ORDER BY starts_at, id LIMIT {limit}"
    ))
    .bind(community_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let taken = taken(db, a.id).await?;
        out.push((a, taken));
    }
    Ok(out)
}

/// Activities of a community that have ended, newest first.
pub async fn past(db: &Db, community_id: i64, now: i64, limit: i64) -> Result<Vec<Activity>, AppError> {
    Ok(sqlx::query_as(crate::sql!(
        "SELECT {ACTIVITY_COLS} FROM activities WHERE community_id = $1 AND ends_at <= $2 ORDER BY starts_at DESC, id LIMIT {limit}"
    ))
    .bind(community_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await?)
}

/// Places held or served on an activity.
pub async fn taken(db: &Db, activity_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM activity_signups WHERE activity_id = $1 AND status IN ('active', 'done')",
    )
    .bind(activity_id)
    .fetch_one(&db.pool)
    .await?)
}

/// Who holds the places of an activity (for those who run it), with their names.
pub async fn signups(db: &Db, activity_id: i64) -> Result<Vec<(Signup, String)>, AppError> {
    let list: Vec<Signup> = sqlx::query_as(crate::sql!(
        "SELECT {SIGNUP_COLS} FROM activity_signups WHERE activity_id = $1 AND status IN ('active', 'done') ORDER BY slot"
    ))
    .bind(activity_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(list.len());
    for s in list {
        let name = super::access::by_id(db, s.volunteer_id).await.map(|v| v.name).unwrap_or_default();
        out.push((s, name));
    }
    Ok(out)
}

/// The places a volunteer holds on activities that have not ended.
pub async fn my_places(db: &Db, vol: &Volunteer, now: i64) -> Result<Vec<(Signup, Activity)>, AppError> {
    let list: Vec<Signup> = sqlx::query_as(crate::sql!(
        "SELECT {} FROM activity_signups s WHERE s.volunteer_id = $1 AND s.status = 'active' ORDER BY s.signed_at",
        SIGNUP_COLS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(vol.id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for s in list {
        let a = super::access::activity(db, s.activity_id).await?;
        if a.ends_at > now || s.checkin_at.is_some() {
            out.push((s, a));
        }
    }
    Ok(out)
}

/// The signed-in volunteer's place on one activity, if any.
pub async fn my_place(db: &Db, vol: &Volunteer, activity_id: i64) -> Result<Option<Signup>, AppError> {
    Ok(sqlx::query_as(crate::sql!(
        "SELECT {SIGNUP_COLS} FROM activity_signups WHERE activity_id = $1 AND volunteer_id = $2 AND status IN ('active', 'done')"
    ))
    .bind(activity_id)
    .bind(vol.id)
    .fetch_optional(&db.pool)
    .await?)
}

/// A volunteer's service records, newest first, with the activity's title.
pub async fn records_of(db: &Db, vol: &Volunteer, limit: i64) -> Result<Vec<(ServiceRecord, String)>, AppError> {
    let list: Vec<ServiceRecord> = sqlx::query_as(crate::sql!(
        "SELECT {RECORD_COLS} FROM service_records WHERE volunteer_id = $1 ORDER BY started_at DESC, id DESC LIMIT {limit}"
    ))
    .bind(vol.id)
    .fetch_all(&db.pool)
    .await?;
    titled(db, list).await
}

async fn titled(db: &Db, list: Vec<ServiceRecord>) -> Result<Vec<(ServiceRecord, String)>, AppError> {
    let mut titles = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for r in list {
        let title = match r.activity_id {
            Some(a) => {
                if let std::collections::hash_map::Entry::Vacant(e) = titles.entry(a) {
                    e.insert(super::access::activity(db, a).await.map(|x| x.title).unwrap_or_default());
                }
                titles[&a].clone()
            }
            None => String::new(),
        };
        out.push((r, title));
    }
    Ok(out)
}

/// Verified minutes per local month ("YYYY-MM") and per year, newest first.
pub async fn totals(db: &Db, vol: &Volunteer) -> Result<(Vec<(String, i64)>, Vec<(String, i64)>), AppError> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT started_at, minutes FROM service_records WHERE volunteer_id = $1 AND status = 'verified'",
    )
    .bind(vol.id)
    .fetch_all(&db.pool)
    .await?;
    let mut months = std::collections::BTreeMap::<String, i64>::new();
    let mut years = std::collections::BTreeMap::<String, i64>::new();
    for (at, m) in rows {
        let month = crate::clock::local_text(at, "%Y-%m");
        *years.entry(month[..4].to_string()).or_default() += m;
        *months.entry(month).or_default() += m;
    }
    Ok((months.into_iter().rev().collect(), years.into_iter().rev().collect()))
}

/// One record waiting for the reader's verification.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub record: ServiceRecord,
    pub volunteer: Volunteer,
    pub activity: String,
}

/// The records of a community waiting for this reader's verification (as a social worker of
/// their place, or as the organizer of their activity), oldest first, at most `limit`.
pub async fn waiting(
    db: &Db,
    actor: &Actor,
    community: &areas::Area,
    limit: usize,
) -> Result<(Vec<Waiting>, usize), AppError> {
    let list: Vec<ServiceRecord> = sqlx::query_as(crate::sql!(
        "SELECT {RECORD_COLS} FROM service_records WHERE community_id = $1 AND status = 'pending' ORDER BY created_at, id LIMIT 5000"
    ))
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?;
    let mut vols = std::collections::HashMap::new();
    let mut acts = std::collections::HashMap::new();
    let (mut out, mut total) = (Vec::new(), 0);
    for r in list {
        if let std::collections::hash_map::Entry::Vacant(e) = vols.entry(r.volunteer_id) {
            e.insert(super::access::by_id(db, r.volunteer_id).await?);
        }
        let act = match r.activity_id {
            Some(a) => {
                if let std::collections::hash_map::Entry::Vacant(e) = acts.entry(a) {
                    e.insert(super::access::activity(db, a).await?);
                }
                acts.get(&a).cloned()
            }
            None => None,
        };
        let vol = &vols[&r.volunteer_id];
        if !may_verify(actor, vol, &r, act.as_ref()) {
            continue;
        }
        total += 1;
        if out.len() < limit {
            out.push(Waiting { activity: act.map(|a| a.title).unwrap_or_default(), volunteer: vol.clone(), record: r });
        }
    }
    Ok((out, total))
}

/// Pending registrations of a community, for staff.
pub async fn pending_registrations(
    db: &Db,
    actor: &Actor,
    community: &areas::Area,
) -> Result<Vec<Volunteer>, AppError> {
    actor.require(Action::VolunteerManage, Some(&community.path))?;
    Ok(sqlx::query_as(crate::sql!(
        "SELECT {VOLUNTEER_COLS} FROM {VOLUNTEER_FROM} WHERE v.community_id = $1 AND v.status = 'pending' ORDER BY v.id"
    ))
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?)
}

/// Whether any of a person's records is still waiting (the certificate says so).
pub async fn has_waiting(db: &Db, vol: &Volunteer) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_records WHERE volunteer_id = $1 AND status = $2")
        .bind(vol.id)
        .bind(RecordStatus::Pending.code())
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

/// A volunteer who can be called out in an emergency: signed up with an account, active.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OnCall {
    pub user_id: i64,
    pub group_id: Option<i64>,
    pub skills: String,
    pub availability: String,
    /// Their preferred grid's path, else their community's.
    pub area_path: String,
    /// Where they live, if in the community.
    pub household_path: Option<String>,
}

/// The community's active volunteers with an account, of the given groups only when some
/// are named (a plan mobilises its groups; a drill only its drill group).
pub(crate) async fn on_call(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    community_id: i64,
    groups: &[i64],
) -> Result<Vec<OnCall>, AppError> {
    let rows = sqlx::query_as::<_, OnCall>(
        "SELECT v.user_id, v.group_id, v.skills, v.availability, v.area_path, p.household_path FROM volunteers v \
         JOIN people p ON p.id = v.person_id JOIN users u ON u.id = v.user_id \
         WHERE v.community_id = $1 AND v.status = 'active' AND u.disabled = 0 ORDER BY v.id",
    )
    .bind(community_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().filter(|v| groups.is_empty() || v.group_id.is_some_and(|g| groups.contains(&g))).collect())
}
