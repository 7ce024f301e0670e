//! Recording jobs: one per recording link of a call, for the recordings function to copy into
//! S3 and on to Genesys Cloud. It is started by the table's stream (a new item of type
//! `recording_job` with status `pending`) and can list what is left through `gsi2`.
//!
//! | attribute | value |
//! |---|---|
//! | `pk` / `sk` | `CALL#<channel>#<call_session_id>` / `RECORDING#<link_id>` (read with its call) |
//! | `type` | `recording_job` |
//! | `job_id` | `<channel>:<call_session_id>:<link_id>`; `link_id` = 20 hex digits of SHA-256(URL) |
//! | `status` | `pending` when created; the consumer moves it on (`done`, `failed`, …) |
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

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Entity, Index, Key, Store, StoreError, calls};
use crate::uis::call::CallSessionId;

pub const TYPE: &str = "recording_job";
/// Status of a job nobody has worked on yet.
pub const PENDING: &str = "pending";
/// An attempt is under way since `claimed_at`.
pub const RUNNING: &str = "running";
/// The last attempt failed; the next is due at `next_attempt_at`.
pub const RETRY: &str = "retry";
/// Copied (and uploaded to Genesys Cloud when the channel has it).
pub const DONE: &str = "done";
/// Every attempt failed, or the recording can never be copied; `last_error` says why.
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingJob {
    pub job_id: String,
    pub channel: String,
    pub call_session_id: CallSessionId,
    pub link_id: String,
    pub url: String,
    pub host: String,
    pub status: String,
    pub attempts: u32,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesys_channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_accepted_at: Option<String>,
    /// The recording upload id Genesys returned, once the file was PUT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
}

fn parse_time(value: Option<&str>) -> Option<OffsetDateTime> {
    value.and_then(|v| OffsetDateTime::parse(v, &Rfc3339).ok())
}

fn format_time(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

impl Entity for RecordingJob {
    const TYPE: &'static str = TYPE;

    fn key(&self) -> Key {
        Key::new(calls::partition(&self.channel, self.call_session_id), format!("RECORDING#{}", self.link_id))
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        vec![(Index::Gsi2, format!("JOBS#{}", self.status), format!("{}#{}", self.created_at, self.job_id))]
    }
}

impl RecordingJob {
    /// A new, pending job.
    pub fn pending(
        channel: &str,
        call_session_id: CallSessionId,
        link_id: &str,
        url: &str,
        host: &str,
        genesys_channel: Option<String>,
        now: &str,
    ) -> Self {
        Self {
            job_id: format!("{channel}:{call_session_id}:{link_id}"),
            channel: channel.into(),
            call_session_id,
            link_id: link_id.into(),
            url: url.into(),
            host: host.into(),
            status: PENDING.into(),
            attempts: 0,
            created_at: now.into(),
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
        match self.status.as_str() {
            PENDING => Some(OffsetDateTime::UNIX_EPOCH),
            RETRY => Some(parse_time(self.next_attempt_at.as_deref()).unwrap_or(OffsetDateTime::UNIX_EPOCH)),
            RUNNING => Some(parse_time(self.claimed_at.as_deref()).unwrap_or(OffsetDateTime::UNIX_EPOCH) + lease),
            _ => None,
        }
    }

    /// The job claimed for one attempt, if it is due at `now`.
    pub fn claim(&self, now: OffsetDateTime, lease: time::Duration) -> Option<Self> {
        if self.due_at(lease)? > now {
            return None;
        }
        let mut next = self.clone();
        next.status = RUNNING.into();
        next.attempts += 1;
        next.claimed_at = Some(format_time(now));
        next.next_attempt_at = None;
        Some(next)
    }

    /// Whether `self` is still the attempt `claimed` started (no one else took it over).
    pub fn is_claim(&self, claimed: &Self) -> bool {
        self.status == RUNNING && self.attempts == claimed.attempts && self.claimed_at == claimed.claimed_at
    }

    /// The job after a successful attempt.
    pub fn done(&self, now: OffsetDateTime) -> Self {
        let mut next = self.clone();
        next.status = DONE.into();
        next.finished_at = Some(format_time(now));
        next.last_error = None;
        next
    }

    /// The job after a failed attempt: waiting for the next one, with a delay of `first_delay`
    /// doubled per attempt made, or failed when it was the last or `permanent`.
    pub fn attempt_failed(
        &self,
        error: &str,
        permanent: bool,
        max_attempts: u32,
        first_delay: time::Duration,
        now: OffsetDateTime,
    ) -> Self {
        let mut next = self.clone();
        next.last_error = Some(error.chars().take(1000).collect());
        if permanent || self.attempts >= max_attempts {
            next.status = FAILED.into();
            next.finished_at = Some(format_time(now));
        } else {
            let factor = 1u32 << self.attempts.saturating_sub(1).min(16);
            next.status = RETRY.into();
            next.next_attempt_at = Some(format_time(now + first_delay * factor));
        }
        next
    }

    /// A failed job put back in line, as if new (attempts start again).
    pub fn requeued(&self) -> Option<Self> {
        (self.status == FAILED).then(|| {
            let mut next = self.clone();
            next.status = PENDING.into();
            next.attempts = 0;
            next.next_attempt_at = None;
            next.finished_at = None;
            next
        })
    }

    /// Creates the job, or leaves its progress as it is if it exists.
    pub fn upsert_write(&self, store: &Store) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, StoreError> {
        store.upsert_write(self, &["status", "attempts", "created_at", "gsi2pk", "gsi2sk"])
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::datetime;

    use super::*;

    fn job() -> RecordingJob {
        RecordingJob::pending("uis-a", CallSessionId(12345), "abc", "https://h/r", "h", None, "2026-01-01T00:00:00Z")
    }

    #[test]
    fn a_job_is_claimed_once_retried_with_backoff_and_failed_after_the_last_attempt() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let lease = Duration::minutes(15);
        let claimed = job().claim(now, lease).expect("pending is due");
        assert_eq!((claimed.status.as_str(), claimed.attempts), (RUNNING, 1));
        assert_eq!(claimed.claim(now, lease), None, "a running job is not claimed twice");

        let retry = claimed.attempt_failed("HTTP 500", false, 3, Duration::seconds(10), now);
        assert_eq!(retry.status, RETRY);
        assert_eq!(retry.next_attempt_at.as_deref(), Some("2026-01-01T00:00:10Z"));
        assert_eq!(retry.claim(now, lease), None, "not due yet");
        let second = retry.claim(now + Duration::seconds(10), lease).expect("due");
        let retry = second.attempt_failed("HTTP 500", false, 3, Duration::seconds(10), now);
        assert_eq!(retry.next_attempt_at.as_deref(), Some("2026-01-01T00:00:20Z"), "doubled");
        let third = retry.claim(now + Duration::seconds(20), lease).expect("due");
        let failed = third.attempt_failed("HTTP 500", false, 3, Duration::seconds(10), now);
        assert_eq!((failed.status.as_str(), failed.last_error.as_deref()), (FAILED, Some("HTTP 500")));
        assert_eq!(failed.claim(now + Duration::days(1), lease), None);
        let requeued = failed.requeued().expect("failed jobs requeue");
        assert_eq!((requeued.status.as_str(), requeued.attempts), (PENDING, 0));
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
