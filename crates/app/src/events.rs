//! Domain events: a command says what happened, and the capabilities that react to it run
//! inside the same transaction, before it commits. The reactions are listed once, in
//! `crate::capabilities::REACTIONS`; so a capability never calls one that builds on it (needs
//! does not know claims exist), and what reacts to a step commits or rolls back with it.

use crate::{AppError, Db};
use sqlx::Transaction;
use std::any::Any as AnyEvent;
use std::future::Future;
use std::pin::Pin;

/// The future a reaction returns, borrowing the transaction and the event.
pub type Reacting<'a> = Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'a>>;

/// A reaction: looks at every event (downcasting to the ones it cares about) and writes in the
/// event's transaction.
pub type Reaction =
    for<'a, 'c> fn(&'a mut Transaction<'c, sqlx::Any>, &'a (dyn AnyEvent + Send + Sync)) -> Reacting<'a>;

/// Runs every reaction of the database's capabilities for `event`, in the list's order.
pub async fn publish<E: AnyEvent + Send + Sync>(
    db: &Db,
    tx: &mut Transaction<'_, sqlx::Any>,
    event: &E,
) -> Result<(), AppError> {
    for react in db.reactions {
        react(tx, event).await?;
    }
    Ok(())
}
