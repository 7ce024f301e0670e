//! The ongoing sync: one job per synced platform channel (`EXSYNC#<channel>` / `JOB`), put back in
//! line by the schedule ([`schedule`], from `ex-config-sync`) once `ex.sync.interval_seconds`
//! have passed since it last finished. An attempt reads the account, plans against the mapping
//! table and applies the plan; the mappings it wrote stay when it fails, so the next attempt
//! plans only what is left. A 429 (Genesys) or a spent point budget (UIS) is a new due time that
//! costs no attempt; an outage is a retry.

use serde::{Deserialize, Serialize};
use time::Duration;

use super::account::{PlanError, apply_plan, plan_channel, synced_channel, synced_channels};
use super::apply::SyncError;
use crate::App;
use crate::config::common::ChannelId;
use crate::jobs::{Failure, Job, JobKind, JobState, Outcome, RetryRule, worker};
use crate::store::{Entity, Index, Key, StoreError, keys};
use crate::uis::data_api::DataApiError;

const DEADLINE: std::time::Duration = std::time::Duration::from_secs(600);
const LEASE: time::Duration = time::Duration::minutes(12);
const RULE: RetryRule =
    RetryRule { max_attempts: 5, first_delay: time::Duration::minutes(1), max_delay: time::Duration::minutes(30) };

const ID_PREFIX: &str = "ex-sync";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncJob {
    /// `ex-sync:<channel>`.
    pub job_id: String,
    pub channel: ChannelId,
    pub job: JobState,
    /// Changes the last attempt planned and applied.
    #[serde(default)]
    pub planned: usize,
    #[serde(default)]
    pub applied: usize,
}

impl Entity for SyncJob {
    const TYPE: &'static str = "ex_sync_job";

    fn key(&self) -> Key {
        keys::ex_sync_job(self.channel.as_str())
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        self.job.index_keys(&self.job_id)
    }
}

impl Job for SyncJob {
    fn job_id(&self) -> &str {
        &self.job_id
    }

    fn state(&self) -> &JobState {
        &self.job
    }

    fn with_state(&self, job: JobState) -> Self {
        Self { job, ..self.clone() }
    }
}

impl SyncJob {
    /// The key of job `ex-sync:<channel>`.
    pub fn key_of(job_id: &str) -> Option<Key> {
        let channel = job_id.strip_prefix(ID_PREFIX)?.strip_prefix(':')?;
        let channel = ChannelId::try_from(channel.to_owned()).ok()?;
        Some(keys::ex_sync_job(channel.as_str()))
    }
}

/// Puts every synced channel's job in line whose interval has passed since it last finished
/// (a new one for a channel that has none); the channels put in line.
pub async fn schedule(app: &App) -> Result<Vec<ChannelId>, StoreError> {
    let now = app.clock.now();
    let mut queued = Vec::new();
    for platform in synced_channels(app, None) {
        let interval = Duration::seconds(i64::try_from(platform.interval_seconds()).unwrap_or(i64::MAX));
        let id = platform.id();
        let (_, job) = app
            .store
            .update_with::<SyncJob, _>(&keys::ex_sync_job(id.as_str()), |current| match current {
                None => Some(SyncJob {
                    job_id: format!("{ID_PREFIX}:{id}"),
                    channel: id.clone(),
                    job: JobState::pending(JobKind::ConfigSync, now),
                    planned: 0,
                    applied: 0,
                }),
                Some(job) if !job.job.status.is_active() && job.job.finished_at.is_none_or(|f| f + interval <= now) => {
                    Some(job.with_state(JobState::pending(JobKind::ConfigSync, now)))
                }
                Some(_) => None,
            })
            .await?;
        if job.is_some_and(|j| j.job.status == crate::jobs::JobStatus::Pending && j.job.created_at == now) {
            queued.push(id.clone());
        }
    }
    Ok(queued)
}

/// Works on the job at `key` once, if it is due.
pub async fn process(app: &App, key: &Key, reports_failures: bool) -> Result<Outcome, StoreError> {
    worker::run(app, key, (LEASE, DEADLINE, RULE), reports_failures, attempt).await
}

async fn attempt(app: &App, job: &mut SyncJob) -> Result<(), Failure> {
    let platform = synced_channel(app, &job.channel)
        .ok_or_else(|| Failure::Permanent(format!("channel {} no longer syncs", job.channel)))?;
    let plan = plan_channel(app, platform).await.map_err(|e| match e {
        PlanError::DataApi(DataApiError::LimitExceeded { retry_after }) => Failure::RetryAfter {
            reason: "the UIS Data API's points are spent".into(),
            after: std::time::Duration::from_secs(retry_after),
        },
        PlanError::DataApi(DataApiError::Unavailable(why)) => Failure::Transient(why),
        PlanError::Store(e) => Failure::Transient(e.to_string()),
        other => Failure::Permanent(other.to_string()),
    })?;
    job.planned = plan.actions.len();
    job.applied = 0;
    let applied = &mut job.applied;
    let result = apply_plan(app, &plan, |done, _| *applied = done).await;
    match result {
        Ok(_) => Ok(()),
        Err(SyncError::RateLimited { retry_after }) => {
            Err(Failure::RetryAfter { reason: "Genesys Cloud asked to wait".into(), after: retry_after })
        }
        Err(SyncError::Genesys(e)) => Err(Failure::from(e)),
        Err(SyncError::Store(e)) => Err(Failure::Transient(e.to_string())),
        Err(SyncError::Inconsistent(why)) => Err(Failure::Transient(why)),
    }
}
