//! V1's skills in the resource database: an active volunteer's skills are kept as one skill
//! resource of theirs (`external_id` `volunteer:{id}`), so matching, the claim list and the
//! directory find them as they find any person's skill. The volunteers capability asks for it
//! inside the transaction that set the skills; no skills left pause the resource.

use super::commands::insert;
use super::forms::{NewResource, Owner};
use super::model::stored_list;
use crate::AppError;
use sqlx::{Any, Transaction};
use wushe_domain::resources::{BookingRules, ResourceKind, ResourceStatus, WeeklySchedule};

/// What the resource database keeps of a volunteer's profile.
#[derive(Debug, Clone)]
pub struct VolunteerSkills {
    pub community_id: i64,
    pub volunteer_id: i64,
    pub person_id: i64,
    pub user_id: Option<i64>,
    pub area_path: String,
    pub skills: Vec<String>,
    /// The profile's weekly availability, the resource's hours (empty: always).
    pub availability: String,
}

fn name_of(skills: &[String]) -> String {
    let name = format!("志愿服务：{}", skills.join("、"));
    name.chars().take(80).collect()
}

pub(crate) async fn keep_volunteer_skills(
    tx: &mut Transaction<'_, Any>,
    v: &VolunteerSkills,
    at: i64,
) -> Result<(), AppError> {
    let external = format!("volunteer:{}", v.volunteer_id);
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM resources WHERE community_id = $1 AND external_id = $2")
            .bind(v.community_id)
            .bind(&external)
            .fetch_optional(&mut **tx)
            .await?;
    let schedule = WeeklySchedule::parse(&v.availability).unwrap_or_default();
    match (existing, v.skills.is_empty()) {
        (None, true) => Ok(()),
        (Some(id), true) => {
            sqlx::query("UPDATE resources SET status = 'paused', version = version + 1, updated_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }
        (Some(id), false) => {
            sqlx::query(
                "UPDATE resources SET name = $1, tags = $2, schedule = $3, status = 'active', version = version + 1, \
                 updated_at = $4 WHERE id = $5",
            )
            .bind(name_of(&v.skills))
            .bind(stored_list(&v.skills))
            .bind(schedule.code())
            .bind(at)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }
        (None, false) => {
            let area = crate::areas::by_path_in(tx, &v.area_path).await?;
            let new = NewResource {
                area_code: area.code.clone(),
                kind: ResourceKind::Skill,
                name: name_of(&v.skills),
                description: "志愿者档案中登记的技能".into(),
                categories: Vec::new(),
                tags: v.skills.clone(),
                owner: Owner::Me,
                capacity: 1,
                quantity: None,
                unit: String::new(),
                expires_on: None,
                schedule,
                conditions: String::new(),
                contact_name: String::new(),
                contact_phone: None,
                address: String::new(),
                rules: BookingRules::default(),
                status: ResourceStatus::Active,
            };
            insert(tx, &area, &new, (None, Some(v.person_id), v.user_id), Some(&external), at).await?;
            Ok(())
        }
    }
}
