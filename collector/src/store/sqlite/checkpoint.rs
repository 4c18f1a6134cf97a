//! Checkpoints off the commit path. SQLite's own automatic checkpoint runs inside the commit
//! that crosses its threshold, so that commit (and every receipt waiting on it) waits while the
//! WAL is copied back into the database and synced: with SQLite's 4 MiB threshold, a write of
//! thousands of contacts checkpointed after nearly every transaction; with a larger threshold,
//! fewer but longer stalls. Instead a task of the store's own runs a `PASSIVE` checkpoint, which
//! never waits for or blocks a writer, every [`INTERVAL`] on a connection of its own, and the
//! automatic checkpoint stays only as a backstop should the task fall behind.

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::oneshot;

/// How often the WAL is copied back.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// The WAL's size, in pages, at which a commit checkpoints after all (256 MiB): only when the
/// task cannot keep up.
pub const BACKSTOP_PAGES: &str = "65536";

/// Stops the checkpoint task when the last handle of the store is dropped.
#[derive(Debug)]
pub struct Checkpointer {
    _stop: oneshot::Sender<()>,
}

impl Checkpointer {
    /// Starts the task on `pool`.
    pub fn spawn(pool: SqlitePool) -> Self {
        let (stop, mut stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => {
                        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                            .execute(&pool)
                            .await
                        {
                            // The next tick tries again; the backstop bounds the WAL meanwhile.
                            tracing::warn!(%error, "WAL checkpoint failed");
                        }
                    }
                }
            }
        });
        Self { _stop: stop }
    }
}
