//! The conversation job: one per finished call of a UIS channel linked to Genesys Cloud, kept
//! under its call (`CALL#<channel>#<call_session_id>` / `CONVERSATION`), opened in the same
//! transaction as the notification that finished the call.
//!
//! An attempt builds the call's conversation ([`super::call::build`]), with the users and wrap-up
//! codes configuration sync mapped over the channel's own ([`super::sync::mapping`]), and sends
//! its batches in order, from the first one Genesys has not accepted. A `200` is read for its `errors`: events
//! refused as retryable are kept and only they are sent again on the next attempt; any other
//! refusal fails the job with Genesys's message. An organisation without a provisioned source
//! fails the job saying how to provision it. The call's recordings are uploaded once this job is
//! done (`recordings::genesys_cloud`).
//!
//! Requests per call: one per batch (a lost call 2, an answered one 5, a transferred one 8),
//! plus one per retry.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::call::{Built, build};
use super::source::{self, ExSource};
use super::sync::mapping::{Mappings, ObjectKind};
use crate::App;
use crate::config::common::ChannelId;
use crate::genesys::conversations::Conversation;
use crate::genesys::{GenesysClient, RetryPolicy};
use crate::jobs::{Failure, Job, JobKind, JobState, Outcome, RetryRule, worker};
use crate::store::{Entity, Index, Key, Store, StoreError, keys};
use crate::uis::call::CallSessionId;
use crate::uis::config::UisChannel;
use crate::uis::record;

/// One attempt's limits: a few requests to Genesys, each with its own retries.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(90);
const LEASE: time::Duration = time::Duration::minutes(3);
const RULE: RetryRule =
    RetryRule { max_attempts: 8, first_delay: time::Duration::seconds(30), max_delay: time::Duration::hours(1) };

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationJob {
    /// `<channel>:<call_session_id>:conversation`.
    pub job_id: String,
    pub channel: ChannelId,
    pub call_session_id: CallSessionId,
    pub genesys_channel: ChannelId,
    pub job: JobState,
    /// Batches Genesys accepted, in order.
    #[serde(default)]
    pub batches_accepted: usize,
    /// Events of the next batch Genesys refused as retryable: only they are sent again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resend: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Employees of the call no Genesys user is configured for: counted, not an error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmapped_employees: Vec<String>,
}

impl Entity for ConversationJob {
    const TYPE: &'static str = "conversation_job";
    const PERSONAL_DATA: bool = true;

    fn key(&self) -> Key {
        keys::conversation_job(self.channel.as_str(), self.call_session_id)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        self.job.index_keys(&self.job_id)
    }
}

impl Job for ConversationJob {
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

impl ConversationJob {
    /// Its sort key under the call.
    pub const SORT_KEY: &'static str = "CONVERSATION";

    /// The key of job `<channel>:<call_session_id>:conversation`.
    pub fn key_of(job_id: &str) -> Option<Key> {
        let mut parts = job_id.rsplitn(3, ':');
        let (what, call, channel) = (parts.next()?, parts.next()?, parts.next()?);
        let call: CallSessionId = call.parse().ok()?;
        let channel = ChannelId::try_from(channel.to_owned()).ok()?;
        (what == "conversation").then(|| keys::conversation_job(channel.as_str(), call))
    }

    /// A new job, due now.
    pub fn pending(
        channel: &ChannelId,
        call_session_id: CallSessionId,
        genesys_channel: &ChannelId,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            job_id: format!("{channel}:{call_session_id}:conversation"),
            channel: channel.clone(),
            call_session_id,
            genesys_channel: genesys_channel.clone(),
            job: JobState::pending(JobKind::Conversation, now),
            batches_accepted: 0,
            resend: Vec::new(),
            conversation_id: None,
            unmapped_employees: Vec::new(),
        }
    }

