//! Wushe's application layer: storage, commands and queries for every capability.
//!
//! Each capability is a folder whose `mod.rs` is its public face; it alone writes its tables
//! (a test checks), and others call its functions or react to its events (`events`, listed in
//! `capabilities`). The shared parts
//! (`db`, `audit`, `events`, `cache`, `clock`, `error`, `mail`, `sheets`) name no capability.
//! Commands take an [`Actor`], check the one policy in `wushe_domain::access`, do their work in
//! one transaction together with the audit entry, and return a named outcome.

pub mod accounts;
pub mod areas;
pub mod audit;
pub mod bookings;
pub mod cache;
pub mod capabilities;
pub mod claims;
pub mod clock;
pub mod db;
pub mod demo;
pub mod directory;
pub mod emergency;
pub mod error;
pub mod events;
pub mod mail;
pub mod needs;
pub mod notifications;
pub mod open311;
pub mod organizations;
pub mod people;
pub mod resources;
pub mod sheets;
pub mod volunteers;

pub use clock::{Clock, SystemClock};
pub use db::{Backend, Db};
pub use error::AppError;

use wushe_domain::access::{Action, Decision, Grants};
use wushe_domain::policy::{Ask, Asker, Record};

/// Who is acting: a signed-in user with grants, or an anonymous visitor, or the operator's CLI.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub grants: Grants,
    /// The operator at the console (`wushe user add`…): bypasses grants, still audited.
    pub operator: bool,
}

impl Actor {
    pub fn anonymous() -> Self {
        Self { user_id: None, grants: Grants::anonymous(), operator: false }
    }

    pub fn operator() -> Self {
        Self { user_id: None, grants: Grants::anonymous(), operator: true }
    }

    /// An outside intake client of one community (an Open311 api key): it records needs
    /// inside the community's subtree as a grid worker there would, and reaches nothing
    /// outside it. Used instead of the operator so that a key can never act elsewhere.
    pub fn intake_client(community_path: &str) -> Self {
        let grant = wushe_domain::access::Grant {
            role: wushe_domain::access::Role::GridWorker,
            area_path: community_path.to_string(),
        };
        Self { user_id: None, grants: Grants { signed_in: true, grants: vec![grant] }, operator: false }
    }

    /// The single authorization check every command and query goes through.
    pub fn require(&self, action: Action, subject_path: Option<&str>) -> Result<(), AppError> {
        if self.operator {
            return Ok(());
        }
        match self.grants.decide(action, subject_path) {
            Decision::Allow => Ok(()),
            Decision::NeedLogin => Err(AppError::Unauthenticated),
            Decision::Deny => Err(AppError::Forbidden),
        }
    }

    /// [`Actor::require`] as a yes or no: whether a page should offer what a route would allow.
    pub fn can(&self, action: Action, subject_path: Option<&str>) -> bool {
        self.require(action, subject_path).is_ok()
    }

    /// The record-level policy's answer for this actor ([`wushe_domain::policy::allows`]):
    /// the check a command makes before writing and the test a page makes before offering.
    pub fn may(&self, record: &Record, ask: Ask) -> bool {
        let who = Asker { grants: &self.grants, operator: self.operator, person: self.user_id.is_some() };
        wushe_domain::policy::allows(who, record, ask)
    }

    /// Subtrees visible for `action`; the operator sees everything (`""` prefixes all paths).
    pub fn subtrees(&self, action: Action) -> Vec<String> {
        if self.operator { vec![String::new()] } else { self.grants.subtrees(action) }
    }
}
