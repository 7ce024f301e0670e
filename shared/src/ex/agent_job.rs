//! The agent state job: one per real change of a platform agent's state, kept under the agent
//! (`AGENT#<channel>#<agent>` / `JOB#<time>#<presence>#<routing>`), opened in the same write as
//! the state that changed ([`super::agent_state`]).
//!
//! An attempt sends the change as one user presence event, then one routing status event, each
//! step recorded so an attempt after a failure sends only what Genesys has not accepted. Event
//! ids come from the channel, the agent, the time and the value, so a retry sends the same ids.
//! A `200` is read for its `errors`: a retryable refusal is a retry, any other fails the job with
//! Genesys's message. An organisation without a provisioned source, or whose definitions were
//! not read, fails the job saying how to provision it.
//!
//! Requests per change: 2 (presence, routing status), plus one per retry.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use super::agents::{Mapped, RoutingStatus, SystemPresence};
use super::source::{self, ExSource};
use crate::App;
use crate::config::common::ChannelId;
use crate::genesys::conversations::{EventError, derived_uuid, wire_time};
use crate::genesys::{GenesysClient, GenesysError, RetryPolicy};
use crate::jobs::{Failure, Job, JobKind, JobState, Outcome, RetryRule, worker};
use crate::store::{Entity, Index, Key, Store, StoreError, keys};

/// One attempt's limits: two requests to Genesys, each with its own retries.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);
const LEASE: time::Duration = time::Duration::minutes(2);
/// A state is worth less the older it gets: tried for about an hour, not for days.
const RULE: RetryRule =
    RetryRule { max_attempts: 6, first_delay: time::Duration::seconds(15), max_delay: time::Duration::minutes(15) };

/// The prefix of every agent state job id.
const ID_PREFIX: &str = "agent-state";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStateJob {
    /// `agent-state:<channel>:<agent>:<time µs>:<presence>:<routing>`.
    pub job_id: String,
    pub channel: ChannelId,
    pub agent: String,
    /// The agent's Genesys user, as the channel mapped it when the state arrived.
    pub user_id: String,
    pub genesys_channel: ChannelId,
    /// When the platform says the state began.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub presence: SystemPresence,
    pub routing: RoutingStatus,
    pub job: JobState,
    /// Genesys accepted the presence event.
    #[serde(default)]
    pub presence_sent: bool,
    /// Genesys accepted the routing status event.
    #[serde(default)]
    pub routing_sent: bool,
}

/// An instant as microseconds since the epoch: how job ids and keys name it.
pub(super) fn at_micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

impl Entity for AgentStateJob {
    const TYPE: &'static str = "agent_state_job";

    fn key(&self) -> Key {
        keys::agent_state_job(
            self.channel.as_str(),
            &self.agent,
            at_micros(self.at),
            self.presence.as_str(),
            self.routing.as_str(),
        )
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        self.job.index_keys(&self.job_id)
    }
}

impl Job for AgentStateJob {
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

impl AgentStateJob {
    /// The sort keys of these jobs start with it.
    pub const SORT_KEY_PREFIX: &'static str = "JOB#";

    /// A new job, due now, sending `mapped` for `agent` as of `at`.
    pub fn pending(
        channel: &ChannelId,
        agent: &str,
        user_id: &str,
        genesys_channel: &ChannelId,
        at: OffsetDateTime,
        mapped: Mapped,
        now: OffsetDateTime,
    ) -> Self {
        let (presence, routing) = (mapped.presence, mapped.routing);
        Self {
            job_id: format!(
                "{ID_PREFIX}:{channel}:{agent}:{}:{}:{}",
                at_micros(at),
                presence.as_str(),
                routing.as_str()
            ),
            channel: channel.clone(),
            agent: agent.to_owned(),
            user_id: user_id.to_owned(),
            genesys_channel: genesys_channel.clone(),
            at,
            presence,
            routing,
            job: JobState::pending(JobKind::AgentState, now),
            presence_sent: false,
            routing_sent: false,
        }
    }

    /// The key of job `agent-state:<channel>:<agent>:<time µs>:<presence>:<routing>`.
    pub fn key_of(job_id: &str) -> Option<Key> {
        let mut parts = job_id.split(':');
        let (prefix, channel, agent) = (parts.next()?, parts.next()?, parts.next()?);
        let (micros, presence, routing) = (parts.next()?, parts.next()?, parts.next()?);
        if prefix != ID_PREFIX || parts.next().is_some() {
            return None;
        }
        let channel = ChannelId::try_from(channel.to_owned()).ok()?;
        let presence = SystemPresence::parse(presence)?;
        let routing = [
            RoutingStatus::OffQueue,
            RoutingStatus::Idle,
            RoutingStatus::Interacting,
            RoutingStatus::Communicating,
            RoutingStatus::NotResponding,
        ]
        .into_iter()
        .find(|r| r.as_str() == routing)?;
        Some(keys::agent_state_job(channel.as_str(), agent, micros.parse().ok()?, presence.as_str(), routing.as_str()))
    }

