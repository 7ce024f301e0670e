//! The chatbot's API for live chat with Genesys Cloud agents, authenticated by the bot
//! channel's API key (`X-API-Key`):
//!
//! - [`start`]: `POST /chat/sessions` starts an escalation (user, skill, variables);
//! - [`post_message`]: `POST /chat/sessions/{id}/messages` posts the user's text, attachments
//!   or typing to the agent as open messages, through the integration of the session's skill;
//! - [`read_messages`]: `GET /chat/sessions/{id}/messages?after=<cursor>` reads the transcript
//!   (both directions, oldest first): how the bot gets the agent's replies without a callback.

use http::StatusCode;
use serde::Serialize;

use super::config::ChatbotChannel;
use super::delivery::{MessageView, view};
use super::escalation::{PostRequest, StartRequest, UserPost, inbound_message, start_session, typing_event};
use super::session::{ChatSession, SessionId};
use super::transcript::{self, After, Delivery, Direction, EntryKind, Recorded, StoredAttachment, TranscriptEntry};
use super::{authenticate_bot, genesys_client, retention_expiry};
use crate::clock::micros;
use crate::genesys::RetryPolicy;
use crate::http::{Request, Response, body, json_response, parse_json, path_param, query_pairs};
use crate::store::Written;
use crate::{ApiError, App};

/// Default and largest page of `GET …/messages`.
const DEFAULT_PAGE: i32 = 50;
const MAX_PAGE: i32 = 200;

/// A live chat session as the bot sees it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView<'a> {
    session_id: &'a str,
    user_id: &'a str,
    skill: Option<&'a str>,
    integration_id: &'a str,
    created_at: String,
}

fn session_view(session: &ChatSession) -> SessionView<'_> {
    SessionView {
        session_id: session.session_id.as_str(),
        user_id: &session.user_id,
        skill: session.skill.as_deref(),
        integration_id: session.integration_id.as_str(),
        created_at: micros(session.created_at),
    }
}

/// `POST /chat/sessions`: 201 with the new session; 200 with the stored one when the bot repeats a start with the
/// same `session_id`; 409 when that id belongs to another user.
pub async fn start(app: &App, req: &Request) -> Result<Response, ApiError> {
    let bot = authenticate_bot(app, req)?;
    let request: StartRequest = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let variables = request.variables.clone();
    let now = crate::clock::now();
    let session = start_session(&app.store, bot, request, now, retention_expiry()).await?;
    let activity = super::activity::projection(bot, &session, &variables, now).writes(&app.store, None)?;
    if session.create(&app.store, activity).await? == Written::Created {
        tracing::info!(channel = %bot.id, session = %session.session_id, skill = session.skill, "escalation started");
        return Ok(json_response(StatusCode::CREATED, &session_view(&session)));
    }
    let stored = ChatSession::get(&app.store, &bot.id, &session.session_id)
        .await?
        .ok_or_else(|| ApiError::Unavailable("the session vanished after a conflicting write".into()))?;
    if stored.user_id != session.user_id {
        return Err(ApiError::Conflict(format!("session {} belongs to another user", session.session_id)));
    }
    Ok(json_response(StatusCode::OK, &session_view(&stored)))
}

/// The bot of the request and the session its path names.
async fn load_session<'a>(app: &'a App, req: &Request) -> Result<(&'a ChatbotChannel, ChatSession), ApiError> {
    let bot = authenticate_bot(app, req)?;
    let id = SessionId::parse(path_param(req, "id")?, "path.id")?;
    let session = ChatSession::get(&app.store, &bot.id, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no session {id}")))?;
    Ok((bot, session))
}

/// `POST /chat/sessions/{id}/messages`. Typing goes straight through (202). A message is recorded first (once per `message_id`),
/// then posted to Genesys and marked sent: 201, or 200 when a retry finds it already sent.
pub async fn post_message(app: &App, req: &Request) -> Result<Response, ApiError> {
    let (bot, session) = load_session(app, req).await?;
    let session = &session;
    let request: PostRequest = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let genesys = genesys_client(app, bot, RetryPolicy::default())?;
    let integration = &session.integration_id;
    let received = crate::clock::now();
    let now = micros(received);
    let (id, text, attachments) = match request.validate()? {
        UserPost::Typing { duration_ms } => {
            genesys.send_inbound_event(integration, &typing_event(session, duration_ms, received)).await?;
            return Ok(json_response(StatusCode::ACCEPTED, &serde_json::json!({"status": "sent"})));
        }
        UserPost::Message { id, text, attachments } => (id, text, attachments),
    };
    let mut entry = TranscriptEntry::new(
        &bot.id,
        &session.session_id,
        &id,
        Direction::User,
        EntryKind::Message,
        &now,
        received,
        session.expires_at,
    );
    entry.text = text.clone();
    entry.attachments = attachments
        .iter()
        .map(|a| StoredAttachment {
            media_type: a.media_type,
            mime: Some(a.mime.clone()),
            filename: a.filename.clone(),
            source_url: Some(a.url.clone()),
            s3_key: None,
            size: None,
        })
        .collect();
    let recorded = transcript::record(&app.store, entry, &format!("user#{id}")).await?;
    let (entry, status) = match recorded {
        Recorded::Existing(entry) if entry.delivery == Delivery::Done => (entry, StatusCode::OK),
        Recorded::Existing(entry) | Recorded::New(entry) => {
            let message = inbound_message(session, &id, entry.text.clone(), attachments, entry.received_at);
            let sent = genesys.send_inbound_message(integration, &message).await?;
            let updated = transcript::update(&app.store, &entry, |e| {
                e.delivery = Delivery::Done;
                e.genesys_id = Some(sent.id.clone());
            })
            .await?;
            (updated.unwrap_or(entry), StatusCode::CREATED)
        }
    };
    Ok(json_response(status, &view(&app.blobs, &entry).await))
}

/// A page of the transcript.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page {
    messages: Vec<MessageView>,
    /// Pass as `after` next time; unchanged when nothing new arrived.
    next: Option<String>,
}

pub async fn read_messages(app: &App, req: &Request) -> Result<Response, ApiError> {
    let (bot, session) = load_session(app, req).await?;
    let mut after = None;
    let mut cursor = None;
    let mut limit = DEFAULT_PAGE;
    for (name, value) in query_pairs(req) {
        match name.as_str() {
            "after" if !value.is_empty() => {
                after = Some(After::decode(&value)?);
                cursor = Some(value);
            }
            "limit" => {
                limit = value.parse().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| {
                    ApiError::bad_request("invalid_field", format!("query.limit: must be 1 to {MAX_PAGE}"))
                })?;
            }
            _ => {}
        }
    }
    let entries = transcript::list(&app.store, &bot.id, &session.session_id, after.as_ref(), limit).await?;
    let mut messages = Vec::with_capacity(entries.len());
    for entry in &entries {
        messages.push(view(&app.blobs, entry).await);
    }
    let next = messages.last().map(|m| m.cursor.clone()).or(cursor);
    Ok(json_response(StatusCode::OK, &Page { messages, next }))
}
