//! Outbound work that never strands: every job (a recording to copy and upload, a call to send
//! as an external conversation, a change of an agent's or an employee's state, a configuration sync) carries one
//! [`JobState`]: its
//! status, attempts, last error and the time it is due, kept in a sparse index so due and
//! leased jobs are read in due order, one query per page.
//!
//! A job moves `pending` → `running` (claimed, with a lease) → `done`, or → `retry` (due
//! again later) → `running` …, or → `failed`. The table's stream starts a new job at once;
//! the [`sweep`] started every minute by a schedule runs whatever is due — a retry whose time
//! has come, a job whose worker died (its lease ran out), a job whose stream record was lost.
//! Nothing waits inside an invocation for a due time: a 429 or a backoff is a new due time.
//!
//! | index | partition | sort | holds |
//! |---|---|---|---|
//! | gsi1 | `JOBS#due` | `<due_at>#<job_id>` | jobs `pending`, `retry` or `running` (sparse) |
//! | gsi2 | `JOBS#<status>` | `<created_at>#<job_id>` | every job, by status |

pub mod any;
pub mod metrics;
pub mod sweep;
pub mod worker;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::clock::micros;
use crate::store::{Index, keys};

/// An entity that carries a job's life in its `job` attribute: what [`worker`] claims and
/// finishes, whatever the kind.
pub trait Job: crate::store::Entity + Clone + PartialEq {
    fn job_id(&self) -> &str;
    fn state(&self) -> &JobState;
    fn with_state(&self, state: JobState) -> Self;
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A call recording, copied into S3 and uploaded to Genesys Cloud.
    Recording,
    /// A finished call, sent to Genesys Cloud EX as an external conversation.
    Conversation,
    /// A change of an agent's state, sent to Genesys Cloud EX as presence and routing status.
    AgentState,
    /// A UIS employee's status or call, applied to their state and sent as its changes.
    EmployeeState,
    /// A platform's configuration synced into Genesys Cloud EX.
    ConfigSync,
}

impl JobKind {
    pub const ALL: [Self; 5] =
        [Self::Recording, Self::Conversation, Self::AgentState, Self::EmployeeState, Self::ConfigSync];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recording => "recording",
            Self::Conversation => "conversation",
            Self::AgentState => "agent_state",
            Self::EmployeeState => "employee_state",
            Self::ConfigSync => "config_sync",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Nobody has worked on it yet.
    Pending,
    /// An attempt is under way; its lease ends at `due_at`.
    Running,
    /// The last attempt failed; the next is due at `due_at`.
    Retry,
    /// Finished.
    Done,
    /// Every attempt failed, or the work can never succeed; `last_error` says why.
    Failed,
}

impl JobStatus {
    pub const ALL: [Self; 5] = [Self::Pending, Self::Running, Self::Retry, Self::Done, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Retry => "retry",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether a job in this status still has work ahead (and so a due time).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Running | Self::Retry)
    }
}

/// Why an attempt failed, and what that means for the next one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The provider, S3 or Genesys Cloud may answer next time: back off and retry.
    #[error("{0}")]
    Transient(String),
    /// The service asked us to come back later (`Retry-After`): not the job's fault, so it
    /// costs no attempt.
    #[error("{reason}")]
    RetryAfter { reason: String, after: std::time::Duration },
    /// The link, the file or the request itself is the problem: retrying cannot help.
    #[error("{0}")]
    Permanent(String),
}

/// How hard a kind of job is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryRule {
    /// Attempts before the job fails.
    pub max_attempts: u32,
    /// Delay before the second attempt, doubled for each further one (with ±20 % jitter).
    pub first_delay: Duration,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
}

/// The most text kept of a failure.
const MAX_ERROR_CHARS: usize = 1000;

/// A job's life, kept in the job's item as the `job` attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobState {
    pub kind: JobKind,
    pub status: JobStatus,
    pub attempts: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it may run next: its creation for a pending job, the next attempt for one waiting
    /// to retry, the end of the lease for a running one; none once done or failed.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub claimed_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Failed for good where no stream record could be reported (a sweep): the change that
    /// failed it is reported by the stream function instead, so it reaches the dead-letter
    /// queue once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dead_letter: bool,
}

impl JobState {
    /// A new job, due now.
    pub fn pending(kind: JobKind, now: OffsetDateTime) -> Self {
        Self::due(kind, now, now)
    }

