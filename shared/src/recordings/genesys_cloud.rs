//! The Genesys Cloud step of a recording job: once the call's conversation was accepted (its
//! conversation job is done), the recording is uploaded from the bucket to the presigned URL
//! Genesys hands out, named after that conversation.

use futures::stream;
use reqwest::header;

use super::job::{GenesysUpload, RecordingJob, StoredRecording};
use crate::App;
use crate::config::common::ChannelId;
use crate::ex::job::ConversationJob;
use crate::genesys::recordings::UploadUrlRequest;
use crate::genesys::{GenesysError, RetryPolicy};
use crate::jobs::{Failure, JobStatus};

/// How long a recording waits before it looks again whether its conversation was accepted.
const CONVERSATION_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Uploads the recording once, after the call's conversation; `job.genesys` records what
/// Genesys accepted so a retry resumes after it.
pub(super) async fn deliver(
    app: &App,
    genesys_channel: &ChannelId,
    job: &mut RecordingJob,
    stored: &StoredRecording,
) -> Result<(), Failure> {
    if job.genesys.as_ref().is_some_and(|g| g.upload_id.is_some()) {
        return Ok(());
    }
    let client = app
        .clients
        .genesys(genesys_channel)
        .ok_or_else(|| Failure::Permanent(format!("Genesys Cloud channel {genesys_channel} is not configured")))?
        .with_policy(RetryPolicy::for_jobs());
    let conversation = ConversationJob::of_call(&app.store, &job.channel, job.call_session_id)
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?
        .ok_or_else(|| Failure::Permanent(format!("call {} has no conversation job", job.call_session_id)))?;
    let conversation_id = match (conversation.job.status, conversation.conversation_id) {
        (JobStatus::Done, Some(id)) => id,
        (JobStatus::Failed, _) => {
            let why = conversation.job.last_error.unwrap_or_default();
            return Err(Failure::Permanent(format!("the call's conversation was not accepted: {why}")));
        }
        _ => {
            let reason = "waiting for the call's conversation to be accepted".to_string();
            return Err(Failure::RetryAfter { reason, after: CONVERSATION_WAIT });
        }
    };
    let file_name = format!("{conversation_id}_{}{}", job.link_id, extension(&stored.content_type));
    let request = UploadUrlRequest::new(file_name, &stored.md5, &stored.content_type);
    let upload = client.recording_upload_url(&request).await.map_err(Failure::from)?;
    if !client.is_served_url(&upload.url) {
        let host = url::Url::parse(&upload.url).ok().and_then(|u| u.host_str().map(str::to_owned));
        let error = GenesysError::NotServed(format!(
            "the recording upload URL is on {}, which is not a Genesys Cloud or Amazon S3 host; nothing was sent",
            host.as_deref().unwrap_or("no host")
        ));
        return Err(error.into());
    }
    put_object(app, stored, &upload.url, &upload.headers).await?;
    job.genesys = Some(GenesysUpload { conversation_id, upload_id: Some(upload.upload_key) });
    Ok(())
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "audio/mpeg" | "audio/mp3" => ".mp3",
        "audio/wav" | "audio/x-wav" | "audio/wave" => ".wav",
        "audio/ogg" => ".ogg",
        _ => "",
    }
}

/// Streams the object from the bucket to the presigned URL with the headers Genesys named.
async fn put_object(
    app: &App,
    stored: &StoredRecording,
    url: &str,
    headers: &std::collections::BTreeMap<String, String>,
) -> Result<(), Failure> {
    let object =
        app.blobs.client().get_object().bucket(app.blobs.bucket()).key(&stored.key).send().await.map_err(|e| {
            Failure::Transient(format!("read {} back: {}", stored.key, aws_sdk_s3::error::DisplayErrorContext(e)))
        })?;
    let body = stream::unfold(object.body, |mut body| async move { body.next().await.map(|chunk| (chunk, body)) });
    let mut request = app
        .clients
        .download
        .put(url)
        .header(header::CONTENT_LENGTH, stored.size)
        .header(header::CONTENT_TYPE, &stored.content_type)
        .body(reqwest::Body::wrap_stream(body));
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response =
        request.send().await.map_err(|e| Failure::Transient(format!("recording upload: {}", e.without_url())))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(Failure::Transient(format!("recording upload answered HTTP {}", status.as_u16())))
    }
}
