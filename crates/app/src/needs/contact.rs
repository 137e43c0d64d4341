//! Who asked for a need and how to reach them (X1): the name and phone a need page shows,
//! masked unless the reader may see them in full. Showing the full phone to anyone but the
//! requester is an explicit act, written to the audit log.

use super::model::Need;
use crate::audit::record_alone;
use crate::{Actor, AppError, Db};
use wushe_domain::access::Action;
use wushe_domain::ids::PersonId;
use wushe_domain::people::{PhoneNumber, mask_name};
use wushe_domain::policy::{Ask, Record};

/// The requester as this reader may see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The resident's name (masked for readers who may not read residents there), or the
    /// account that filed the need when no resident is linked; empty when neither is known.
    pub name: String,
    /// The resident's record, for readers who may open it.
    pub person: Option<PersonId>,
    /// The phone entered with the need (or the resident's own), masked unless revealed.
    pub phone: Option<String>,
    /// The phone is shown in full.
    pub revealed: bool,
    /// The reader may ask for the full phone.
    pub may_reveal: bool,
}

/// The requester of `n`; with `reveal`, the full phone for a reader the policy allows, audited.
pub async fn contact(
    db: &Db,
    actor: &Actor,
    at: i64,
    n: &Need,
    rec: &Record,
    reveal: bool,
) -> Result<Contact, AppError> {
    let full = actor.may(rec, Ask::NeedContact);
    let reads_residents = actor.require(Action::ResidentRead, Some(&n.area_path)).is_ok();
    let person: Option<(String, Option<String>)> = match n.requester_person_id {
        Some(p) => {
            sqlx::query_as("SELECT name, phone FROM people WHERE id = $1").bind(p).fetch_optional(&db.pool).await?
        }
        None => None,
    };
    let (name, person_phone) = match person {
        Some((name, phone)) => (name, phone),
        None => match n.requester_user_id {
            Some(u) => (crate::accounts::display_name(db, u).await.unwrap_or_default(), None),
            None => (String::new(), None),
        },
    };
    let phone = n.contact_phone.clone().or(person_phone).and_then(|p| PhoneNumber::parse(&p).ok());
    let requester = rec.ties.requester;
    let revealed = phone.is_some() && full && (requester || reveal);
    if revealed && reveal && !requester {
        record_alone(db, at, actor, Some(n.community_id), "need.contact_revealed", &format!("need:{}", n.id), "phone")
            .await?;
    }
    Ok(Contact {
        name: if full || reads_residents { name } else { mask_name(&name) },
        person: n.requester_person_id.map(PersonId::from).filter(|_| reads_residents),
        phone: phone.as_ref().map(|p| if revealed { p.reveal().to_string() } else { p.masked() }),
        revealed,
        may_reveal: full && !revealed && phone.is_some(),
    })
}
