//! Recording jobs: one per recording link of a call, for the recordings function to copy into
//! S3 and on to Genesys Cloud. It is started by the table's stream (a new item of type
//! `recording_job` with status `pending`) and can list what is left through `gsi2`.
//!
//! | attribute | value |
//! |---|---|
//! | `pk` / `sk` | `CALL#<channel>#<call_session_id>` / `RECORDING#<link_id>` (read with its call) |
//! | `type` | `recording_job` |
//! | `job_id` | `<channel>:<call_session_id>:<link_id>`; `link_id` = 20 hex digits of SHA-256(URL) |
//! | `status` | [`JobStatus`]: `pending` when created; the consumer moves it on (`done`, `failed`, …) |
//! | `gsi2pk` / `gsi2sk` | `JOBS#pending` / `<created_at>#<job_id>`: the consumer rewrites them with the status |
//! | `url`, `host` | the HTTPS link, already checked against the channel's `recording_hosts` |
//! | `channel`, `call_session_id`, `genesys_channel` | where it belongs and where it goes |
//! | `attempts`, `created_at` | 0 and the creation time (RFC 3339) |
//!
//! | `next_attempt_at`, `last_error`, `claimed_at` | retry state, written by the consumer |
//! | `object` | where the copy is in S3: key, size, SHA-256, MD5, content type |
//!
//! A repeated `call_finished` writes the same job again but never resets `status`, `attempts`,
//! `created_at` or the `gsi2` keys, so a job already under way or done is left alone; the
//! consumer's own attributes are optional and never written by it.
//!
//! Status moves `pending` → `running` (claimed, one attempt counted) → `done`, or → `retry`
//! (with `next_attempt_at`) → `running` …, or → `failed` after the last attempt. Every move
//! is a conditional write on the job's version, so two deliveries of the same change claim it
//! once.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::clock::rfc3339;
use crate::config::common::ChannelId;
use crate::store::{Entity, Index, Key, Store, StoreError, keys};
use crate::uis::call::CallSessionId;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Nobody has worked on it yet.
    Pending,
    /// An attempt is under way since `claimed_at`.
    Running,
    /// The last attempt failed; the next is due at `next_attempt_at`.
    Retry,
    /// Copied (and uploaded to Genesys Cloud when the channel has it).
    Done,
    /// Every attempt failed, or the recording can never be copied; `last_error` says why.
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Retry => "retry",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// Why an attempt failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The provider, S3 or Genesys Cloud may answer next time.
    #[error("{0}")]
    Transient(String),
    /// The link, the file or the request itself is the problem: retrying cannot help.
    #[error("{0}")]
    Permanent(String),
}

impl Failure {
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingJob {
    pub job_id: String,
    pub channel: ChannelId,
    pub call_session_id: CallSessionId,
    pub link_id: String,
    pub url: String,
    pub host: String,
    pub status: JobStatus,
    pub attempts: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesys_channel: Option<ChannelId>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub claimed_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<StoredRecording>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesys: Option<GenesysUpload>,
}

/// The recording's copy in the bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecording {
    pub key: String,
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Hex MD5 of the bytes (what Genesys Cloud and many providers publish).
    pub md5: String,
    pub content_type: String,
}

/// What Genesys Cloud answered for the call and its recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesysUpload {
    pub conversation_id: String,
    /// Set once the conversation events were accepted.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub events_accepted_at: Option<OffsetDateTime>,
    /// The recording upload id Genesys returned, once the file was PUT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
}

impl Entity for RecordingJob {
    const TYPE: &'static str = "recording_job";

    fn key(&self) -> Key {
        keys::recording_job(self.channel.as_str(), self.call_session_id, &self.link_id)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        let sort = format!("{}#{}", rfc3339(self.created_at), self.job_id);
        vec![(Index::Gsi2, keys::jobs_in_status(self.status.as_str()), sort)]
    }
}

