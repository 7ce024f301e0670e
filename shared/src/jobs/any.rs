//! A job of any kind, as the operator's tools read the job indexes, where every kind is listed
//! together. Read-only: a job is written through its own type ([`AnyJob::requeue`] does).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Job;
use super::JobState;
use crate::config::common::ChannelId;
use crate::ex::agent_job::AgentStateJob;
use crate::ex::employee_job::EmployeeJob;
use crate::ex::job::ConversationJob;
use crate::ex::sync::job::SyncJob;
use crate::ex::wde_job::WdeConversationJob;
use crate::recordings::job::RecordingJob;
use crate::store::{Entity, Key, Store, StoreError, Written};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnyJob {
    Recording(RecordingJob),
    Conversation(ConversationJob),
    AgentState(AgentStateJob),
    Employee(EmployeeJob),
    WdeConversation(WdeConversationJob),
    ConfigSync(SyncJob),
}

impl Entity for AnyJob {
    /// Never written: only read, whatever the item's own type.
    const TYPE: &'static str = "job";

    fn key(&self) -> Key {
        match self {
            Self::Recording(job) => job.key(),
            Self::Conversation(job) => job.key(),
            Self::AgentState(job) => job.key(),
            Self::Employee(job) => job.key(),
            Self::WdeConversation(job) => job.key(),
            Self::ConfigSync(job) => job.key(),
        }
    }
}

impl From<RecordingJob> for AnyJob {
    fn from(job: RecordingJob) -> Self {
        Self::Recording(job)
    }
}

impl From<ConversationJob> for AnyJob {
    fn from(job: ConversationJob) -> Self {
        Self::Conversation(job)
    }
}

impl From<AgentStateJob> for AnyJob {
    fn from(job: AgentStateJob) -> Self {
        Self::AgentState(job)
    }
}

impl From<EmployeeJob> for AnyJob {
    fn from(job: EmployeeJob) -> Self {
        Self::Employee(job)
    }
}

impl From<WdeConversationJob> for AnyJob {
    fn from(job: WdeConversationJob) -> Self {
        Self::WdeConversation(job)
    }
}

impl From<SyncJob> for AnyJob {
    fn from(job: SyncJob) -> Self {
        Self::ConfigSync(job)
    }
}

impl AnyJob {
    pub fn job_id(&self) -> &str {
        match self {
            Self::Recording(job) => &job.job_id,
            Self::Conversation(job) => &job.job_id,
            Self::AgentState(job) => &job.job_id,
            Self::Employee(job) => &job.job_id,
            Self::WdeConversation(job) => &job.job_id,
            Self::ConfigSync(job) => &job.job_id,
        }
    }

    pub fn state(&self) -> &JobState {
        match self {
            Self::Recording(job) => &job.job,
            Self::Conversation(job) => &job.job,
            Self::AgentState(job) => &job.job,
            Self::Employee(job) => &job.job,
            Self::WdeConversation(job) => &job.job,
            Self::ConfigSync(job) => &job.job,
        }
    }

    pub fn channel(&self) -> &ChannelId {
        match self {
            Self::Recording(job) => &job.channel,
            Self::Conversation(job) => &job.channel,
            Self::AgentState(job) => &job.channel,
            Self::Employee(job) => &job.channel,
            Self::WdeConversation(job) => &job.channel,
            Self::ConfigSync(job) => &job.channel,
        }
    }

    /// The key of job `job_id`, as listings print it: `<channel>:<call_session_id>:<link_id>`
    /// for a recording, `<channel>:<call_session_id>:conversation` for a conversation,
    /// `agent-state:<channel>:<agent>:<time µs>:<presence>:<routing>` for an agent's state,
    /// `employee:<channel>:<employee>:<time µs>:<event>` for a UIS employee's,
    /// `wde:<channel>:<interaction id>:conversation` for a WDE interaction's conversation,
    /// `ex-sync:<channel>` for a channel's configuration sync.
    pub fn key_of(job_id: &str) -> Option<Key> {
        SyncJob::key_of(job_id)
            .or_else(|| AgentStateJob::key_of(job_id))
            .or_else(|| EmployeeJob::key_of(job_id))
            .or_else(|| WdeConversationJob::key_of(job_id))
            .or_else(|| RecordingJob::key_of(job_id))
            .or_else(|| ConversationJob::key_of(job_id))
    }

    /// Puts the job at `key` back to `pending` when `wanted` takes it as stored now: one
    /// conditional write through the job's own type.
    pub async fn requeue(
        store: &Store,
        key: &Key,
        now: OffsetDateTime,
        wanted: impl Fn(&AnyJob) -> bool,
    ) -> Result<(Written, Option<AnyJob>), StoreError> {
        if key.pk.starts_with("EXSYNC#") {
            requeue_as::<SyncJob>(store, key, now, wanted).await
        } else if key.sk == WdeConversationJob::SORT_KEY && key.pk.starts_with("INTERACTION#") {
            requeue_as::<WdeConversationJob>(store, key, now, wanted).await
        } else if key.sk == ConversationJob::SORT_KEY {
            requeue_as::<ConversationJob>(store, key, now, wanted).await
        } else if key.sk.starts_with(AgentStateJob::SORT_KEY_PREFIX) {
            requeue_as::<AgentStateJob>(store, key, now, wanted).await
        } else if key.sk.starts_with(EmployeeJob::SORT_KEY_PREFIX) {
            requeue_as::<EmployeeJob>(store, key, now, wanted).await
        } else {
            requeue_as::<RecordingJob>(store, key, now, wanted).await
        }
    }
}

async fn requeue_as<J: Job + Into<AnyJob>>(
    store: &Store,
    key: &Key,
    now: OffsetDateTime,
    wanted: impl Fn(&AnyJob) -> bool,
) -> Result<(Written, Option<AnyJob>), StoreError> {
    let (written, job) = store
        .update_with::<J, _>(key, |current| {
            let job = current?;
            if !wanted(&job.clone().into()) {
                return None;
            }
            Some(job.with_state(job.state().requeued(now)?))
        })
        .await?;
    Ok((written, job.map(Into::into)))
}
