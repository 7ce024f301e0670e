//! The Genesys Cloud open-messaging webhook, end to end: Genesys posts an agent's reply (text,
//! attachment), typing, or a receipt for one of the user's messages.
//!
//! The raw body's `X-Hub-Signature-256` must match one chatbot channel's webhook secret, or
//! the answer is 401 and nothing is written. The body is stored in the session's transcript
//! once per Genesys message id and time; then the work that may fail is done within the
//! webhook's deadline, each step bounded: the attachment is copied into S3, the bot's callback
//! (if configured) gets a signed POST, and Genesys gets a Delivered or Failed receipt. What was
//! done is recorded on the entry, so a redelivery of the same webhook finishes what is left
//! (a failed callback is retried) without storing anything twice. Genesys always gets 200 once
//! the entry is stored: a problem is reported with a Failed receipt, never with an error
//! status that would fail the whole chat.

use std::time::Duration;

use http::StatusCode;

use super::config::ChatbotChannel;
use super::delivery::{copy_attachment, post_callback, view};
use super::genesys_client;
use super::session::ChatSession;
use super::transcript::{self, Delivery, Direction, EntryKind, Recorded, StoredAttachment, TranscriptEntry};
use super::webhook::{AgentEvent, SIGNATURE_HEADER, classify, signing_bot, user_id};
use crate::genesys::open_messaging::{
    InboundReceipt, IntegrationId, NormalizedMessage, Reason, ReceiptChannel, ReceiptStatus, ToRecipient,
};
use crate::genesys::{GenesysClient, RetryPolicy};
use crate::http::{Request, Response, body, header_str, json_response, parse_json};
use crate::{ApiError, App};

/// The longest an attachment copy may take inside the webhook's 10 s.
const COPY_TIMEOUT: Duration = Duration::from_secs(4);
/// Everything after the entry is stored (copy, callback, receipt) ends by then; what did not
/// finish is left pending on the entry for the next delivery of the webhook.
const FINISH_BUDGET: Duration = Duration::from_secs(7);

fn answer(status: &str) -> Response {
    json_response(StatusCode::OK, &serde_json::json!({ "status": status }))
}

/// Handles one webhook call.
pub async fn receive(app: &App, req: &Request) -> Result<Response, ApiError> {
    let raw = body(req, app.config.service.max_body_bytes)?;
    let signature =
        header_str(req, SIGNATURE_HEADER).ok_or(ApiError::Unauthorized("the X-Hub-Signature-256 header is missing"))?;
    let bot = signing_bot(&app.config, raw, signature)
        .ok_or(ApiError::Unauthorized("the X-Hub-Signature-256 signature does not match"))?;
    let message: NormalizedMessage = parse_json(raw)?;
    let event = classify(&message);
    if let AgentEvent::Ignored(why) = &event {
        tracing::info!(channel = %bot.id, id = message.id, why, "webhook ignored");
        return Ok(answer("ignored"));
    }
    if message.id.is_empty() {
        return Err(ApiError::bad_request("missing_field", "body.id: the message id is required"));
    }
    let integration = IntegrationId::try_from(message.channel.id.clone())
        .map_err(|e| ApiError::bad_request("invalid_field", format!("body.channel.id: {e}")))?;
    let user = user_id(&message)
        .ok_or_else(|| ApiError::bad_request("missing_field", "body.channel.to.id: the recipient is required"))?;
    let genesys = genesys_client(app, bot, RetryPolicy::within_webhook())?;
    let session = ChatSession::latest_for_peer(&app.store, &integration, user).await?.filter(|s| s.channel == bot.id);
    let Some(session) = session else {
        tracing::warn!(channel = %bot.id, id = message.id, %integration, "no session for the recipient");
        if matches!(event, AgentEvent::Message { .. }) {
            let reason = "no live chat session for this recipient";
            send_receipt(&genesys, &integration, &message, user, Err(("InvalidDestination", reason))).await;
        }
        return Ok(answer("no_session"));
    };
    let (entry, dedupe) = new_entry(bot, &session, &message, &event);
    let recorded = transcript::record(&app.store, entry, &dedupe).await?;
    let stored = matches!(recorded, Recorded::New(_));
    crate::metrics::webhook(stored);
    let status = if stored { "stored" } else { "duplicate" };
    tracing::info!(channel = %bot.id, session = %session.session_id, id = message.id, correlation = message.conversation_id, status, "agent event");
    finish(app, bot, &genesys, &integration, &message, user, recorded.entry()).await?;
    Ok(answer(status))
}

/// The transcript entry of a webhook body and what makes it unique.
fn new_entry(
    bot: &ChatbotChannel,
    session: &ChatSession,
    message: &NormalizedMessage,
    event: &AgentEvent<'_>,
) -> (TranscriptEntry, String) {
    let kind = match event {
        AgentEvent::Typing => EntryKind::Typing,
        AgentEvent::Receipt { .. } => EntryKind::Receipt,
        _ => EntryKind::Message,
    };
    let mut entry = TranscriptEntry::new(
        &bot.id,
        &session.session_id,
        &message.id,
        Direction::Agent,
        kind,
        &message.channel.time,
        crate::clock::now(),
        session.expires_at,
    );
    let mut dedupe = format!("agent#{kind:?}#{}#{}", message.id, message.channel.time);
    match event {
        AgentEvent::Message { text, attachment } => {
            entry.text = text.map(str::to_owned);
            entry.attachments = attachment
                .iter()
                .map(|a| StoredAttachment {
                    media_type: a.media_type,
                    mime: a.mime.clone(),
                    filename: a.filename.clone(),
                    source_url: a.url.clone(),
                    s3_key: None,
                    size: a.content_size_bytes,
                })
                .collect();
        }
        AgentEvent::Receipt { status } => {
            entry.status = Some((*status).to_owned());
            entry.receipt_sent = true;
            dedupe.push_str(&format!("#{status}"));
        }
        _ => entry.receipt_sent = true,
    }
    if bot.callback_url.is_none() {
        entry.delivery = Delivery::NotNeeded;
    }
    (entry, dedupe)
}

