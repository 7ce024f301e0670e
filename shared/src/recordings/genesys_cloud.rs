//! The Genesys Cloud step of a recording job: the call injected as an external conversation,
//! then the recording uploaded from the bucket to the presigned URL Genesys hands out.

use futures::stream;
use reqwest::header;

use super::job::{GenesysUpload, RecordingJob, StoredRecording};
use crate::App;
use crate::config::common::ChannelId;
use crate::genesys::recordings::{ExternalCall, UploadUrlRequest};
use crate::genesys::{GenesysError, RetryPolicy};
use crate::jobs::Failure;
use crate::uis::call::{Call, Direction};
use crate::uis::record;

/// Injects the conversation and uploads the recording, each once; `job.genesys` records what
/// Genesys accepted so a retry resumes after it.
pub(super) async fn deliver(
    app: &App,
    genesys_channel: &ChannelId,
    job: &mut RecordingJob,
    stored: &StoredRecording,
) -> Result<(), Failure> {
    let client = app
        .clients
        .genesys(genesys_channel)
        .ok_or_else(|| Failure::Permanent(format!("Genesys Cloud channel {genesys_channel} is not configured")))?
        .with_policy(RetryPolicy::for_jobs());
    let (conversation_id, communication_id) = ExternalCall::ids(job.channel.as_str(), &job.call_session_id.to_string());
    let mut progress = job.genesys.clone().unwrap_or(GenesysUpload {
        conversation_id: conversation_id.clone(),
        events_accepted_at: None,
        upload_id: None,
    });

    if progress.events_accepted_at.is_none() {
        let call = record::get(&app.store, &job.channel, job.call_session_id)
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?;
        let external = external_call(job, call.as_ref(), conversation_id, communication_id);
        client.inject_conversation(&external.events()).await.map_err(failure)?;
        progress.events_accepted_at = Some(app.clock.now());
        job.genesys = Some(progress.clone());
    }

    if progress.upload_id.is_none() {
        let file_name = format!("{}_{}{}", progress.conversation_id, job.link_id, extension(&stored.content_type));
        let request = UploadUrlRequest::new(file_name, &stored.md5, &stored.content_type);
        let upload = client.recording_upload_url(&request).await.map_err(failure)?;
        put_object(app, stored, &upload.url, &upload.headers).await?;
        progress.upload_id = Some(upload.upload_key);
        job.genesys = Some(progress);
    }
    Ok(())
}

/// A 429 is a due time; 4xx answers other than 408/429 mean the request itself is wrong:
/// retrying cannot help; the rest may pass next time.
fn failure(error: GenesysError) -> Failure {
    let reason = format!("Genesys Cloud: {error}");
    if let GenesysError::RateLimited { retry_after, .. } = error {
        return Failure::RetryAfter { reason, after: retry_after };
    }
    let permanent = matches!(error, GenesysError::Config(_))
        || error.status().is_some_and(|s| (400..500).contains(&s) && s != 408 && s != 429);
    if permanent { Failure::Permanent(reason) } else { Failure::Transient(reason) }
}

/// The call as Genesys should see it. UIS times carry no zone, so the times are placed from
/// when the call was reported finished (the job's creation, UTC) and its talk and wait times.
fn external_call(
    job: &RecordingJob,
    call: Option<&Call>,
    conversation_id: String,
    communication_id: String,
) -> ExternalCall {
    let ended_at = job.job.created_at;
    let seconds = |s: Option<u64>| time::Duration::seconds(i64::try_from(s.unwrap_or(0)).unwrap_or(i64::MAX));
    let talk = seconds(call.and_then(|c| c.talk_seconds));
    let wait = seconds(call.and_then(|c| c.wait_seconds));
    let answered = call.is_some_and(|c| c.answered_at.is_some() || c.talk_seconds.is_some_and(|t| t > 0));
    let inbound = call.and_then(|c| c.direction) != Some(Direction::Out);
    let contact = call.and_then(|c| c.contact_phone.as_ref()).map(|p| p.as_str().to_owned());
    let line = call.and_then(|c| c.virtual_phone.as_ref()).map(|p| p.as_str().to_owned());
    let (ani, dnis) = if inbound { (contact, line) } else { (line, contact) };
    ExternalCall {
        conversation_id,
        communication_id,
        source_id: format!("ccbridge/{}", job.channel),
        interaction_id: job.call_session_id.to_string(),
        inbound,
        ani,
        dnis,
        established_at: ended_at.saturating_sub(talk).saturating_sub(wait),
        answered_at: answered.then_some(ended_at.saturating_sub(talk)),
        ended_at,
    }
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