impl RecordingJob {
    /// A new, pending job.
    pub fn pending(
        channel: &ChannelId,
        call_session_id: CallSessionId,
        link_id: &str,
        url: &str,
        host: &str,
        genesys_channel: Option<ChannelId>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            job_id: format!("{channel}:{call_session_id}:{link_id}"),
            channel: channel.clone(),
            call_session_id,
            link_id: link_id.into(),
            url: url.into(),
            host: host.into(),
            status: JobStatus::Pending,
            attempts: 0,
            created_at: now,
            genesys_channel,
            claimed_at: None,
            next_attempt_at: None,
            last_error: None,
            finished_at: None,
            object: None,
            genesys: None,
        }
    }

    /// When the job may be worked on next: now for a pending job, `next_attempt_at` for one
    /// waiting to retry, the end of the lease for one whose attempt stopped without a word
    /// (a crashed or timed-out invocation); `None` when done or failed.
    pub fn due_at(&self, lease: time::Duration) -> Option<OffsetDateTime> {
        match self.status {
            JobStatus::Pending => Some(OffsetDateTime::UNIX_EPOCH),
            JobStatus::Retry => Some(self.next_attempt_at.unwrap_or(OffsetDateTime::UNIX_EPOCH)),
            JobStatus::Running => Some(self.claimed_at.unwrap_or(OffsetDateTime::UNIX_EPOCH).saturating_add(lease)),
            JobStatus::Done | JobStatus::Failed => None,
        }
    }

    /// The job claimed for one attempt, if it is due at `now`.
    pub fn claim(&self, now: OffsetDateTime, lease: time::Duration) -> Option<Self> {
        if self.due_at(lease)? > now {
            return None;
        }
        let mut next = self.clone();
        next.status = JobStatus::Running;
        next.attempts += 1;
        next.claimed_at = Some(now);
        next.next_attempt_at = None;
        Some(next)
    }

    /// Whether `self` is still the attempt `claimed` started (no one else took it over).
    pub fn is_claim(&self, claimed: &Self) -> bool {
        self.status == JobStatus::Running && self.attempts == claimed.attempts && self.claimed_at == claimed.claimed_at
    }

    /// The job after a successful attempt.
    pub fn done(&self, now: OffsetDateTime) -> Self {
        let mut next = self.clone();
        next.status = JobStatus::Done;
        next.finished_at = Some(now);
        next.last_error = None;
        next
    }

    /// The job after a failed attempt: waiting for the next one, with a delay of `first_delay`
    /// doubled per attempt made, or failed when it was the last or the failure is permanent.
    pub fn attempt_failed(
        &self,
        failure: &Failure,
        max_attempts: u32,
        first_delay: time::Duration,
        now: OffsetDateTime,
    ) -> Self {
        let mut next = self.clone();
        next.last_error = Some(failure.to_string().chars().take(1000).collect());
        if failure.is_permanent() || self.attempts >= max_attempts {
            next.status = JobStatus::Failed;
            next.finished_at = Some(now);
        } else {
            let factor = 1i32 << self.attempts.saturating_sub(1).min(16);
            next.status = JobStatus::Retry;
            next.next_attempt_at = Some(now.saturating_add(first_delay.saturating_mul(factor)));
        }
        next
    }

    /// A failed job put back in line, as if new (attempts start again).
    pub fn requeued(&self) -> Option<Self> {
        (self.status == JobStatus::Failed).then(|| {
            let mut next = self.clone();
            next.status = JobStatus::Pending;
            next.attempts = 0;
            next.next_attempt_at = None;
            next.finished_at = None;
            next
        })
    }

    /// Where the recording's copy is kept in the bucket.
    pub fn object_key(&self) -> String {
        format!("recordings/{}/{}/{}", self.channel, self.call_session_id, self.link_id)
    }

    /// Creates the job, or leaves its progress as it is if it exists.
    pub fn upsert_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.upsert_write(self, &["status", "attempts", "created_at", "gsi2pk", "gsi2sk"])
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::datetime;

    use super::*;

    fn http_500() -> Failure {
        Failure::Transient("HTTP 500".into())
    }

    #[test]
    fn a_permanent_failure_fails_at_once() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let claimed = job().claim(now, Duration::minutes(15)).expect("due");
        let failed = claimed.attempt_failed(&Failure::Permanent("refused".into()), 5, Duration::seconds(10), now);
        assert_eq!((failed.status, failed.attempts), (JobStatus::Failed, 1));
    }

    fn job() -> RecordingJob {
        let channel = ChannelId::try_from("uis-a".to_string()).expect("id");
        RecordingJob::pending(
            &channel,
            CallSessionId(12345),
            "abc",
            "https://h/r",
            "h",
            None,
            datetime!(2026-01-01 00:00 UTC),
        )
    }

    #[test]
    fn a_job_is_claimed_once_retried_with_backoff_and_failed_after_the_last_attempt() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let lease = Duration::minutes(15);
        let claimed = job().claim(now, lease).expect("pending is due");
        assert_eq!((claimed.status, claimed.attempts), (JobStatus::Running, 1));
        assert_eq!(claimed.claim(now, lease), None, "a running job is not claimed twice");

        let retry = claimed.attempt_failed(&http_500(), 3, Duration::seconds(10), now);
        assert_eq!(retry.status, JobStatus::Retry);
        assert_eq!(retry.next_attempt_at, Some(datetime!(2026-01-01 00:00:10 UTC)));
        assert_eq!(retry.claim(now, lease), None, "not due yet");
        let second = retry.claim(now + Duration::seconds(10), lease).expect("due");
        let retry = second.attempt_failed(&http_500(), 3, Duration::seconds(10), now);
        assert_eq!(retry.next_attempt_at, Some(datetime!(2026-01-01 00:00:20 UTC)), "doubled");
        let third = retry.claim(now + Duration::seconds(20), lease).expect("due");
        let failed = third.attempt_failed(&http_500(), 3, Duration::seconds(10), now);
        assert_eq!((failed.status, failed.last_error.as_deref()), (JobStatus::Failed, Some("HTTP 500")));
        assert_eq!(failed.claim(now + Duration::days(1), lease), None);
        let requeued = failed.requeued().expect("failed jobs requeue");
        assert_eq!((requeued.status, requeued.attempts), (JobStatus::Pending, 0));
    }

    #[test]
    fn an_abandoned_attempt_is_taken_over_after_the_lease() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let lease = Duration::minutes(15);
        let claimed = job().claim(now, lease).expect("due");
        assert_eq!(claimed.claim(now + Duration::minutes(14), lease), None);
        let again = claimed.claim(now + Duration::minutes(15), lease).expect("lease over");
        assert_eq!(again.attempts, 2);
        assert!(!claimed.is_claim(&again) && again.is_claim(&again));
    }
}
