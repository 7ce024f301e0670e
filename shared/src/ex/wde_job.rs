//! The WDE conversation job: one per ended voice or e-mail interaction of a WDE channel linked to
//! Genesys Cloud, kept under the interaction (`INTERACTION#<id>` / `CONVERSATION`), written in
//! the same transaction as the end (`updateInteraction`, or a campaign registered ended).
//!
//! An attempt builds the interaction's conversation ([`super::wde::finished`]), with the agents
//! configuration sync mapped over the channel's `ex.users`, and sends its
//! batches in order, as the UIS call's job does ([`super::job`]): from the first Genesys has not
//! accepted, only the retryable refusals again, any other refusal failing the job with
//! Genesys's message.
//!
//! Requests per interaction: one per batch (an answered inbound call 5, handed over 8; an
//! e-mail the same), plus one per retry.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::config::WdeExSettings;
use super::conversation::{Built, build};
use super::job::{organisation, send};
use super::sync::mapping::{Mappings, ObjectKind};
use super::wde::finished;
use crate::App;
use crate::config::common::ChannelId;
use crate::crm::ids::InteractionId;
use crate::crm::interaction::Interaction;
use crate::jobs::{Failure, Job, JobKind, JobState, Outcome, RetryRule, worker};
use crate::store::{Entity, Index, Key, Store, StoreError, keys};
use crate::wde::config::WdeChannel;

const DEADLINE: std::time::Duration = std::time::Duration::from_secs(90);
const LEASE: time::Duration = time::Duration::minutes(3);
const RULE: RetryRule =
    RetryRule { max_attempts: 8, first_delay: time::Duration::seconds(30), max_delay: time::Duration::hours(1) };

const ID_PREFIX: &str = "wde";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WdeConversationJob {
    /// `wde:<channel>:<interaction id>:conversation`.
    pub job_id: String,
    pub channel: ChannelId,
    pub interaction: InteractionId,
    pub genesys_channel: ChannelId,
    pub job: JobState,
    #[serde(default)]
    pub batches_accepted: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resend: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// WDE agents no Genesys user is configured for: counted, not an error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmapped_agents: Vec<String>,
}

impl Entity for WdeConversationJob {
    const TYPE: &'static str = "wde_conversation_job";

    fn key(&self) -> Key {
        keys::wde_conversation_job(self.interaction)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        self.job.index_keys(&self.job_id)
    }
}

impl Job for WdeConversationJob {
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

impl WdeConversationJob {
    /// Its sort key under the interaction.
    pub const SORT_KEY: &'static str = "CONVERSATION";

    /// The job for `interaction` when its channel sends it: linked to Genesys, conversations
    /// on, a medium Genesys has events for.
    pub fn for_interaction(channel: &WdeChannel, interaction: &Interaction, now: OffsetDateTime) -> Option<Self> {
        let genesys = channel.genesys.as_ref()?;
        channel.ex.as_ref().filter(|ex| ex.conversations)?;
        super::wde::is_sent(crate::wde::MediaType::parse(&interaction.media_type)).then(|| Self {
            job_id: format!("{ID_PREFIX}:{}:{}:conversation", channel.id, interaction.id),
            channel: channel.id.clone(),
            interaction: interaction.id,
            genesys_channel: genesys.clone(),
            job: JobState::pending(JobKind::Conversation, now),
            batches_accepted: 0,
            resend: Vec::new(),
            conversation_id: None,
            unmapped_agents: Vec::new(),
        })
    }

    /// The key of job `wde:<channel>:<interaction id>:conversation`.
    pub fn key_of(job_id: &str) -> Option<Key> {
        let mut parts = job_id.split(':');
        let (prefix, _channel, id, what) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let id = InteractionId::from_number(id.parse().ok()?)?;
        (prefix == ID_PREFIX && what == "conversation" && parts.next().is_none())
            .then(|| keys::wde_conversation_job(id))
    }

    /// Creates the job, or leaves its progress as it is if it exists.
    pub fn upsert_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.upsert_write(self, &["job", "batches_accepted", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"])
    }
}

/// Works on the job at `key` once, if it is due.
pub async fn process(app: &App, key: &Key, reports_failures: bool) -> Result<Outcome, StoreError> {
    worker::run(app, key, (LEASE, DEADLINE, RULE), reports_failures, attempt).await
}

async fn attempt(app: &App, job: &mut WdeConversationJob) -> Result<(), Failure> {
    let channel = app
        .config
        .get::<WdeChannel>(&job.channel)
        .ok_or_else(|| Failure::Permanent(format!("channel {} is no longer configured", job.channel)))?;
    let ex =
        channel.ex.as_ref().ok_or_else(|| Failure::Permanent(format!("channel {} has no ex settings", job.channel)))?;
    let interaction = Interaction::get(&app.store, &job.channel, job.interaction)
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?
        .ok_or_else(|| Failure::Permanent(format!("interaction {} is gone", job.interaction)))?;
    let synced = Mappings::read_kinds(&app.store, &job.genesys_channel, &job.channel, &[ObjectKind::User])
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    let ex = &WdeExSettings { users: synced.users_over(&ex.users), ..ex.clone() };
    let Some((finished, unmapped)) = finished(&interaction, channel, ex).map_err(Failure::Permanent)? else {
        return Ok(());
    };
    let (client, source) = organisation(app, &job.genesys_channel).await?;
    let Built { conversation, unmapped } = build(&finished, &source.source_id, unmapped);
    job.conversation_id = Some(conversation.id.clone());
    if !unmapped.is_empty() && job.unmapped_agents != unmapped {
        tracing::info!(job = %job.job_id, agents = ?unmapped, "agents without a Genesys user are left out");
    }
    job.unmapped_agents = unmapped;
    send(&client, &conversation, &mut job.batches_accepted, &mut job.resend).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_id_names_its_key() {
        let id = InteractionId::derive("wde-a", "03RGG833ANU72009");
        let key = WdeConversationJob::key_of(&format!("wde:wde-a:{id}:conversation"));
        assert_eq!(key, Some(keys::wde_conversation_job(id)));
        assert_eq!(WdeConversationJob::key_of("wde:wde-a:0:conversation"), None);
        assert_eq!(WdeConversationJob::key_of("uis-a:12:conversation"), None);
    }
}
