//! What the capabilities add to the shared parts, listed once: their reactions to each
//! other's events, and the steps that follow a migration. `Db::connect` and `Db::migrate`
//! live here so that every database this crate opens reacts the same way, and the shared
//! modules (`db`, `audit`, `events`, `cache`) never name a capability.

use crate::db::Durability;
use crate::events::Reaction;
use crate::{AppError, Db};

/// Every reaction to a domain event, in the order they run.
pub static REACTIONS: &[Reaction] = &[
    // R3: a need reassigned, resolved or closed ends its claim.
    crate::claims::on_need_step,
    // S4: a new organization is found in the directory at once.
    crate::directory::on_organization_created,
];

impl Db {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, AppError> {
        Self::connect_with(url, Durability::Normal).await
    }

    /// As [`Db::connect`], choosing how SQLite syncs its log.
    pub async fn connect_with(url: &str, durability: Durability) -> Result<Db, AppError> {
        Db::open(url, durability, REACTIONS).await
    }

    /// Applies every migration not yet applied, each in its own transaction, then what a
    /// capability must compute once for data that was there before its migration.
    pub async fn migrate(&self) -> Result<Vec<i64>, AppError> {
        let applied = self.apply_migrations().await?;
        // N5: roll-ups arrived after ledgers already held needs: compute them once.
        if applied.contains(&9) {
            crate::needs::metrics::rebuild(self).await?;
        }
        Ok(applied)
    }
}
