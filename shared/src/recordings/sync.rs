//! One recording job worked off: claim it (one attempt, conditional on its version), copy the
//! recording into the bucket, hand it to Genesys Cloud when the channel has an org, and record
//! the outcome: done, due again later, or failed with the reason. Nothing here waits for a due
//! time: a job that is not due is left to the sweep that runs when it is.

use std::time::Duration;

use super::download;
use super::genesys_cloud;
use super::job::RecordingJob;
use crate::App;
use crate::jobs::{Failure, Outcome, RetryRule, worker};
use crate::store::{Key, StoreError};
use crate::uis::config::UisChannel;

/// How the worker runs; the defaults fit a 15-minute Lambda.
#[derive(Debug, Clone)]
pub struct Settings {
    /// S3 part size: the memory one copy holds.
    pub part_size: usize,
    /// How long one attempt may take before it is abandoned as failed.
    pub deadline: Duration,
    /// How long a claim holds: longer than the deadline, so a live attempt is never taken
    /// over, and a dead one is due again once it ends.
    pub lease: time::Duration,
    /// Whether the caller reports a job that fails for good itself (the stream function, with
    /// the record it was given); otherwise the job is marked for the stream to report.
    pub reports_failures: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            part_size: 8 * 1024 * 1024,
            deadline: Duration::from_secs(12 * 60),
            lease: time::Duration::minutes(14),
            reports_failures: true,
        }
    }
}

/// The longest wait between two attempts at a recording.
const MAX_RETRY_DELAY: time::Duration = time::Duration::hours(6);

/// Works on the job at `key` once, if it is due. The claim is the first read: a job that is
/// gone, not due, or claimed by someone else costs one consistent read.
pub async fn process(app: &App, key: &Key, settings: &Settings) -> Result<Outcome, StoreError> {
    let claimed: RecordingJob = match worker::claim(app, key, settings.lease).await? {
        Ok(claimed) => claimed,
        Err(outcome) => return Ok(outcome),
    };
    let Some(channel) = app.config.get::<UisChannel>(&claimed.channel) else {
        let failure = Failure::Permanent(format!("channel {} is no longer configured", claimed.channel));
        let rule = RetryRule { max_attempts: 1, first_delay: time::Duration::ZERO, max_delay: time::Duration::ZERO };
        return worker::finish(app, key, &claimed, claimed.clone(), Err(failure), rule, settings.reports_failures)
            .await;
    };
    let mut progressed = claimed.clone();
    let result = match tokio::time::timeout(settings.deadline, attempt(app, channel, &mut progressed, settings)).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Transient(format!("the attempt took longer than {} s", settings.deadline.as_secs()))),
    };
    let rule = RetryRule {
        max_attempts: channel.recording_attempts,
        first_delay: channel.first_retry_delay(),
        max_delay: MAX_RETRY_DELAY,
    };
    worker::finish(app, key, &claimed, progressed, result, rule, settings.reports_failures).await
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
