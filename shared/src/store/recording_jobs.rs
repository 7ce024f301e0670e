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
//! A repeated `call_finished` writes the same job again but never resets `status`, `attempts`,
//! `created_at` or the `gsi2` keys, so a job already under way or done is left alone.

use serde::{Deserialize, Serialize};

use super::{Entity, Index, Key, Store, StoreError, calls};
use crate::uis::call::CallSessionId;

pub const TYPE: &str = "recording_job";
/// Status of a job nobody has worked on yet.
pub const PENDING: &str = "pending";

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
        }
    }

    /// Creates the job, or leaves its progress as it is if it exists.
    pub fn upsert_write(&self, store: &Store) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, StoreError> {
        store.upsert_write(self, &["status", "attempts", "created_at", "gsi2pk", "gsi2sk"])
    }
}
