//! Group commit: one writer task per store takes the appends that arrive while the previous
//! transaction commits and writes them all in the next one, so that one durable commit (one
//! fsync on SQLite, one WAL flush on PostgreSQL) serves many receipts. What a batch writes is
//! decided in memory first (`batch_plan.rs`), so an append that fails (a seal or countersign
//! error) writes nothing and the rest commit; every answer is sent only after the commit, so no
//! receipt is acknowledged before it is durable.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};

use super::{AppendJob, Appended, StoreError};
use crate::metrics::StoreMetrics;

/// The most appends one transaction takes. Widgets rarely have more than a few dozen waiting;
/// an import hands over thousands at once, and every commit is an fsync and one more write of
/// each index page it touched (256 a batch made a 100,000-row import 2.6 s slower).
pub const MAX_BATCH: usize = 1024;
/// Appends waiting for the writer before callers wait to hand theirs over.
const QUEUE: usize = 4096;

/// What a backend does with a batch: one transaction, one commit.
#[async_trait]
pub trait AppendBatch: Send + Sync + 'static {
    /// Appends `jobs` in one transaction. The outer error means the transaction did not commit
    /// (nothing was written); otherwise one result per job, in order.
    async fn append_batch(
        &self,
        jobs: &[AppendJob],
    ) -> Result<Vec<Result<Appended, StoreError>>, StoreError>;
}

type Reply = oneshot::Sender<Result<Appended, StoreError>>;

/// The handle appends go through.
#[derive(Debug, Clone)]
pub struct Writer {
    queue: mpsc::Sender<(AppendJob, Reply)>,
}

impl Writer {
    /// Starts the writer task for `backend`; it ends when every handle is dropped.
    pub fn spawn(backend: Arc<dyn AppendBatch>, metrics: StoreMetrics) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(backend, jobs, metrics));
        Self { queue }
    }

    /// Appends one receipt with whatever else is waiting; returns once it is durable.
    pub async fn append(&self, job: AppendJob) -> Result<Appended, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((job, reply))
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

async fn run(
    backend: Arc<dyn AppendBatch>,
    mut queue: mpsc::Receiver<(AppendJob, Reply)>,
    metrics: StoreMetrics,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (jobs, replies): (Vec<AppendJob>, Vec<Reply>) = batch.drain(..).unzip();
        metrics.batch_size.observe(jobs.len() as f64);
        match backend.append_batch(&jobs).await {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(error) => {
                metrics.batch_failures.inc();
                tracing::error!(%error, size = jobs.len(), "an append transaction failed");
                let message = error.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Batch(message.clone())));
                }
            }
        }
    }
}
