//! S2 — people and households (households are `areas` of kind household). Owns table `people`.
//!
//! X1: phone and ID numbers are stored once, here, and leave this module as domain types whose
//! only plain accessor is `reveal`. [`reveal`] is the one path to the full values: it checks
//! `ResidentReadSensitive` and writes an audit entry before answering.

mod commands;
mod forms;
mod model;
mod queries;

pub use commands::{Revealed, insert, insert_many, register, reveal, update};
pub use forms::{NewPerson, PersonForm};
pub use model::Person;
pub use queries::{
    HouseholdHit, ResidentFilter, counts_in, find_households, get, household_members, place_of, residents_in,
    vulnerability_counts, vulnerable_households,
};
pub(crate) use queries::{contacts, phones_in, vulnerable_in};