    /// A new job, created `now` and due at `due`: work that must not start before its time.
    pub fn due(kind: JobKind, now: OffsetDateTime, due: OffsetDateTime) -> Self {
        Self {
            kind,
            status: JobStatus::Pending,
            attempts: 0,
            created_at: now,
            updated_at: now,
            due_at: Some(due),
            claimed_at: None,
            finished_at: None,
            last_error: None,
            dead_letter: false,
        }
    }

    /// Whether it may be worked on at `now`: active and due (a running job once its lease ran
    /// out: its worker died or timed out).
    pub fn is_due(&self, now: OffsetDateTime) -> bool {
        self.status.is_active() && self.due_at.is_some_and(|due| due <= now)
    }

    /// The state claimed for one attempt holding a lease of `lease`, if due at `now`.
    pub fn claim(&self, now: OffsetDateTime, lease: Duration) -> Option<Self> {
        if !self.is_due(now) {
            return None;
        }
        Some(Self {
            status: JobStatus::Running,
            attempts: self.attempts.saturating_add(1),
            claimed_at: Some(now),
            due_at: Some(now.saturating_add(lease)),
            updated_at: now,
            ..self.clone()
        })
    }

    /// Whether `self` is still the attempt `claimed` started (no one else took it over).
    pub fn is_claim(&self, claimed: &Self) -> bool {
        self.status == JobStatus::Running && self.attempts == claimed.attempts && self.claimed_at == claimed.claimed_at
    }

    /// After a successful attempt.
    pub fn done(&self, now: OffsetDateTime) -> Self {
        Self {
            status: JobStatus::Done,
            due_at: None,
            finished_at: Some(now),
            updated_at: now,
            last_error: None,
            ..self.clone()
        }
    }

    /// After a failed attempt: due again after the backoff (or when the service said), or
    /// failed when it was the last attempt or cannot succeed. `seed` spreads the jitter.
    pub fn attempt_failed(&self, failure: &Failure, rule: RetryRule, seed: &str, now: OffsetDateTime) -> Self {
        let mut next = self.clone();
        next.updated_at = now;
        next.last_error = Some(failure.to_string().chars().take(MAX_ERROR_CHARS).collect());
        let retry_in = match failure {
            Failure::Permanent(_) => None,
            Failure::RetryAfter { after, .. } => {
                next.attempts = next.attempts.saturating_sub(1);
                Some(Duration::try_from(*after).unwrap_or(rule.max_delay))
            }
            Failure::Transient(_) if self.attempts >= rule.max_attempts => None,
            Failure::Transient(_) => Some(backoff(rule, self.attempts, seed)),
        };
        match retry_in {
            Some(delay) => {
                next.status = JobStatus::Retry;
                next.due_at = Some(now.saturating_add(delay));
            }
            None => {
                next.status = JobStatus::Failed;
                next.due_at = None;
                next.finished_at = Some(now);
            }
        }
        next
    }

    /// Put back in line as if new: a failed job, or one stuck running past its lease.
    pub fn requeued(&self, now: OffsetDateTime) -> Option<Self> {
        let stuck = self.status == JobStatus::Running && self.due_at.is_some_and(|lease_end| lease_end <= now);
        (self.status == JobStatus::Failed || stuck).then(|| Self {
            status: JobStatus::Pending,
            attempts: 0,
            due_at: Some(now),
            claimed_at: None,
            finished_at: None,
            updated_at: now,
            dead_letter: false,
            ..self.clone()
        })
    }

    /// The index entries of a job whose id is `job_id`: by status always, and in the due index
    /// while it has work ahead.
    pub fn index_keys(&self, job_id: &str) -> Vec<(Index, String, String)> {
        let mut entries = vec![(
            Index::Gsi2,
            keys::jobs_in_status(self.status.as_str()),
            format!("{}#{job_id}", micros(self.created_at)),
        )];
        if let (true, Some(due)) = (self.status.is_active(), self.due_at) {
            entries.push((Index::Gsi1, keys::JOBS_DUE.to_owned(), format!("{}#{job_id}", micros(due))));
        }
        entries
    }
}

/// The delay after failed attempt number `attempt` (1-based): the first delay doubled per
/// attempt, capped, and moved by up to ±20 % so jobs that failed together do not return
/// together.
fn backoff(rule: RetryRule, attempt: u32, seed: &str) -> Duration {
    let factor = 1i32 << attempt.saturating_sub(1).min(20);
    let base = rule.first_delay.saturating_mul(factor).min(rule.max_delay);
    let digest = Sha256::digest(format!("{seed}#{attempt}").as_bytes());
    let spread = f64::from(u16::from_be_bytes([digest[0], digest[1]])) / f64::from(u16::MAX);
    base * (0.8 + 0.4 * spread)
}

