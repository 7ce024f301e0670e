//! The employee job: one per thing learnt about a UIS employee ([`EmployeeEvent`]), kept under
//! the employee (`AGENT#<channel>#<employee>` / `EVENT#<time µs>#<event>.<call>`), written in the
//! transaction of the call notification that told it, or by the status poll.
//!
//! An attempt applies the event to the employee's state ([`super::employee::apply`], one
//! conditional write: the state and its outbox together), then sends the outbox to Genesys Cloud
//! oldest first — a presence event or a routing status event per change — and takes out what
//! Genesys accepted. Applying is idempotent and the outbox lives in the state, so an attempt
//! after a crash sends what the first did not, under the same event ids, and whichever job of the
//! employee runs next sends what an earlier one left.
//!
//! A call's end writes two jobs: the wrap-up, due at once, and the same event again, due when
//! the after-call work ends, which makes the employee `Idle` then unless a later call came first.
//!
//! Requests: one per change sent (a routing status change; a status change to or from
//! `available` is a presence and a routing status change), plus one per retry.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::agent_job::{Sender, at_micros};
use super::employee::{EmployeeEvent, EmployeeState, Told, apply};
use crate::App;
use crate::config::common::ChannelId;
use crate::jobs::{Failure, Job, JobKind, JobState, Outcome, RetryRule, worker};
use crate::store::{Entity, Index, Key, Store, StoreError, keys};

const DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);
const LEASE: time::Duration = time::Duration::minutes(2);
/// Like a pushed agent state: tried for about an hour.
const RULE: RetryRule =
    RetryRule { max_attempts: 6, first_delay: time::Duration::seconds(15), max_delay: time::Duration::minutes(15) };

const ID_PREFIX: &str = "employee";
/// The name of the job that ends an after-call work.
const WRAP_UP_END: &str = "wrapup-end";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmployeeJob {
    /// `employee:<channel>:<employee>:<time µs>:<event>[.<call>]`.
    pub job_id: String,
    pub channel: ChannelId,
    pub employee: String,
    /// The employee's Genesys user, as the channel mapped it when the event arrived.
    pub user_id: String,
    pub genesys_channel: ChannelId,
    pub event: EmployeeEvent,
    pub job: JobState,
}

impl Entity for EmployeeJob {
    const TYPE: &'static str = "employee_job";

    fn key(&self) -> Key {
        let (micros, name) = self.id_parts();
        keys::employee_job(self.channel.as_str(), &self.employee, micros, name)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        self.job.index_keys(&self.job_id)
    }
}

impl Job for EmployeeJob {
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

/// Who the employee is, for the jobs about them.
#[derive(Debug, Clone, Copy)]
pub struct Mapped<'a> {
    pub channel: &'a ChannelId,
    pub employee: &'a str,
    pub user_id: &'a str,
    pub genesys: &'a ChannelId,
}

impl EmployeeJob {
    /// The sort keys of these jobs start with it.
    pub const SORT_KEY_PREFIX: &'static str = "EVENT#";

    /// The jobs for `event`: one due now, and for a wrap-up one more due when it ends.
    pub fn for_event(who: Mapped<'_>, event: EmployeeEvent, now: OffsetDateTime) -> Vec<Self> {
        let job = |name: &str, at: OffsetDateTime, due: OffsetDateTime| Self {
            job_id: format!("{ID_PREFIX}:{}:{}:{}:{name}", who.channel, who.employee, at_micros(at)),
            channel: who.channel.clone(),
            employee: who.employee.to_owned(),
            user_id: who.user_id.to_owned(),
            genesys_channel: who.genesys.clone(),
            event: event.clone(),
            job: JobState::due(JobKind::EmployeeState, now, due),
        };
        match &event {
            EmployeeEvent::Status(status) => vec![job("status", status.at, now)],
            EmployeeEvent::Talking { call, at } => vec![job(&format!("talking.{call}"), *at, now)],
            EmployeeEvent::WrapUp { call, at, until } => {
                let mut jobs = vec![job(&format!("wrapup.{call}"), *at, now)];
                if *until > now {
                    jobs.push(job(&format!("{WRAP_UP_END}.{call}"), *until, *until));
                }
                jobs
            }
        }
    }

