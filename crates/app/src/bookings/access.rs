//! Who may book a space, and change or decide a booking.

use super::model::Booking;
use super::queries::get;
use crate::resources::{self, Resource};
use crate::{Actor, AppError, Db, areas};
use wushe_domain::access::{Action, Role};
use wushe_domain::ids::{BookingId, ResourceId};
use wushe_domain::resources::BookerClass;

/// What the booker may book as: staff, an organization's member, or anyone else.
pub(crate) fn booker_class(actor: &Actor, path: &str) -> BookerClass {
    let roles: Vec<Role> = actor
        .grants
        .grants
        .iter()
        .filter(|g| g.area_path.starts_with(path) || path.starts_with(&g.area_path))
        .map(|g| g.role)
        .collect();
    if actor.operator
        || roles
            .iter()
            .any(|r| matches!(r, Role::CommunityAdmin | Role::GridWorker | Role::SocialWorker | Role::StreetOfficer))
    {
        BookerClass::Staff
    } else if roles.iter().any(|r| matches!(r, Role::OrgMember | Role::Volunteer | Role::FoundationOfficer)) {
        BookerClass::Organizations
    } else {
        BookerClass::Anyone
    }
}

/// The community a space belongs to, whose members may book it.
pub(crate) async fn membership_path(db: &Db, space: &Resource) -> Result<String, AppError> {
    Ok(match space.community_id {
        Some(c) => areas::by_id(db, c).await?.path,
        None => space.area_path.clone(),
    })
}

/// The booking, if the actor booked it or manages its space.
pub(crate) async fn for_change(db: &Db, actor: &Actor, id: BookingId) -> Result<(Booking, Resource, bool), AppError> {
    actor_or_404(actor)?;
    let b = get(db, id).await?;
    let space = resources::booked_space(db, ResourceId::from(b.resource_id)).await?;
    let manage = actor.operator || actor.require(Action::BookingManage, Some(&space.area_path)).is_ok();
    if !manage && actor.user_id != Some(b.user_id) {
        return Err(AppError::NotFound);
    }
    Ok((b, space, manage))
}

fn actor_or_404(actor: &Actor) -> Result<&Actor, AppError> {
    if actor.operator || actor.grants.signed_in { Ok(actor) } else { Err(AppError::Unauthenticated) }
}
