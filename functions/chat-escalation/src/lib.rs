//! The chatbot's API for live chat with Genesys Cloud agents, authenticated by the bot
//! channel's API key (`X-API-Key`):
//!
//! - `POST /chat/sessions` starts an escalation (user, skill, variables);
//! - `POST /chat/sessions/{id}/messages` posts the user's text, attachments or typing to the
//!   agent as open messages, through the integration of the session's skill;
//! - `GET /chat/sessions/{id}/messages?after=<cursor>` reads the transcript (both directions,
//!   oldest first): how the bot gets the agent's replies without a callback.

use std::sync::Arc;

use ccbridge::chat::delivery::{MessageView, view};
use ccbridge::chat::escalation::{
    PostRequest, StartRequest, UserPost, inbound_message, session_integration, start_session, typing_event,
};
use ccbridge::chat::{authenticate_bot, genesys_client, now_iso, retention_expiry};
use ccbridge::config::ChatbotChannel;
use ccbridge::error::json_error;
use ccbridge::genesys::RetryPolicy;
use ccbridge::http::{Request, Response, body, json_response, parse_json, path_param, query_pairs};
use ccbridge::store::Written;
use ccbridge::store::chat_sessions::{self, ChatSession, SessionId};
use ccbridge::store::transcripts::{
    self, After, Delivery, Direction, EntryKind, Recorded, StoredAttachment, TranscriptEntry,
};
use ccbridge::{ApiError, App, HttpFunction, Route};
use http::{Method, StatusCode};
use serde::Serialize;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "chat-escalation",
    routes: &[
        Route::post("/chat/sessions"),
        Route::post("/chat/sessions/{id}/messages"),
        Route::get("/chat/sessions/{id}/messages"),
    ],
    handler: |app, req| Box::pin(handle(app, req)),
    render_error: json_error,
};

/// Default and largest page of `GET …/messages`.
const DEFAULT_PAGE: i32 = 50;
const MAX_PAGE: i32 = 200;

async fn handle(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    let bot = authenticate_bot(&app.config, &req)?;
    match (req.method(), path_param(&req, "id").ok()) {
        (&Method::POST, None) => start(&app, bot, &req).await,
        (&Method::POST, Some(id)) => post_message(&app, bot, &load_session(&app, bot, id).await?, &req).await,
        (&Method::GET, Some(id)) => read_messages(&app, bot, &load_session(&app, bot, id).await?, &req).await,
        (method, _) => Err(ApiError::MethodNotAllowed { method: method.to_string(), allowed: "GET, POST" }),
    }
}

#[derive(Debug, Serialize)]
struct SessionView<'a> {
    session_id: &'a str,
    user_id: &'a str,
    skill: Option<&'a str>,
    integration_id: &'a str,
    created_at: &'a str,
}

fn session_view(session: &ChatSession) -> SessionView<'_> {
    SessionView {
        session_id: session.session_id.as_str(),
        user_id: &session.user_id,
        skill: session.skill.as_deref(),
        integration_id: &session.integration_id,
        created_at: &session.created_at,
    }
}

/// 201 with the new session; 200 with the stored one when the bot repeats a start with the
/// same `session_id`; 409 when that id belongs to another user.
async fn start(app: &App, bot: &ChatbotChannel, req: &Request) -> Result<Response, ApiError> {
    let request: StartRequest = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let session = start_session(&app.store, bot, request, &now_iso(), retention_expiry()).await?;
    if app.store.put_new(&session).await? == Written::Created {
        tracing::info!(channel = %bot.id, session = %session.session_id, skill = session.skill, "escalation started");
        return Ok(json_response(StatusCode::CREATED, &session_view(&session)));
    }
    let stored = chat_sessions::get(&app.store, bot.id.as_str(), &session.session_id)
        .await?
        .ok_or_else(|| ApiError::Unavailable("the session vanished after a conflicting write".into()))?;
    if stored.user_id != session.user_id {
        return Err(ApiError::Conflict(format!("session {} belongs to another user", session.session_id)));
    }
    Ok(json_response(StatusCode::OK, &session_view(&stored)))
}

async fn load_session(app: &App, bot: &ChatbotChannel, id: &str) -> Result<ChatSession, ApiError> {
    let id = SessionId::parse(id, "path.id")?;
    chat_sessions::get(&app.store, bot.id.as_str(), &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no session {id}")))
}

/// Typing goes straight through (202). A message is recorded first (once per `message_id`),
/// then posted to Genesys and marked sent: 201, or 200 when a retry finds it already sent.
async fn post_message(
    app: &App,
    bot: &ChatbotChannel,
    session: &ChatSession,
    req: &Request,
) -> Result<Response, ApiError> {
    let request: PostRequest = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let genesys = genesys_client(&app.config, bot, RetryPolicy::default())?;
    let integration = session_integration(session)?;
    let now = now_iso();
    let (id, text, attachments) = match request.validate()? {
        UserPost::Typing { duration_ms } => {
            genesys.send_inbound_event(&integration, &typing_event(session, duration_ms, &now)).await?;
            return Ok(json_response(StatusCode::ACCEPTED, &serde_json::json!({"status": "sent"})));
        }
        UserPost::Message { id, text, attachments } => (id, text, attachments),
    };
    let mut entry = TranscriptEntry::new(
        bot.id.as_str(),
        &session.session_id,
        &id,
        Direction::User,
        EntryKind::Message,
        &now,
        &now,
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
    let recorded = transcripts::record(&app.store, entry, &format!("user#{id}")).await?;
    let (entry, status) = match recorded {
        Recorded::Existing(entry) if entry.delivery == Delivery::Done => (entry, StatusCode::OK),
        Recorded::Existing(entry) | Recorded::New(entry) => {
            let message = inbound_message(session, &id, entry.text.clone(), attachments, &entry.at);
            let sent = genesys.send_inbound_message(&integration, &message).await?;
            let updated = transcripts::update(&app.store, &entry, |e| {
                e.delivery = Delivery::Done;
                e.genesys_id = Some(sent.id.clone());
            })
            .await?;
            (updated.unwrap_or(entry), StatusCode::CREATED)
        }
    };
    Ok(json_response(status, &view(&app.blobs, &entry).await))
}

#[derive(Debug, Serialize)]
struct Page {
    messages: Vec<MessageView>,
    /// Pass as `after` next time; unchanged when nothing new arrived.
    next: Option<String>,
}

async fn read_messages(
    app: &App,
    bot: &ChatbotChannel,
    session: &ChatSession,
    req: &Request,
) -> Result<Response, ApiError> {
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
    let entries = transcripts::list(&app.store, bot.id.as_str(), &session.session_id, after.as_ref(), limit).await?;
    let mut messages = Vec::with_capacity(entries.len());
    for entry in &entries {
        messages.push(view(&app.blobs, entry).await);
    }
    let next = messages.last().map(|m| m.cursor.clone()).or(cursor);
    Ok(json_response(StatusCode::OK, &Page { messages, next }))
}