    fn id_parts(&self) -> (i64, &str) {
        let name = self.job_id.rsplit(':').next().unwrap_or_default();
        let micros = self.job_id.rsplit(':').nth(1).and_then(|m| m.parse().ok()).unwrap_or_default();
        (micros, name)
    }

    /// The key of job `employee:<channel>:<employee>:<time µs>:<event>`.
    pub fn key_of(job_id: &str) -> Option<Key> {
        let mut parts = job_id.split(':');
        let (prefix, channel, employee) = (parts.next()?, parts.next()?, parts.next()?);
        let (micros, name) = (parts.next()?.parse().ok()?, parts.next()?);
        if prefix != ID_PREFIX || parts.next().is_some() {
            return None;
        }
        let channel = ChannelId::try_from(channel.to_owned()).ok()?;
        Some(keys::employee_job(channel.as_str(), employee, micros, name))
    }

    /// Creates the job, or leaves its progress as it is if it exists.
    pub fn upsert_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.upsert_write(self, &["job", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"])
    }
}

/// Works on the job at `key` once, if it is due.
pub async fn process(app: &App, key: &Key, reports_failures: bool) -> Result<Outcome, StoreError> {
    worker::run(app, key, (LEASE, DEADLINE, RULE), reports_failures, async |app, job: &mut EmployeeJob| {
        attempt(app, job).await
    })
    .await
}

async fn attempt(app: &App, job: &EmployeeJob) -> Result<(), Failure> {
    let key = keys::agent_state(job.channel.as_str(), &job.employee);
    let now = app.clock.now();
    let (_, state) = app
        .store
        .update_with::<EmployeeState, _>(&key, |current| apply(current, &job.channel, &job.employee, &job.event, now))
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    let outbox = state.map(|s| s.outbox).unwrap_or_default();
    if outbox.is_empty() {
        return Ok(());
    }
    let sender = Sender::for_org(app, &job.genesys_channel).await?;
    let mut sent = Vec::new();
    let mut result = Ok(());
    for change in &outbox {
        let answer = match change.told {
            Told::Presence(presence) => sender.presence(&job.user_id, &change.event_id, change.at, presence).await,
            Told::Routing(routing) => sender.routing(&job.user_id, &change.event_id, change.at, routing).await,
        };
        match answer {
            Ok(()) => sent.push(change.event_id.clone()),
            Err(failure) => {
                result = Err(failure);
                break;
            }
        }
    }
    if !sent.is_empty() {
        app.store
            .update_with::<EmployeeState, _>(&key, |current| {
                let mut next = current?.clone();
                next.outbox.retain(|c| !sent.contains(&c.event_id));
                (Some(&next) != current).then_some(next)
            })
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?;
    }
    result
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::uis::call::CallSessionId;

    #[test]
    fn a_wrap_up_is_two_jobs_whose_ids_name_their_keys() {
        let channel = ChannelId::try_from("uis-a".to_owned()).expect("id");
        let genesys = ChannelId::try_from("gc".to_owned()).expect("id");
        let who = Mapped { channel: &channel, employee: "2001", user_id: "u", genesys: &genesys };
        let now = datetime!(2026-12-01 09:03:01 UTC);
        let event = EmployeeEvent::WrapUp {
            call: CallSessionId(7),
            at: datetime!(2026-12-01 09:03:00 UTC),
            until: datetime!(2026-12-01 09:03:30 UTC),
        };
        let jobs = EmployeeJob::for_event(who, event.clone(), now);
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].job_id, "employee:uis-a:2001:1796115780000000:wrapup.7");
        assert_eq!(jobs[1].job_id, "employee:uis-a:2001:1796115810000000:wrapup-end.7");
        assert_eq!(jobs[1].job.due_at, Some(datetime!(2026-12-01 09:03:30 UTC)));
        for job in &jobs {
            assert_eq!(EmployeeJob::key_of(&job.job_id), Some(job.key()));
        }
        // Reported after its end, the wrap-up needs no second job.
        assert_eq!(EmployeeJob::for_event(who, event, datetime!(2026-12-01 10:00 UTC)).len(), 1);
        assert_eq!(EmployeeJob::key_of("agent-state:pbx:a1:1:OnQueue:Idle"), None);
    }
}
