//! An organization's form, parsed.

use wushe_domain::error::optional_text;
use wushe_domain::organizations::{OrganizationKind, parse_organization_name};
use wushe_domain::people::PhoneNumber;
use wushe_domain::{FieldError, FieldErrors};

/// Raw form fields for a new organization.
#[derive(Debug, Clone, Default)]
pub struct OrganizationForm {
    pub area_code: String,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub services: String,
    pub phone: String,
    pub address: String,
}

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub area_code: String,
    pub parent_id: Option<i64>,
    pub kind: OrganizationKind,
    pub name: String,
    pub description: String,
    pub services: String,
    pub phone: Option<String>,
    pub address: String,
}

impl OrganizationForm {
    pub fn parse(&self) -> Result<NewOrganization, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.check(OrganizationKind::parse(&self.kind));
        let name = e.check(parse_organization_name(&self.name));
        let description = e.check(optional_text("description", &self.description, 2000));
        let services = e.check(optional_text("services", &self.services, 2000));
        let address = e.check(optional_text("address", &self.address, 200));
        // Organizations may list a landline: 7–20 digits and dashes, or a mobile number.
        let phone = e.check(match self.phone.trim() {
            "" => Ok(None),
            p if PhoneNumber::parse(p).is_ok() => Ok(Some(p.to_string())),
            p if (7..=20).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
                Ok(Some(p.to_string()))
            }
            _ => Err(FieldError::new("phone", "errors.phone.invalid")),
        });
        if self.area_code.trim().is_empty() {
            e.0.push(FieldError::new("area_code", "errors.required"));
        }
        e.into_result()?;
        Ok(NewOrganization {
            area_code: self.area_code.trim().to_string(),
            parent_id: self.parent_id,
            kind: kind.expect("checked"),
            name: name.expect("checked"),
            description: description.expect("checked").unwrap_or_default(),
            services: services.expect("checked").unwrap_or_default(),
            phone: phone.expect("checked"),
            address: address.expect("checked").unwrap_or_default(),
        })
    }
}
