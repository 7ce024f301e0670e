//! One recording job worked off: claim it (one attempt, conditional on its version), copy the
//! recording into the bucket, hand it to Genesys Cloud when the channel has an org, and record
//! the outcome: done, retry later with backoff, or failed with the reason.

use std::time::Duration;

use time::OffsetDateTime;

use super::download;
use super::genesys_cloud;
use super::job::{Failure, JobStatus, RecordingJob};
use crate::App;
use crate::store::{Key, StoreError, Written};
use crate::uis::config::UisChannel;

/// How the worker runs; the defaults are the deployed function's.
#[derive(Debug, Clone)]
pub struct Settings {
    /// S3 part size: the memory one copy holds.
    pub part_size: usize,
    /// How long a claimed attempt may run before another delivery takes it over.
    pub lease: time::Duration,
    /// Longest wait for a job's next attempt within one delivery.
    pub max_wait: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self { part_size: 8 * 1024 * 1024, lease: time::Duration::minutes(16), max_wait: Duration::from_secs(600) }
    }
}

/// What one delivery of a job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do: done, claimed by someone else, or gone.
    Skipped,
    Done,
    /// The attempt failed; the job waits for the next one.
    Retrying(String),
    /// The job has failed for good: the delivery is reported failed (dead-letter queue).
    Failed(String),
}

/// Why a job could not even be worked on (the store is unreachable): the delivery fails and
/// the stream brings it again.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Works on the job at `key` once, if it is due (waiting up to `max_wait` for a retry that is
/// nearly due).
pub async fn process(app: &App, key: &Key, settings: &Settings) -> Result<Outcome, SyncError> {
    let Some(job) = app.store.get::<RecordingJob>(key).await? else {
        return Ok(Outcome::Skipped);
    };
    if job.status == JobStatus::Failed {
        return Ok(Outcome::Failed(job.last_error.unwrap_or_default()));
    }
    let Some(due) = job.due_at(settings.lease) else {
        return Ok(Outcome::Skipped);
    };
    let wait = due - OffsetDateTime::now_utc();
    if wait.is_positive() {
        if wait > settings.max_wait {
            return Ok(Outcome::Skipped);
        }
        tokio::time::sleep(wait.unsigned_abs()).await;
    }
    let (written, claimed) = app
        .store
        .update_with::<RecordingJob, _>(key, |current| {
            current.and_then(|job| job.claim(OffsetDateTime::now_utc(), settings.lease))
        })
        .await?;
    let Some(claimed) = claimed.filter(|_| written == Written::Updated) else {
        return Ok(Outcome::Skipped);
    };
    let Some(channel) = app.config.get::<UisChannel>(&claimed.channel) else {
        let failure = Failure::Permanent(format!("channel {} is no longer configured", claimed.channel));
        return finish(app, key, &claimed, claimed.clone(), Err(failure), 1, time::Duration::ZERO).await;
    };
    let mut progressed = claimed.clone();
    let result = attempt(app, channel, &mut progressed, settings).await;
    finish(app, key, &claimed, progressed, result, channel.recording_attempts, channel.first_retry_delay()).await
}

/// One attempt: the copy into the bucket, then Genesys Cloud; each step already made by an
/// earlier attempt (recorded in `job`) is skipped. `job` keeps what was done even on failure.
async fn attempt(app: &App, channel: &UisChannel, job: &mut RecordingJob, settings: &Settings) -> Result<(), Failure> {
    let stored = match &job.object {
        Some(stored) => stored.clone(),
        None => {
            let stored = download::copy_to_bucket(
                &app.clients.download,
                channel.link_policy(),
                &job.url,
                &app.blobs,
                &job.object_key(),
                settings.part_size,
                channel.recording_max_bytes,
            )
            .await
            .map_err(Failure::from)?;
            job.object = Some(stored.clone());
            stored
        }
    };
    match job.genesys_channel.clone() {
        Some(genesys) => genesys_cloud::deliver(app, &genesys, job, &stored).await,
        None => Ok(()),
    }
}

/// Records the attempt's result, if the job is still ours.
async fn finish(
    app: &App,
    key: &Key,
    claimed: &RecordingJob,
    progressed: RecordingJob,
    result: Result<(), Failure>,
    max_attempts: u32,
    first_delay: time::Duration,
) -> Result<Outcome, SyncError> {
    let now = OffsetDateTime::now_utc();
    let (next, outcome) = match result {
        Ok(()) => (progressed.done(now), Outcome::Done),
        Err(failure) => {
            let next = progressed.attempt_failed(&failure, max_attempts, first_delay, now);
            let reason = failure.to_string();
            let outcome =
                if next.status == JobStatus::Failed { Outcome::Failed(reason) } else { Outcome::Retrying(reason) };
            (next, outcome)
        }
    };
    let (written, _) = app
        .store
        .update_with::<RecordingJob, _>(key, |current| current.filter(|c| c.is_claim(claimed)).map(|_| next.clone()))
        .await?;
    if written == Written::Unchanged {
        tracing::warn!(job = %claimed.job_id, "attempt outlived its lease; its result is dropped");
        return Ok(Outcome::Skipped);
    }
    match &outcome {
        Outcome::Done => tracing::info!(job = %claimed.job_id, attempts = claimed.attempts, "recording synced"),
        Outcome::Retrying(reason) => {
            tracing::warn!(job = %claimed.job_id, attempts = claimed.attempts, %reason, "attempt failed; will retry")
        }
        Outcome::Failed(reason) => {
            tracing::error!(job = %claimed.job_id, attempts = claimed.attempts, %reason, "recording job failed")
        }
        Outcome::Skipped => {}
    }
    Ok(outcome)
}
