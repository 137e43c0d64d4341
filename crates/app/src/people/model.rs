//! A person as stored: the `people` row; phones and ID numbers leave only as their types.

use crate::AppError;
use sqlx::Row;
use wushe_domain::ids::PersonId;
use wushe_domain::people::{Gender, IdNumber, PhoneNumber, Vulnerabilities, mask_name};

#[derive(Debug, Clone)]
pub struct Person {
    pub id: PersonId,
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

/// Read by column name; stored codes, phones and ID numbers parse into the domain's types.
impl sqlx::FromRow<'_, sqlx::any::AnyRow> for Person {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        let bad = |what: &'static str| sqlx::Error::Decode(format!("stored {what} does not parse").into());
        let gender: Option<String> = r.try_get("gender")?;
        let phone: Option<String> = r.try_get("phone")?;
        let idn: Option<String> = r.try_get("id_number")?;
        let vul: String = r.try_get("vulnerability")?;
        Ok(Person {
            id: PersonId::from(r.try_get::<i64, _>("id")?),
            community_id: r.try_get("community_id")?,
            household_id: r.try_get("household_id")?,
            household_path: r.try_get("household_path")?,
            name: r.try_get("name")?,
            gender: gender.map(|g| Gender::parse(&g)).transpose().map_err(|_| bad("gender"))?,
            birth_year: r.try_get::<Option<i64>, _>(6)?.map(|y| y as i32),
            phone: phone.map(|p| PhoneNumber::parse(&p)).transpose().map_err(|_| bad("phone"))?,
            id_number: idn.map(|p| IdNumber::parse(&p)).transpose().map_err(|_| bad("id number"))?,
            vulnerability: Vulnerabilities::parse_list(&vul).map_err(|_| bad("vulnerability"))?,
            is_household_head: r.try_get::<i64, _>("is_household_head")? != 0,
            version: r.try_get("version")?,
        })
    }
}

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Person, AppError> {
    Ok(<Person as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row(r)?)
}
