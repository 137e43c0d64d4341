//! Services read from an HSDS directory, added with their organizations, all or nothing.

use super::commands::{insert, place};
use super::forms::NewResource;
use super::snapshot::forget_all;
use crate::areas::Area;
use crate::audit::AuditedTx;
use crate::{Actor, AppError, Db, organizations};
use std::collections::HashMap;
use wushe_domain::FieldError;
use wushe_domain::access::Action;

/// One service read from an HSDS file (Open Referral), with its organization.
pub struct DirectoryItem {
    /// (name, description, phone) of the organization offering it.
    pub organization: Option<(String, String, Option<String>)>,
    pub new: NewResource,
    /// The file's service id, kept so a second import of the same file adds nothing.
    pub external_id: String,
}

/// Imports a directory's services into a community in one transaction: organizations are found
/// by name among the community's (created as social organizations when missing), services
/// already imported (same id) are skipped. Returns (added, skipped).
pub async fn import_directory(
    db: &Db,
    actor: &Actor,
    at: i64,
    community: &Area,
    items: Vec<DirectoryItem>,
) -> Result<(usize, usize), AppError> {
    actor.require(Action::ResourceManage, Some(&community.path))?;
    let mut orgs: HashMap<String, i64> =
        organizations::listed_in(db, community).await?.into_iter().map(|o| (o.name, o.id.get())).collect();
    let existing: std::collections::HashSet<String> = sqlx::query_scalar::<_, String>(
        "SELECT external_id FROM resources WHERE community_id = $1 AND external_id IS NOT NULL",
    )
    .bind(community.id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .collect();
    let mut tx = AuditedTx::begin(db, at).await?;
    let (mut added, mut skipped) = (0, 0);
    for item in items {
        if existing.contains(&item.external_id) {
            skipped += 1;
            continue;
        }
        let area = place(db, &item.new.area_code).await?;
        if !(area.path.starts_with(&community.path)) {
            return Err(FieldError::new("area_code", "errors.area.unknown").into());
        }
        let org = match item.organization {
            Some((name, description, phone)) if !name.trim().is_empty() => match orgs.get(name.trim()) {
                Some(id) => Some(*id),
                None => {
                    let new = organizations::OrganizationForm {
                        kind: "social_organization".into(),
                        name: name.trim().to_string(),
                        area_code: community.code.clone(),
                        description,
                        phone: phone.unwrap_or_default(),
                        ..Default::default()
                    }
                    .parse()?;
                    let o = organizations::insert(&mut tx.tx, community, &new, at).await?;
                    crate::directory::index_organization(&mut tx.tx, &o).await?;
                    orgs.insert(o.name.clone(), o.id.get());
                    Some(o.id.get())
                }
            },
            _ => None,
        };
        insert(&mut tx.tx, &area, &item.new, (org, None, None), Some(&item.external_id), at).await?;
        added += 1;
    }
    tx.record(
        actor,
        Some(community.id),
        "resource.import_hsds",
        &format!("area:{}", community.code),
        &added.to_string(),
    )
    .await?;
    tx.commit().await?;
    forget_all(db);
    Ok((added, skipped))
}
