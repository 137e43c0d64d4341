//! A registration form, parsed.

use wushe_domain::people::{Gender, IdNumber, PhoneNumber, Vulnerabilities, parse_birth_year, parse_person_name};
use wushe_domain::{FieldError, FieldErrors};

/// A parsed registration form.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub household_code: Option<String>,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    pub phone: Option<PhoneNumber>,
    pub id_number: Option<IdNumber>,
    pub vulnerability: Vulnerabilities,
    pub is_household_head: bool,
}

/// Raw form fields as typed by a person (page form or JSON body).
#[derive(Debug, Clone, Default)]
pub struct PersonForm {
    pub household_code: String,
    pub name: String,
    pub gender: String,
    pub birth_year: String,
    pub phone: String,
    pub id_number: String,
    pub vulnerability: Vec<String>,
    pub is_household_head: bool,
}

impl PersonForm {
    pub fn parse(&self, this_year: i32) -> Result<NewPerson, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = e.check(parse_person_name(&self.name));
        let gender =
            e.check(if self.gender.trim().is_empty() { Ok(None) } else { Gender::parse(self.gender.trim()).map(Some) });
        let birth_year = e.check(parse_birth_year(&self.birth_year, this_year));
        let phone =
            e.check(if self.phone.trim().is_empty() { Ok(None) } else { PhoneNumber::parse(&self.phone).map(Some) });
        let id_number = e.check(if self.id_number.trim().is_empty() {
            Ok(None)
        } else {
            IdNumber::parse(&self.id_number).map(Some)
        });
        let vulnerability = e.check(Vulnerabilities::parse_list(&self.vulnerability.join(",")));
        let household = self.household_code.trim();
        if household.is_empty() {
            e.0.push(FieldError::new("household_code", "errors.required"));
        }
        e.into_result()?;
        Ok(NewPerson {
            household_code: Some(household.to_string()),
            name: name.expect("checked"),
            gender: gender.expect("checked"),
            birth_year: birth_year.expect("checked"),
            phone: phone.expect("checked"),
            id_number: id_number.expect("checked"),
            vulnerability: vulnerability.expect("checked"),
            is_household_head: self.is_household_head,
        })
    }
}
