//! Recording jobs: one per recording link of a call, to copy the recording into S3 and on to
//! Genesys Cloud. Kept under its call (`CALL#<channel>#<call_session_id>` /
//! `RECORDING#<link_id>`, read with it), with its life in the `job` attribute ([`JobState`]) and
//! the job indexes that come with it.
//!
//! | attribute | value |
//! |---|---|
//! | `job_id` | `<channel>:<call_session_id>:<link_id>`; `link_id` = 20 hex digits of SHA-256(URL) |
//! | `job` | status, attempts, due time, last error: see [`crate::jobs`] |
//! | `url`, `host` | the link, already checked against the channel's `recording_hosts` |
//! | `channel`, `call_session_id`, `genesys_channel` | where it belongs and where it goes |
//! | `object` | where the copy is in S3: key, size, SHA-256, MD5, content type |
//! | `genesys` | what Genesys Cloud accepted: the conversation, the upload |
//!
//! A repeated `call_finished` writes the same job again but never resets `job` or the index
//! keys, so a job already under way or done is left alone. `object` and `genesys` are the steps
//! already done: a later attempt skips them, so a recording is downloaded once.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::common::ChannelId;
use crate::jobs::{Job, JobKind, JobState};
use crate::store::{Entity, Index, Key, Store, StoreError, keys};
use crate::uis::call::CallSessionId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingJob {
    pub job_id: String,
    pub channel: ChannelId,
    pub call_session_id: CallSessionId,
    pub link_id: String,
    pub url: String,
    pub host: String,
    pub job: JobState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesys_channel: Option<ChannelId>,
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
    /// The recording upload id Genesys returned, once the file was PUT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
}

impl Entity for RecordingJob {
    const TYPE: &'static str = "recording_job";
    const PERSONAL_DATA: bool = true;

    fn key(&self) -> Key {
        keys::recording_job(self.channel.as_str(), self.call_session_id, &self.link_id)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        self.job.index_keys(&self.job_id)
    }
}

impl Job for RecordingJob {
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

impl RecordingJob {
    /// A new job, due now.
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
            job: JobState::pending(JobKind::Recording, now),
            genesys_channel,
            object: None,
            genesys: None,
        }
    }

    /// Where the recording's copy is kept in the bucket.
    pub fn object_key(&self) -> String {
        format!("recordings/{}/{}/{}", self.channel, self.call_session_id, self.link_id)
    }

    /// The key of job `<channel>:<call_session_id>:<link_id>`.
    pub fn key_of(job_id: &str) -> Option<Key> {
        let mut parts = job_id.rsplitn(3, ':');
        let (link, call, channel) = (parts.next()?, parts.next()?, parts.next()?);
        let call: CallSessionId = call.parse().ok()?;
        let channel = ChannelId::try_from(channel.to_owned()).ok()?;
        let link_ok = link.len() == 20 && link.bytes().all(|b| b.is_ascii_hexdigit());
        link_ok.then(|| keys::recording_job(channel.as_str(), call, link))
    }

    /// Creates the job, or leaves its progress as it is if it exists.
    pub fn upsert_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.upsert_write(self, &["job", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_name_their_key() {
        let channel = ChannelId::try_from("uis-a".to_string()).expect("id");
        let job = RecordingJob::pending(
            &channel,
            CallSessionId(12345),
            "0123456789abcdef0123",
            "https://h/r",
            "h",
            None,
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(RecordingJob::key_of(&job.job_id), Some(job.key()));
        for bad in ["uis-a:12345", "uis-a:x:0123456789abcdef0123", "Bad:1:0123456789abcdef0123", "uis-a:1:short"] {
            assert_eq!(RecordingJob::key_of(bad), None, "{bad}");
        }
    }
}