    /// Creates the job, or leaves its progress as it is if it exists.
    pub fn upsert_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.upsert_write(self, &["job", "presence_sent", "routing_sent", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"])
    }

    /// The event id of what this change sends as `what` (`presence`, `routing`).
    fn event_id(&self, what: &str, value: &str) -> String {
        derived_uuid(&format!(
            "ccbridge/agent-state/{}/{}/{}/{what}/{value}",
            self.channel,
            self.agent,
            at_micros(self.at)
        ))
    }
}

/// Works on the job at `key` once, if it is due.
pub async fn process(app: &App, key: &Key, reports_failures: bool) -> Result<Outcome, StoreError> {
    worker::run(app, key, (LEASE, DEADLINE, RULE), reports_failures, attempt).await
}

async fn attempt(app: &App, job: &mut AgentStateJob) -> Result<(), Failure> {
    let sender = Sender::for_org(app, &job.genesys_channel).await?;
    if !job.presence_sent {
        let id = job.event_id("presence", job.presence.as_str());
        sender.presence(&job.user_id, &id, job.at, job.presence).await?;
        job.presence_sent = true;
    }
    if !job.routing_sent {
        let id = job.event_id("routing", job.routing.as_str());
        sender.routing(&job.user_id, &id, job.at, job.routing).await?;
        job.routing_sent = true;
    }
    Ok(())
}

/// Sends one user's presence and routing status events to an organisation, with the ids of its
/// provisioned source: what every agent state job does, whatever told it the state.
pub(super) struct Sender {
    client: GenesysClient,
    source: ExSource,
    provision: String,
}

impl Sender {
    /// The sender for Genesys Cloud channel `genesys`; a permanent failure saying how to
    /// provision it when its source is not in the table.
    pub(super) async fn for_org(app: &App, genesys: &ChannelId) -> Result<Self, Failure> {
        let client = app
            .clients
            .genesys(genesys)
            .ok_or_else(|| Failure::Permanent(format!("Genesys Cloud channel {genesys} is not configured")))?
            .with_policy(RetryPolicy::for_jobs());
        let provision = format!("run `ccbridge-admin ex provision --channel {genesys}`, then requeue the job");
        let source = source::get(&app.store, genesys)
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?
            .ok_or_else(|| {
                Failure::Permanent(format!(
                    "Genesys Cloud organisation {genesys} has no external source yet: {provision}"
                ))
            })?;
        Ok(Self { client, source, provision })
    }

    /// One user presence event: the organisation's definition of `presence` at `at`.
    pub(super) async fn presence(
        &self,
        user: &str,
        event_id: &str,
        at: OffsetDateTime,
        presence: SystemPresence,
    ) -> Result<(), Failure> {
        let definition = self.source.definition(presence).ok_or_else(|| {
            Failure::Permanent(format!(
                "the presence definitions of Genesys Cloud organisation {} are not known for {}: {}",
                self.source.genesys,
                presence.as_str(),
                self.provision
            ))
        })?;
        let request = json!({"userPresenceEvents": [{
            "eventId": event_id,
            "eventDateTime": wire_time(at),
            "userId": user,
            "sourceId": self.source.source_id,
            "presenceDefinitionId": definition,
        }]});
        read(self.client.inject_presence(&request).await, "presence")
    }

    /// One routing status event: `routing` at `at`.
    pub(super) async fn routing(
        &self,
        user: &str,
        event_id: &str,
        at: OffsetDateTime,
        routing: RoutingStatus,
    ) -> Result<(), Failure> {
        let request = json!({"userRoutingStatusEvents": [{
            "eventId": event_id,
            "eventDateTime": wire_time(at),
            "agentId": user,
            "status": routing.as_str(),
            "sourceId": self.source.source_id,
        }]});
        read(self.client.inject_routing_status(&request).await, "routing status")
    }
}

/// What Genesys's answer to one event means for the job.
fn read(answer: Result<Vec<EventError>, GenesysError>, what: &str) -> Result<(), Failure> {
    match answer.map_err(Failure::from)?.into_iter().next() {
        None => Ok(()),
        Some(error) if error.retryable => {
            Err(Failure::Transient(format!("Genesys Cloud refused the {what} event for now: {}", error.message)))
        }
        Some(error) => Err(Failure::Permanent(format!("Genesys Cloud refused the {what} event: {}", error.message))),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_job_id_names_its_key_and_its_events_are_stable() {
        let channel = ChannelId::try_from("pbx".to_owned()).expect("id");
        let genesys = ChannelId::try_from("gc".to_owned()).expect("id");
        let mapped = Mapped { presence: SystemPresence::OnQueue, routing: RoutingStatus::Idle };
        let at = datetime!(2026-12-01 08:00:00.250 UTC);
        let job = AgentStateJob::pending(&channel, "a1", "u", &genesys, at, mapped, at);
        assert_eq!(job.job_id, "agent-state:pbx:a1:1796112000250000:OnQueue:Idle");
        assert_eq!(AgentStateJob::key_of(&job.job_id), Some(job.key()));
        assert_eq!(AgentStateJob::key_of("pbx:12:conversation"), None);
        let again = AgentStateJob::pending(&channel, "a1", "u", &genesys, at, mapped, at + time::Duration::hours(1));
        assert_eq!(job.event_id("presence", "OnQueue"), again.event_id("presence", "OnQueue"));
        assert_ne!(job.event_id("presence", "OnQueue"), job.event_id("routing", "Idle"));
    }
}