/// What one delivery of a job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do: not due, done, claimed by someone else, or gone.
    Skipped,
    Done,
    /// The attempt failed; the job is due again later.
    Retrying(String),
    /// The job has failed for good.
    Failed(String),
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const RULE: RetryRule =
        RetryRule { max_attempts: 3, first_delay: Duration::seconds(10), max_delay: Duration::minutes(30) };

    fn transient() -> Failure {
        Failure::Transient("HTTP 500".into())
    }

    #[test]
    fn a_job_is_claimed_once_retried_with_backoff_and_failed_after_the_last_attempt() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let lease = Duration::minutes(15);
        let job = JobState::pending(JobKind::Recording, now);
        let claimed = job.claim(now, lease).expect("pending is due");
        assert_eq!((claimed.status, claimed.attempts, claimed.due_at), (JobStatus::Running, 1, Some(now + lease)));
        assert_eq!(claimed.claim(now, lease), None, "a running job is not claimed twice");

        let retry = claimed.attempt_failed(&transient(), RULE, "j", now);
        assert_eq!(retry.status, JobStatus::Retry);
        let first = retry.due_at.expect("due") - now;
        assert!(first >= Duration::seconds(8) && first <= Duration::seconds(12), "{first}");
        assert_eq!(retry.claim(now, lease), None, "not due yet");
        let second = retry.claim(now + first, lease).expect("due");
        let retry = second.attempt_failed(&transient(), RULE, "j", now);
        let doubled = retry.due_at.expect("due") - now;
        assert!(doubled >= Duration::seconds(16) && doubled <= Duration::seconds(24), "{doubled}");
        let third = retry.claim(now + doubled, lease).expect("due");
        let failed = third.attempt_failed(&transient(), RULE, "j", now);
        assert_eq!(
            (failed.status, failed.last_error.as_deref(), failed.due_at),
            (JobStatus::Failed, Some("HTTP 500"), None)
        );
        assert_eq!(failed.claim(now + Duration::days(1), lease), None);
        let requeued = failed.requeued(now).expect("failed jobs requeue");
        assert_eq!((requeued.status, requeued.attempts, requeued.due_at), (JobStatus::Pending, 0, Some(now)));
    }

    #[test]
    fn an_abandoned_attempt_is_due_again_when_its_lease_ends() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let lease = Duration::minutes(15);
        let claimed = JobState::pending(JobKind::Recording, now).claim(now, lease).expect("due");
        assert_eq!(claimed.claim(now + Duration::minutes(14), lease), None);
        assert_eq!(claimed.requeued(now + Duration::minutes(14)), None, "still within its lease");
        let again = claimed.claim(now + lease, lease).expect("lease over");
        assert_eq!(again.attempts, 2);
        assert!(!claimed.is_claim(&again) && again.is_claim(&again));
        assert_eq!(claimed.requeued(now + lease).map(|j| j.status), Some(JobStatus::Pending));
    }

    #[test]
    fn a_rate_limit_is_a_due_time_that_costs_no_attempt_and_a_permanent_failure_fails_at_once() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let claimed = JobState::pending(JobKind::Recording, now).claim(now, Duration::minutes(15)).expect("due");
        let limited = Failure::RetryAfter { reason: "429".into(), after: std::time::Duration::from_secs(120) };
        let waiting = claimed.attempt_failed(&limited, RULE, "j", now);
        assert_eq!(
            (waiting.status, waiting.attempts, waiting.due_at),
            (JobStatus::Retry, 0, Some(now + Duration::minutes(2)))
        );
        let failed = claimed.attempt_failed(&Failure::Permanent("refused".into()), RULE, "j", now);
        assert_eq!((failed.status, failed.attempts), (JobStatus::Failed, 1));
    }

    #[test]
    fn only_active_jobs_are_in_the_due_index() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let job = JobState::pending(JobKind::Recording, now);
        let entries = job.index_keys("recording:x");
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[1],
            (Index::Gsi1, "JOBS#due".to_owned(), "2026-01-01T00:00:00.000000Z#recording:x".to_owned())
        );
        assert_eq!(job.done(now).index_keys("recording:x").len(), 1);
    }

    #[test]
    fn backoff_is_capped_and_spread() {
        let capped = backoff(RULE, 40, "j");
        assert!(capped <= Duration::minutes(36) && capped >= Duration::minutes(24), "{capped}");
        assert_ne!(backoff(RULE, 1, "a"), backoff(RULE, 1, "b"));
    }
}
