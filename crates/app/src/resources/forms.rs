//! A resource as pages and the API send it, parsed into what may be stored.

use super::model::Resource;
use wushe_domain::error::optional_text;
use wushe_domain::people::PhoneNumber;
use wushe_domain::resources::{
    BookingRules, ResourceKind, ResourceStatus, WeeklySchedule, parse_date, parse_description, parse_name,
    parse_quantity, parse_tags,
};
use wushe_domain::{FieldError, FieldErrors};

/// A resource form as pages and the API send it; every field is text.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ResourceForm {
    pub area_code: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    /// Need category codes, separated by spaces or commas.
    pub categories: String,
    pub tags: String,
    /// `self`, `org:ID`, `user:ID` (staff) or empty (the community's own).
    pub owner: String,
    pub capacity: String,
    pub quantity: String,
    pub unit: String,
    pub expires_on: String,
    pub schedule: String,
    pub conditions: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub booking_who: String,
    pub booking_max_minutes: String,
    pub booking_approval: String,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct NewResource {
    /// Where it is; empty on an update keeps the place.
    pub area_code: String,
    pub kind: ResourceKind,
    pub name: String,
    pub description: String,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub owner: Owner,
    pub capacity: i64,
    pub quantity: Option<i64>,
    pub unit: String,
    pub expires_on: Option<String>,
    pub schedule: WeeklySchedule,
    pub conditions: String,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub address: String,
    pub rules: BookingRules,
    pub status: ResourceStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Community,
    Me,
    Organization(i64),
    User(i64),
}

impl Owner {
    pub fn parse(raw: &str) -> Result<Owner, FieldError> {
        let bad = || FieldError::new("owner", "errors.resource.owner");
        match raw.trim() {
            "" | "community" => Ok(Owner::Community),
            "self" => Ok(Owner::Me),
            s => {
                let (k, id) = s.split_once(':').ok_or_else(bad)?;
                let id: i64 = id.parse().map_err(|_| bad())?;
                match k {
                    "org" => Ok(Owner::Organization(id)),
                    "user" => Ok(Owner::User(id)),
                    _ => Err(bad()),
                }
            }
        }
    }
}

pub(crate) fn truthy(s: &str) -> bool {
    matches!(s.trim(), "1" | "true" | "on" | "yes" | "是")
}

impl ResourceForm {
    pub fn parse(&self) -> Result<NewResource, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.check(ResourceKind::parse(&self.kind));
        let name = e.check(parse_name(&self.name));
        let description = e.check(parse_description(&self.description));
        let categories =
            e.check(parse_tags(&self.categories).map_err(|_| FieldError::new("categories", "errors.too_long")));
        let tags = e.check(parse_tags(&self.tags));
        let owner = e.check(Owner::parse(&self.owner));
        let capacity = e.check(if self.capacity.trim().is_empty() {
            Ok(1)
        } else {
            parse_quantity("capacity", &self.capacity, false)
                .and_then(|c| if c >= 1 { Ok(c) } else { Err(FieldError::new("capacity", "errors.number.range")) })
        });
        let quantity = e.check(if self.quantity.trim().is_empty() {
            Ok(None)
        } else {
            parse_quantity("quantity", &self.quantity, false).map(Some)
        });
        let unit = e.check(optional_text("unit", &self.unit, 10));
        let expires_on = e.check(match self.expires_on.trim() {
            "" => Ok(None),
            d => parse_date(d).map(|_| Some(d.to_string())).ok_or(FieldError::new("expires_on", "errors.date.invalid")),
        });
        let schedule = e.check(WeeklySchedule::parse(&self.schedule));
        let conditions = e.check(optional_text("conditions", &self.conditions, 500));
        let contact_name = e.check(optional_text("contact_name", &self.contact_name, 40));
        let contact_phone = e.check(match self.contact_phone.trim() {
            "" => Ok(None),
            p if PhoneNumber::parse(p).is_ok() => Ok(Some(p.to_string())),
            p if (7..=20).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
                Ok(Some(p.to_string()))
            }
            _ => Err(FieldError::new("contact_phone", "errors.phone.invalid")),
        });
        let address = e.check(optional_text("address", &self.address, 200));
        let rules = e.check(BookingRules::parse(
            if self.booking_who.trim().is_empty() { "anyone" } else { &self.booking_who },
            if self.booking_max_minutes.trim().is_empty() { "240" } else { &self.booking_max_minutes },
            truthy(&self.booking_approval),
        ));
        let status = e.check(if self.status.trim().is_empty() {
            Ok(ResourceStatus::Active)
        } else {
            ResourceStatus::parse(&self.status)
        });
        if kind.is_some_and(ResourceKind::has_stock) && quantity.is_some_and(|q| q.is_none()) {
            e.0.push(FieldError::new("quantity", "errors.required"));
        }
        e.into_result()?;
        Ok(NewResource {
            area_code: self.area_code.trim().to_string(),
            kind: kind.expect("checked"),
            name: name.expect("checked"),
            description: description.expect("checked"),
            categories: categories.expect("checked"),
            tags: tags.expect("checked"),
            owner: owner.expect("checked"),
            capacity: capacity.expect("checked"),
            quantity: quantity.expect("checked"),
            unit: unit.expect("checked").unwrap_or_default(),
            expires_on: expires_on.expect("checked"),
            schedule: schedule.expect("checked"),
            conditions: conditions.expect("checked").unwrap_or_default(),
            contact_name: contact_name.expect("checked").unwrap_or_default(),
            contact_phone: contact_phone.expect("checked"),
            address: address.expect("checked").unwrap_or_default(),
            rules: rules.expect("checked"),
            status: status.expect("checked"),
        })
    }
}

impl From<&Resource> for ResourceForm {
    fn from(r: &Resource) -> Self {
        ResourceForm {
            area_code: String::new(),
            kind: r.kind.code().into(),
            name: r.name.clone(),
            description: r.description.clone(),
            categories: r.categories.join(" "),
            tags: r.tags.join(" "),
            owner: match (r.owner_org_id, r.owner_user_id) {
                (Some(o), _) => format!("org:{o}"),
                (None, Some(u)) => format!("user:{u}"),
                _ => String::new(),
            },
            capacity: r.capacity.to_string(),
            quantity: r.quantity.map(|q| q.to_string()).unwrap_or_default(),
            unit: r.unit.clone(),
            expires_on: r.expires_on.clone().unwrap_or_default(),
            schedule: r.schedule.code(),
            conditions: r.conditions.clone(),
            contact_name: r.contact_name.clone(),
            contact_phone: r.contact_phone.clone().unwrap_or_default(),
            address: r.address.clone(),
            booking_who: r.rules.who.code().into(),
            booking_max_minutes: r.rules.max_minutes.to_string(),
            booking_approval: if r.rules.approval { "1".into() } else { String::new() },
            status: r.status.code().into(),
        }
    }
}