/// Does what is left for `entry`: copy attachments, call the bot back, send the receipt;
/// records what succeeded.
async fn finish(
    app: &App,
    bot: &ChatbotChannel,
    genesys: &GenesysClient,
    integration: &IntegrationId,
    message: &NormalizedMessage,
    user: &str,
    entry: &TranscriptEntry,
) -> Result<(), ApiError> {
    let started = tokio::time::Instant::now();
    let mut done = entry.clone();
    let mut copy_failed = None;
    for (i, attachment) in done.attachments.iter_mut().enumerate() {
        let Some(url) = attachment.source_url.clone().filter(|_| attachment.s3_key.is_none()) else { continue };
        let key = attachment_key(entry, i, attachment.filename.as_deref());
        let mime = attachment.mime.clone().unwrap_or_else(|| "application/octet-stream".into());
        let copied =
            tokio::time::timeout(COPY_TIMEOUT, copy_attachment(genesys, &app.blobs, &url, &key, &mime, COPY_TIMEOUT))
                .await;
        match copied {
            Ok(Ok(size)) => {
                attachment.s3_key = Some(key);
                attachment.size = Some(size);
            }
            Ok(Err(error)) => copy_failed = Some(error),
            Err(_) => copy_failed = Some("the attachment download timed out".into()),
        }
    }
    if let Some(error) = &copy_failed {
        tracing::warn!(channel = %bot.id, id = message.id, error, "attachment not copied");
    }
    let callback = async {
        match (&done.delivery, &bot.callback_url, &bot.callback_secret) {
            (Delivery::Pending | Delivery::Failed { .. }, Some(url), Some(secret)) => {
                let view = view(&app.blobs, &done).await;
                Some(match post_callback(&app.clients.callback, url.as_str(), secret, &view).await {
                    Ok(()) => Delivery::Done,
                    Err(reason) => {
                        tracing::warn!(channel = %bot.id, id = message.id, reason, "callback failed; the bot can poll");
                        Delivery::Failed { reason }
                    }
                })
            }
            _ => None,
        }
    };
    let receipt = async {
        if done.receipt_sent {
            return false;
        }
        let outcome = match &copy_failed {
            Some(_) => Err(("GeneralError", "the attachment could not be stored")),
            None => Ok(()),
        };
        send_receipt(genesys, integration, message, user, outcome).await
    };
    let left = FINISH_BUDGET.saturating_sub(started.elapsed());
    match tokio::time::timeout(left, async { tokio::join!(callback, receipt) }).await {
        Ok((delivery, receipt_sent)) => {
            if let Some(delivery) = delivery {
                done.delivery = delivery;
            }
            done.receipt_sent |= receipt_sent;
        }
        Err(_) => tracing::warn!(channel = %bot.id, id = message.id, "out of time; the rest waits for a redelivery"),
    }
    if done != *entry {
        transcript::update(&app.store, entry, |e| {
            e.attachments.clone_from(&done.attachments);
            if done.delivery != Delivery::Pending {
                e.delivery = done.delivery.clone();
            }
            e.receipt_sent |= done.receipt_sent;
        })
        .await?;
    }
    Ok(())
}

/// Where an agent's attachment is kept: under the session, named after the Genesys message.
fn attachment_key(entry: &TranscriptEntry, index: usize, filename: Option<&str>) -> String {
    let name: String = filename
        .unwrap_or("attachment")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .take(100)
        .collect();
    let id: String = entry.id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect();
    format!("chat/{}/{}/{id}/{index}-{name}", entry.channel, entry.session_id)
}

/// Sends a Delivered (`Ok`) or Failed (`Err((code, message))`) receipt; whether Genesys took it.
async fn send_receipt(
    genesys: &GenesysClient,
    integration: &IntegrationId,
    message: &NormalizedMessage,
    user: &str,
    outcome: Result<(), (&str, &str)>,
) -> bool {
    let (status, reasons) = match outcome {
        Ok(()) => (ReceiptStatus::Delivered, Vec::new()),
        Err((code, text)) => {
            (ReceiptStatus::Failed, vec![Reason { code: Some(code.to_owned()), message: text.to_owned() }])
        }
    };
    let id_type = message.channel.to.as_ref().and_then(|t| t.id_type.clone());
    let receipt = InboundReceipt {
        id: message.id.clone(),
        channel: ReceiptChannel {
            to: ToRecipient { id: user.to_owned(), id_type },
            time: crate::genesys::conversations::wire_time(crate::clock::now()),
        },
        status,
        reasons,
        is_final_receipt: true,
    };
    match genesys.send_receipt(integration, &receipt).await {
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(id = message.id, %error, "receipt not sent");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::session::SessionId;
    use crate::config::common::ChannelId;

    #[test]
    fn attachment_keys_keep_only_safe_characters() {
        let channel = ChannelId::try_from("bot".to_string()).expect("id");
        let session = SessionId::parse("s-1", "id").expect("session");
        let entry = TranscriptEntry::new(
            &channel,
            &session,
            "g/../1?x",
            Direction::Agent,
            EntryKind::Message,
            "t",
            time::OffsetDateTime::UNIX_EPOCH,
            0,
        );
        assert_eq!(attachment_key(&entry, 0, Some("../rapport final.pdf")), "chat/bot/s-1/g1x/0-.._rapport_final.pdf");
        assert_eq!(attachment_key(&entry, 2, None), "chat/bot/s-1/g1x/2-attachment");
    }
}
