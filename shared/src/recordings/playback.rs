//! Playback links: a recording copied into the bucket, handed to the call history and the
//! screen-pop card as a short-lived presigned S3 GET, so the bucket itself stays private.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::job::RecordingJob;
use crate::App;
use crate::config::common::ChannelId;
use crate::error::ApiError;
use crate::store::{Entity, Key, keys};
use crate::uis::call::CallSessionId;

/// How long a playback link works.
pub const LINK_TTL: Duration = Duration::from_secs(300);

/// A recording's public id within its channel: `<call_session_id>-<link_id>`.
pub fn recording_id(job: &RecordingJob) -> String {
    format!("{}-{}", job.call_session_id, job.link_id)
}

/// The job key of recording `id` on `channel`, or a 400 naming what is wrong.
fn job_key(channel: &ChannelId, id: &str) -> Result<Key, ApiError> {
    let invalid = || ApiError::bad_request("invalid_path", "id must be <call_session_id>-<link_id>");
    let (call, link) = id.split_once('-').ok_or_else(invalid)?;
    let call: CallSessionId = call.parse().map_err(|_| invalid())?;
    if link.len() != 20 || !link.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    Ok(keys::recording_job(channel.as_str(), call, link))
}

/// What `GET /recordings/{id}` answers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaybackLink {
    pub id: String,
    pub url: String,
    pub expires_at: String,
    pub expires_in: u64,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

/// A presigned link to recording `id` of `channel`: 404 when there is no such recording,
/// 409 while it is not copied yet.
pub async fn link(app: &App, channel: &ChannelId, id: &str) -> Result<PlaybackLink, ApiError> {
    let key = job_key(channel, id)?;
    let job = app
        .store
        .get::<RecordingJob>(&key)
        .await?
        .filter(|job| job.key() == key)
        .ok_or_else(|| ApiError::NotFound(format!("recording {id} is not known")))?;
    let object = job.object.ok_or_else(|| {
        ApiError::Conflict(format!("recording {id} is not copied yet (status {})", job.job.status.as_str()))
    })?;
    let url = app.blobs.presign_get(&object.key, LINK_TTL, Some(&object.content_type)).await?;
    let expires_at = crate::clock::rfc3339(OffsetDateTime::now_utc() + LINK_TTL);
    Ok(PlaybackLink {
        id: id.to_owned(),
        url,
        expires_at,
        expires_in: LINK_TTL.as_secs(),
        content_type: object.content_type,
        size: object.size,
        sha256: object.sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_any_lookup() {
        let channel = ChannelId::try_from("uis-a".to_string()).expect("id");
        assert!(job_key(&channel, "12-0123456789abcdef0123").is_ok());
        for bad in ["12", "x-0123456789abcdef0123", "12-short", "12-0123456789abcdef012z", "-"] {
            assert!(job_key(&channel, bad).is_err(), "{bad}");
        }
    }
}
