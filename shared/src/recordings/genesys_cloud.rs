//! The Genesys Cloud step of a recording job: the call injected as an external conversation,
//! then the recording uploaded from the bucket to the presigned URL Genesys hands out.

use futures::stream;
use reqwest::header;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Failure;
use crate::App;
use crate::config::Channel;
use crate::genesys::recordings::{ExternalCall, UploadUrlRequest};
use crate::genesys::{GenesysClient, GenesysError};
use crate::store::calls;
use crate::store::recording_jobs::{GenesysUpload, RecordingJob, StoredRecording};
use crate::uis::call::{Call, Direction};

/// Injects the conversation and uploads the recording, each once; `job.genesys` records what
/// Genesys accepted so a retry resumes after it.
pub(super) async fn deliver(
    app: &App,
    http: &reqwest::Client,
    genesys_channel: &str,
    job: &mut RecordingJob,
    stored: &StoredRecording,
) -> Result<(), Failure> {
    let channel = app
        .config
        .channels
        .iter()
        .find_map(|c| match c {
            Channel::GenesysCloud(c) if c.id.as_str() == genesys_channel => Some(c),
            _ => None,
        })
        .ok_or_else(|| (format!("Genesys Cloud channel {genesys_channel} is not configured"), true))?;
    let client = GenesysClient::for_channel(channel).map_err(failure)?;
    let (conversation_id, communication_id) = ExternalCall::ids(&job.channel, &job.call_session_id.to_string());
    let mut progress = job.genesys.clone().unwrap_or(GenesysUpload {
        conversation_id: conversation_id.clone(),
        events_accepted_at: None,
        upload_id: None,
    });

    if progress.events_accepted_at.is_none() {
        let call = app
            .store
            .get::<Call>(&calls::key(&job.channel, job.call_session_id))
            .await
            .map_err(|e| (e.to_string(), false))?;
        let external = external_call(job, call.as_ref(), conversation_id, communication_id);
        client.inject_conversation(&external.events()).await.map_err(failure)?;
        progress.events_accepted_at = Some(now());
        job.genesys = Some(progress.clone());
    }

    if progress.upload_id.is_none() {
        let file_name = format!("{}_{}{}", progress.conversation_id, job.link_id, extension(&stored.content_type));
        let request = UploadUrlRequest::new(file_name, &stored.md5, &stored.content_type);
        let upload = client.recording_upload_url(&request).await.map_err(failure)?;
        put_object(app, http, stored, &upload.url, &upload.headers).await?;
        progress.upload_id = Some(upload.upload_key);
        job.genesys = Some(progress);
    }
    Ok(())
}

/// 4xx answers other than 408/429 mean the request itself is wrong: retrying cannot help.
fn failure(error: GenesysError) -> Failure {
    let permanent = matches!(error, GenesysError::Config(_))
        || error.status().is_some_and(|s| (400..500).contains(&s) && s != 408 && s != 429);
    (format!("Genesys Cloud: {error}"), permanent)
}

fn now() -> String {
    OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
}

/// The call as Genesys should see it. UIS times carry no zone, so the times are placed from
/// when the call was reported finished (the job's creation, UTC) and its talk and wait times.
fn external_call(
    job: &RecordingJob,
    call: Option<&Call>,
    conversation_id: String,
    communication_id: String,
) -> ExternalCall {
    let ended_at = OffsetDateTime::parse(&job.created_at, &Rfc3339).unwrap_or_else(|_| OffsetDateTime::now_utc());
    let seconds = |s: Option<u64>| time::Duration::seconds(i64::try_from(s.unwrap_or(0)).unwrap_or(0));
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
        established_at: ended_at - talk - wait,
        answered_at: answered.then_some(ended_at - talk),
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
    http: &reqwest::Client,
    stored: &StoredRecording,
    url: &str,
    headers: &std::collections::BTreeMap<String, String>,
) -> Result<(), Failure> {
    let object = app
        .blobs
        .client()
        .get_object()
        .bucket(app.blobs.bucket())
        .key(&stored.key)
        .send()
        .await
        .map_err(|e| (format!("read {} back: {}", stored.key, aws_sdk_s3::error::DisplayErrorContext(e)), false))?;
    let body = stream::unfold(object.body, |mut body| async move { body.next().await.map(|chunk| (chunk, body)) });
    let mut request = http
        .put(url)
        .header(header::CONTENT_LENGTH, stored.size)
        .header(header::CONTENT_TYPE, &stored.content_type)
        .body(reqwest::Body::wrap_stream(body));
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request.send().await.map_err(|e| (format!("recording upload: {e}"), false))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err((format!("recording upload answered HTTP {}", status.as_u16()), false))
    }
}
