//! One delivery round: the per-person outbox (`delivery`) and the broadcasts (`broadcast`),
//! so neither names the other.

use super::delivery::{Channels, Round, deliver};
use crate::{AppError, Db};

/// Delivers everything due once. Run it periodically; safe to run from several servers.
pub async fn dispatch(db: &Db, channels: &Channels, now: i64) -> Result<Round, AppError> {
    let a = deliver(db, channels, now).await?;
    let b = super::broadcast::dispatch(db, channels, now).await?;
    Ok(Round { sent: a.sent + b.sent, failed: a.failed + b.failed, gave_up: a.gave_up + b.gave_up })
}
