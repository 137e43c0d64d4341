//! A person as stored: the `people` row; phones and ID numbers leave only as their types.

use crate::AppError;
use sqlx::Row;
use wushe_domain::people::{Gender, IdNumber, PhoneNumber, Vulnerabilities, mask_name};

#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub community_id: i64,
    pub household_id: Option<i64>,
    pub household_path: Option<String>,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    pub phone: Option<PhoneNumber>,
    pub id_number: Option<IdNumber>,
    pub vulnerability: Vulnerabilities,
    pub is_household_head: bool,
    pub version: i64,
}

impl Person {
    pub fn masked_name(&self) -> String {
        mask_name(&self.name)
    }
}

pub(crate) const COLS: &str = "id, community_id, household_id, household_path, name, gender, birth_year, phone, id_number, vulnerability, is_household_head, version";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Person, AppError> {
    let bad = |what: &str| AppError::Internal(format!("stored {what} does not parse"));
    let gender: Option<String> = r.try_get(5)?;
    let phone: Option<String> = r.try_get(7)?;
    let idn: Option<String> = r.try_get(8)?;
    let vul: String = r.try_get(9)?;
    Ok(Person {
        id: r.try_get(0)?,
        community_id: r.try_get(1)?,
        household_id: r.try_get(2)?,
        household_path: r.try_get(3)?,
        name: r.try_get(4)?,
        gender: gender.map(|g| Gender::parse(&g)).transpose().map_err(|_| bad("gender"))?,
        birth_year: r.try_get::<Option<i64>, _>(6)?.map(|y| y as i32),
        phone: phone.map(|p| PhoneNumber::parse(&p)).transpose().map_err(|_| bad("phone"))?,
        id_number: idn.map(|p| IdNumber::parse(&p)).transpose().map_err(|_| bad("id number"))?,
        vulnerability: Vulnerabilities::parse_list(&vul).map_err(|_| bad("vulnerability"))?,
        is_household_head: r.try_get::<i64, _>(10)? != 0,
        version: r.try_get(11)?,
    })
}