    /// Creates the job, or leaves its progress as it is if it exists.
    pub fn upsert_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.upsert_write(self, &["job", "batches_accepted", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"])
    }

    /// The job of a call, if it has one.
    pub async fn of_call(
        store: &Store,
        channel: &ChannelId,
        call_session_id: CallSessionId,
    ) -> Result<Option<Self>, StoreError> {
        store.get(&keys::conversation_job(channel.as_str(), call_session_id)).await
    }
}

/// Works on the job at `key` once, if it is due.
pub async fn process(app: &App, key: &Key, reports_failures: bool) -> Result<Outcome, StoreError> {
    worker::run(app, key, (LEASE, DEADLINE, RULE), reports_failures, attempt).await
}

async fn attempt(app: &App, job: &mut ConversationJob) -> Result<(), Failure> {
    let channel = app
        .config
        .get::<UisChannel>(&job.channel)
        .ok_or_else(|| Failure::Permanent(format!("channel {} is no longer configured", job.channel)))?;
    let ex =
        channel.ex.as_ref().ok_or_else(|| Failure::Permanent(format!("channel {} has no ex settings", job.channel)))?;
    let (client, source) = organisation(app, &job.genesys_channel).await?;
    let kinds = [ObjectKind::User, ObjectKind::WrapupCode];
    let synced = Mappings::read_kinds(&app.store, &job.genesys_channel, &job.channel, &kinds)
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    let ex = &synced.over(ex);
    let call = record::get(&app.store, &job.channel, job.call_session_id)
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?
        .ok_or_else(|| Failure::Permanent(format!("call {} is gone", job.call_session_id)))?;
    let Built { conversation, unmapped } = build(&call, ex, &source.source_id, job.job.created_at);
    job.conversation_id = Some(conversation.id.clone());
    if !unmapped.is_empty() && job.unmapped_employees != unmapped {
        tracing::info!(job = %job.job_id, employees = ?unmapped, "employees without a Genesys user are left out");
    }
    job.unmapped_employees = unmapped;
    send(&client, &conversation, &mut job.batches_accepted, &mut job.resend).await
}

/// The organisation's client and provisioned source; a permanent failure saying how to
/// provision it when there is no source yet.
pub(super) async fn organisation(app: &App, genesys: &ChannelId) -> Result<(GenesysClient, ExSource), Failure> {
    let client = app
        .clients
        .genesys(genesys)
        .ok_or_else(|| Failure::Permanent(format!("Genesys Cloud channel {genesys} is not configured")))?
        .with_policy(RetryPolicy::for_jobs());
    let source =
        source::get(&app.store, genesys).await.map_err(|e| Failure::Transient(e.to_string()))?.ok_or_else(|| {
            Failure::Permanent(format!(
                "Genesys Cloud organisation {genesys} has no external source yet: run \
                 `ccbridge-admin ex provision --channel {genesys}`, then requeue the job"
            ))
        })?;
    Ok((client, source))
}

/// Sends `conversation`'s batches in order from the first not `accepted`; of that batch only
/// the events in `resend` when there are any (Genesys refused them as retryable before).
pub(super) async fn send(
    client: &GenesysClient,
    conversation: &Conversation,
    accepted: &mut usize,
    resend: &mut Vec<String>,
) -> Result<(), Failure> {
    let batches = conversation.batches();
    while let Some(batch) = batches.get(*accepted) {
        let events: Vec<_> = match resend.is_empty() {
            true => batch.clone(),
            false => batch.iter().copied().filter(|e| resend.contains(&e.id)).collect(),
        };
        let refused = client.inject_conversation(&conversation.request(&events)).await.map_err(Failure::from)?;
        if let Some(error) = refused.iter().find(|e| !e.retryable) {
            return Err(Failure::Permanent(format!(
                "Genesys Cloud refused event {} of batch {}: {}",
                error.event_id,
                *accepted + 1,
                error.message
            )));
        }
        if !refused.is_empty() {
            *resend = refused.into_iter().map(|e| e.event_id).collect();
            return Err(Failure::Transient(format!(
                "Genesys Cloud refused {} events of batch {} for now",
                resend.len(),
                *accepted + 1
            )));
        }
        resend.clear();
        *accepted += 1;
    }
    Ok(())
}
