//! Getting agent messages to the bot: the message as the bot reads it (poll or callback),
//! attachments copied from Genesys into S3 and handed out as short-lived links, and the
//! signed callback POST.

use std::time::Duration;

use futures::TryStreamExt;
use secrecy::SecretString;
use serde::Serialize;

use super::transcript::{Delivery, Direction, EntryKind, TranscriptEntry};
use super::webhook::sign;
use crate::clock::micros;
use crate::genesys::GenesysClient;
use crate::genesys::open_messaging::MediaType;
use crate::store::{Blobs, MIN_PART_SIZE};

/// The header carrying the callback's signature: `sha256=` + base64 HMAC-SHA256 of the body
/// with the channel's `callback_secret`, as Genesys signs its webhooks.
pub const CALLBACK_SIGNATURE_HEADER: &str = "x-ccbridge-signature";
/// How long an attachment link handed to the bot works.
pub const LINK_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// An attachment as the bot sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentView {
    pub media_type: MediaType,
    pub mime: Option<String>,
    pub filename: Option<String>,
    /// A short-lived link to our copy (agent files), or the user's own link.
    pub url: Option<String>,
    pub size: Option<u64>,
}

/// A transcript entry as the bot reads it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    pub session_id: String,
    pub id: String,
    pub direction: Direction,
    pub kind: EntryKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub at: String,
    pub received_at: String,
    /// User messages: whether Genesys has it (`done`) or a retry of the post is needed
    /// (`pending`). Agent messages: the callback's outcome.
    pub delivery: Delivery,
    /// Pass as `after` to read what follows this entry.
    pub cursor: String,
}

/// The view of `entry`, with fresh links to copied attachments.
pub async fn view(blobs: &Blobs, entry: &TranscriptEntry) -> MessageView {
    let mut attachments = Vec::new();
    for a in &entry.attachments {
        let url = match &a.s3_key {
            Some(key) => presign(blobs, key).await,
            None if entry.direction == Direction::User => a.source_url.clone(),
            None => None,
        };
        attachments.push(AttachmentView {
            media_type: a.media_type,
            mime: a.mime.clone(),
            filename: a.filename.clone(),
            url,
            size: a.size,
        });
    }
    MessageView {
        session_id: entry.session_id.to_string(),
        id: entry.id.clone(),
        direction: entry.direction,
        kind: entry.kind,
        text: entry.text.clone(),
        attachments,
        status: entry.status.clone(),
        at: entry.at.clone(),
        received_at: micros(entry.received_at),
        delivery: entry.delivery.clone(),
        cursor: entry.cursor(),
    }
}

async fn presign(blobs: &Blobs, key: &str) -> Option<String> {
    match blobs.presign_get(key, LINK_LIFETIME, None).await {
        Ok(url) => Some(url),
        Err(error) => {
            tracing::warn!(key, %error, "presigning failed");
            None
        }
    }
}

/// Streams a Genesys attachment into `key` (memory bounded by one part) within `budget`, its
/// own time rather than one API call's; returns its size.
pub async fn copy_attachment(
    genesys: &GenesysClient,
    blobs: &Blobs,
    url: &str,
    key: &str,
    mime: &str,
    budget: std::time::Duration,
) -> Result<u64, String> {
    let genesys = genesys.with_policy(crate::genesys::RetryPolicy::for_download(budget));
    let response = genesys.download(url).await.map_err(|e| e.to_string())?;
    let stream = response.bytes_stream().map_err(|e| e.to_string());
    let stored = blobs.put_stream(key, mime, Box::pin(stream), MIN_PART_SIZE).await.map_err(|e| e.to_string())?;
    Ok(stored.size)
}

/// POSTs `view` to the bot's callback with `client`, signed. Any 2xx is a delivery.
pub async fn post_callback(
    client: &reqwest::Client,
    url: &str,
    secret: &SecretString,
    view: &MessageView,
) -> Result<(), String> {
    let body = serde_json::to_vec(view).map_err(|e| e.to_string())?;
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(CALLBACK_SIGNATURE_HEADER, sign(secret, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "the callback timed out".to_string()
            } else {
                "the callback is unreachable".to_string()
            }
        })?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the callback answered {}", response.status().as_u16()))
    }
}
