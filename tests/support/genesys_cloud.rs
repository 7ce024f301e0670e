//! A local Genesys Cloud that enforces the documented contract, for tests of everything that
//! calls the Platform API (open messaging now, conversation events and recordings later).
//!
//! - `POST /oauth/token`: Basic auth with the client's id and secret, a form body with
//!   `grant_type=client_credentials`; tokens expire after [`GenesysCloud::set_token_lifetime`]
//!   and can be revoked, after which the API answers 401.
//! - Open messaging: inbound `message`, `event` and `receipt` with their REQUIRED fields and
//!   only schema fields; integration CRUD with the > 15 character secret rule; attachment
//!   downloads.
//! - Conversation event injection (`POST /api/v2/events/conversations`): only the voice event
//!   arrays, every REQUIRED field (V4 UUID ids, ISO-8601 UTC times, configurations, the
//!   `disconnectType` enum); events are kept by `eventId`, so a repeated event is not a second one.
//! - Recording upload (`POST /api/v2/uploads/recordings`): the `fileName` rules, the timeout
//!   range and `AES256`; it answers a presigned URL on this server whose PUT must carry the
//!   headers named and a body matching `Content-MD5`.
//! - Scripted failures (429 with `Retry-After`, 5xx, slow answers) for the next matching call.
//! - Every call is recorded, so tests assert on what was received, not on what was sent.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Value, json};

/// The OAuth client the server accepts (the tests' configuration uses it).
pub const CLIENT_ID: &str = "local-client-id";
pub const CLIENT_SECRET: &str = "local-client-secret";

/// One call the server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The JSON body, or the raw text as a string.
    pub body: Value,
    /// The status answered; 0 while unanswered (or when the caller gave up first).
    pub status: u16,
    pub at: Instant,
}

#[derive(Debug)]
struct Scripted {
    path_contains: String,
    status: u16,
    retry_after: Option<u64>,
    delay: Option<Duration>,
}

#[derive(Debug)]
struct ServerState {
    token_lifetime: u64,
    tokens: HashMap<String, Instant>,
    token_requests: u32,
    integrations: BTreeMap<String, Value>,
    received: Vec<Received>,
    script: VecDeque<Scripted>,
    downloads: HashMap<String, (String, Vec<u8>)>,
    /// Injected events by `eventId`, in arrival order of their first delivery.
    events: Vec<(String, String, Value)>,
    /// Presigned uploads handed out: key → (headers the PUT must carry).
    upload_urls: HashMap<String, BTreeMap<String, String>>,
    /// Files PUT to presigned URLs: (upload key, file name, bytes).
    uploads: Vec<(String, Vec<u8>)>,
    /// `http://127.0.0.1:<port>`, for the presigned URLs.
    base_url: String,
}

type Shared = Arc<Mutex<ServerState>>;

/// A running server; stops when dropped.
pub struct GenesysCloud {
    url: String,
    state: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for GenesysCloud {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl GenesysCloud {
    /// Starts on an ephemeral port of 127.0.0.1.
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(ServerState {
            token_lifetime: 86_400,
            tokens: HashMap::new(),
            token_requests: 0,
            integrations: BTreeMap::new(),
            received: Vec::new(),
            script: VecDeque::new(),
            downloads: HashMap::new(),
            events: Vec::new(),
            upload_urls: HashMap::new(),
            uploads: Vec::new(),
            base_url: String::new(),
        }));
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.expect("bind Genesys");
        let addr = listener.local_addr().expect("address");
        state.lock().expect("state").base_url = format!("http://{addr}");
        let router = axum::Router::new().fallback(handle).with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { url: format!("http://{addr}"), state, task }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ServerState> {
        self.state.lock().expect("state")
    }

    /// The base URL, both API and login.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `api_base_url`/`login_base_url` lines pointing a genesys_cloud channel here.
    pub fn channel_toml(&self) -> String {
        format!("api_base_url = \"{0}\"\nlogin_base_url = \"{0}\"\n", self.url)
    }

    /// `expires_in` of the tokens issued from now on.
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.state().token_lifetime = seconds;
    }

    /// Expires every token issued so far: the next API call with one gets 401.
    pub fn revoke_tokens(&self) {
        self.state().tokens.clear();
    }

    pub fn token_requests(&self) -> u32 {
        self.state().token_requests
    }

    /// The next call whose path contains `path_contains` gets `status` (with `Retry-After`).
    pub fn fail_next(&self, path_contains: &str, status: u16, retry_after: Option<u64>) {
        self.state().script.push_back(Scripted {
            path_contains: path_contains.into(),
            status,
            retry_after,
            delay: None,
        });
    }

    /// The next call whose path contains `path_contains` is answered only after `delay`.
    pub fn delay_next(&self, path_contains: &str, delay: Duration) {
        self.state().script.push_back(Scripted {
            path_contains: path_contains.into(),
            status: 0,
            retry_after: None,
            delay: Some(delay),
        });
    }

    /// An open-messaging integration that exists already (made by hand in the admin UI).
    pub fn add_integration(&self, name: &str, webhook_url: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        self.add_integration_with_id(&id, name, webhook_url);
        id
    }

    /// [`GenesysCloud::add_integration`] with a known id (sample events name it).
    pub fn add_integration_with_id(&self, id: &str, name: &str, webhook_url: &str) {
        self.state().integrations.insert(id.into(), integration_json(id, name, webhook_url, "Completed"));
    }

    /// The test configuration with the Genesys Cloud channel pointing here and `bot_extra`
    /// appended to the chatbot channel (the last one).
    pub fn config(&self, bot_extra: &str) -> String {
        let genesys = format!("client_secret = \"{CLIENT_SECRET}\"\n{}", self.channel_toml());
        let config = crate::CONFIG.replacen(&format!("client_secret = \"{CLIENT_SECRET}\"\n"), &genesys, 1);
        format!("{config}{bot_extra}")
    }

    pub fn integrations(&self) -> Vec<Value> {
        self.state().integrations.values().cloned().collect()
    }

    /// A file an agent attached; returns its download link.
    pub fn add_download(&self, mime: &str, bytes: &[u8]) -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.state().downloads.insert(id.clone(), (mime.into(), bytes.to_vec()));
        format!("{}/api/v2/downloads/{id}", self.url)
    }

    /// Injected conversation events, once per `eventId`: (array name, eventId, event).
    pub fn injected_events(&self) -> Vec<(String, String, Value)> {
        self.state().events.clone()
    }

    /// Recording files PUT to presigned URLs: (upload key, bytes).
    pub fn uploaded_recordings(&self) -> Vec<(String, Vec<u8>)> {
        self.state().uploads.clone()
    }

    pub fn received(&self) -> Vec<Received> {
        self.state().received.clone()
    }

    /// The calls whose path contains `part`.
    pub fn received_on(&self, part: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.path.contains(part)).collect()
    }
}

fn integration_json(id: &str, name: &str, webhook_url: &str, status: &str) -> Value {
    json!({
        "id": id, "name": name, "outboundNotificationWebhookUrl": webhook_url, "createStatus": status,
        "selfUri": format!("/api/v2/conversations/messaging/integrations/open/{id}"),
    })
}

fn reply(status: u16, body: Value, retry_after: Option<u64>) -> Response {
    let correlation = uuid::Uuid::new_v4().to_string();
    let mut body = body;
    if status >= 400
        && let Some(object) = body.as_object_mut()
    {
        object.entry("contextId").or_insert(json!(correlation));
    }
    let mut response =
        (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("inin-correlation-id", HeaderValue::from_str(&correlation).expect("header"));
    if let Some(seconds) = retry_after {
        headers.insert("retry-after", HeaderValue::from(seconds));
    }
    response
}

fn error(status: u16, code: &str, message: &str) -> Response {
    reply(status, json!({"message": message, "code": code, "status": status, "details": [], "errors": []}), None)
}

async fn handle(State(state): State<Shared>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 10 * 1024 * 1024).await.unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    let index = {
        let mut state = state.lock().expect("state");
        state.received.push(Received {
            method: method.clone(),
            path: path.clone(),
            query: parts.uri.query().map(str::to_owned),
            body,
            status: 0,
            at: Instant::now(),
        });
        state.received.len() - 1
    };
    let scripted = {
        let mut state = state.lock().expect("state");
        let at = state.script.iter().position(|s| path.contains(&s.path_contains));
        at.and_then(|i| state.script.remove(i))
    };
    let response = match scripted {
        Some(Scripted { delay: Some(delay), .. }) => {
            tokio::time::sleep(delay).await;
            route(&state, &method, &path, parts.uri.query(), &parts.headers, &bytes)
        }
        Some(Scripted { status: 429, retry_after, .. }) => {
            let seconds = retry_after.unwrap_or(1);
            let message = format!("Rate limit exceeded the maximum. Retry the request in [{seconds}] seconds");
            reply(
                429,
                json!({"message": message, "code": "too.many.requests.retry.after", "status": 429, "details": [], "errors": []}),
                retry_after,
            )
        }
        Some(Scripted { status, .. }) => {
            let code = if status == 503 { "service.unavailable" } else { "internal.server.error" };
            error(status, code, "The service is unavailable")
        }
        None => route(&state, &method, &path, parts.uri.query(), &parts.headers, &bytes),
    };
    state.lock().expect("state").received[index].status = response.status().as_u16();
    response
}

fn route(state: &Shared, method: &str, path: &str, query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Response {
    if path == "/oauth/token" {
        return token(state, method, headers, body);
    }
    if let Some(key) = path.strip_prefix("/presigned/") {
        return presigned_put(state, method, key, headers, body);
    }
    if !path.starts_with("/api/v2/") {
        return error(404, "not.found", "no such resource");
    }
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let Some(bearer) = bearer else {
        return error(
            401,
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        );
    };
    let valid = state.lock().expect("state").tokens.get(bearer).is_some_and(|expiry| Instant::now() < *expiry);
    if !valid {
        return error(401, "bad.credentials", "Invalid login credentials.");
    }
    let segments: Vec<&str> = path.trim_start_matches("/api/v2/").split('/').collect();
    match (method, segments.as_slice()) {
        ("POST", ["conversations", "messages", integration, "inbound", "open", what]) => {
            inbound(state, integration, what, body)
        }
        (_, ["conversations", "messaging", "integrations", "open", rest @ ..]) => {
            integrations(state, method, rest, query, body)
        }
        ("POST", ["events", "conversations"]) => conversation_events(state, body),
        ("POST", ["uploads", "recordings"]) => upload_url(state, body),
        ("GET", ["downloads", id]) => match state.lock().expect("state").downloads.get(*id) {
            Some((mime, bytes)) => {
                let mut response = (StatusCode::OK, bytes.clone()).into_response();
                response.headers_mut().insert("content-type", HeaderValue::from_str(mime).expect("mime"));
                response
            }
            None => error(404, "not.found", "no such download"),
        },
        _ => error(404, "not.found", "no such resource"),
    }
}

fn token(state: &Shared, method: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let oauth = |status: u16, error: &str, description: &str| {
        reply(status, json!({"error": error, "description": description, "error_description": description}), None)
    };
    if method != "POST" {
        return oauth(405, "invalid_request", "POST only");
    }
    let expected = format!("Basic {}", BASE64.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return oauth(401, "invalid_client", "client authentication failed");
    }
    let form = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !form.starts_with("application/x-www-form-urlencoded") {
        return oauth(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    }
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(body);
    if !pairs.iter().any(|(k, v)| k == "grant_type" && v == "client_credentials") {
        return oauth(400, "unsupported_grant_type", "grant_type must be client_credentials");
    }
    let mut state = state.lock().expect("state");
    let token = uuid::Uuid::new_v4().to_string();
    let lifetime = state.token_lifetime;
    state.tokens.insert(token.clone(), Instant::now() + Duration::from_secs(lifetime));
    state.token_requests += 1;
    reply(200, json!({"access_token": token, "token_type": "bearer", "expires_in": lifetime}), None)
}

fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

type Check = Result<(), String>;

fn only_fields(value: &Value, at: &str, allowed: &[&str]) -> Check {
    let object = value.as_object().ok_or(format!("{at} must be an object"))?;
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(format!("{at}.{unknown} is not a property of the schema")),
        None => Ok(()),
    }
}

fn required_str<'a>(value: &'a Value, at: &str, field: &str) -> Result<&'a str, String> {
    match value.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(format!("{at}.{field} must be a non-empty string")),
        None => Err(format!("should have required property '{at}.{field}'")),
    }
}

fn iso_time(value: &Value, at: &str) -> Check {
    let time = required_str(value, at, "time")?;
    let b = time.as_bytes();
    let ok = b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && time.ends_with('Z');
    if ok { Ok(()) } else { Err(format!("{at}.time {time:?} is not an ISO-8601 UTC date-time")) }
}

fn recipient_from(channel: &Value) -> Check {
    let from = channel.get("from").ok_or("should have required property 'channel.from'")?;
    only_fields(from, "channel.from", &["id", "idType", "nickname", "firstName", "lastName", "image", "email"])?;
    required_str(from, "channel.from", "id")?;
    let id_type = required_str(from, "channel.from", "idType")?;
    if !["email", "phone", "opaque"].contains(&id_type.to_ascii_lowercase().as_str()) {
        return Err(format!("channel.from.idType {id_type:?} is not one of Email, Phone, Opaque"));
    }
    Ok(())
}

fn check_message(body: &Value) -> Check {
    only_fields(body, "body", &["channel", "text", "content", "metadata"])?;
    let channel = body.get("channel").ok_or("should have required property 'channel'")?;
    only_fields(channel, "channel", &["from", "time", "messageId", "metadata"])?;
    recipient_from(channel)?;
    iso_time(channel, "channel")?;
    if let Some(attributes) = channel.pointer("/metadata/customAttributes") {
        let strings = attributes.as_object().is_some_and(|m| m.values().all(Value::is_string));
        if !strings {
            return Err("channel.metadata.customAttributes must map strings to strings".into());
        }
    }
    let text = body.get("text").and_then(Value::as_str).is_some_and(|t| !t.is_empty());
    let content = body.get("content").and_then(Value::as_array).cloned().unwrap_or_default();
    if !text && content.is_empty() {
        return Err("should have required property 'content', should have required property '.text', should match some schema in anyOf".into());
    }
    for (i, item) in content.iter().enumerate() {
        let at = format!("content[{i}].attachment");
        let attachment = item.get("attachment").ok_or(format!("should have required property '{at}'"))?;
        let media = required_str(attachment, &at, "mediaType")?;
        if !["Image", "Video", "Audio", "File", "Link"].contains(&media) {
            return Err(format!("{at}.mediaType {media:?} is not allowed"));
        }
        required_str(attachment, &at, "url")?;
        required_str(attachment, &at, "mime")?;
    }
    Ok(())
}

fn check_event(body: &Value) -> Check {
    only_fields(body, "body", &["channel", "events"])?;
    let channel = body.get("channel").ok_or("should have required property 'channel'")?;
    recipient_from(channel)?;
    iso_time(channel, "channel")?;
    let events = body.get("events").and_then(Value::as_array).filter(|e| !e.is_empty());
    for event in events.ok_or("should have required property 'events'")? {
        if event.get("eventType").and_then(Value::as_str) != Some("Typing") {
            return Err("events[].eventType must be Typing".into());
        }
        if let Some(typing) = event.get("typing")
            && typing.get("type").and_then(Value::as_str) != Some("On")
        {
            return Err("events[].typing.type must be On".into());
        }
    }
    Ok(())
}

fn check_receipt(body: &Value) -> Check {
    only_fields(body, "body", &["id", "channel", "status", "reasons", "isFinalReceipt"])?;
    required_str(body, "body", "id")?;
    let channel = body.get("channel").ok_or("should have required property 'channel'")?;
    let to = channel.get("to").ok_or("should have required property 'channel.to'")?;
    required_str(to, "channel.to", "id")?;
    iso_time(channel, "channel")?;
    let status = required_str(body, "body", "status")?;
    match status {
        "Delivered" => Ok(()),
        "Failed" => {
            let reasons = body.get("reasons").and_then(Value::as_array).filter(|r| !r.is_empty());
            let reasons = reasons.ok_or("a Failed receipt needs reasons")?;
            reasons.iter().try_for_each(|r| required_str(r, "reasons[]", "message").map(|_| ()))
        }
        other => Err(format!("status {other:?}: this endpoint supports Delivered and Failed")),
    }
}

fn inbound(state: &Shared, integration: &str, what: &str, body: &[u8]) -> Response {
    if !state.lock().expect("state").integrations.contains_key(integration) {
        return error(404, "not.found", "integration not found");
    }
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return error(400, "bad.request", "The request could not be understood by the server due to malformed syntax.");
    };
    let (checked, kind) = match what {
        "message" => (check_message(&body), "Text"),
        "event" => (check_event(&body), "Event"),
        "receipt" => (check_receipt(&body), "Receipt"),
        _ => return error(404, "not.found", "no such resource"),
    };
    if let Err(message) = checked {
        return error(400, "bad.request", &message);
    }
    let mut answer = body.clone();
    let object = answer.as_object_mut().expect("checked object");
    if what != "receipt" {
        object.insert("id".into(), json!(uuid::Uuid::new_v4().simple().to_string()));
    }
    object.insert("type".into(), json!(kind));
    object.insert("direction".into(), json!(if what == "receipt" { "Outbound" } else { "Inbound" }));
    if let Some(channel) = object.get_mut("channel").and_then(Value::as_object_mut) {
        channel.insert("id".into(), json!(integration));
        channel.insert("platform".into(), json!("Open"));
        channel.insert("type".into(), json!("Private"));
    }
    reply(200, answer, None)
}

fn integration_request(body: &[u8], create: bool) -> Result<Value, String> {
    let body: Value = serde_json::from_slice(body).map_err(|_| "malformed JSON".to_string())?;
    only_fields(
        &body,
        "body",
        &[
            "name",
            "outboundNotificationWebhookUrl",
            "outboundNotificationWebhookSignatureSecretToken",
            "webhookHeaders",
            "supportedContent",
            "messagingSetting",
        ],
    )?;
    required_str(&body, "body", "name")?;
    if create || body.get("outboundNotificationWebhookUrl").is_some() {
        let url = required_str(&body, "body", "outboundNotificationWebhookUrl")?;
        if !url.starts_with("https://") {
            return Err("outboundNotificationWebhookUrl must be an https URL on port 443".into());
        }
    }
    if create || body.get("outboundNotificationWebhookSignatureSecretToken").is_some() {
        let secret = required_str(&body, "body", "outboundNotificationWebhookSignatureSecretToken")?;
        if secret.chars().count() <= 15 {
            return Err("outboundNotificationWebhookSignatureSecretToken must be longer than 15 characters".into());
        }
    }
    Ok(body)
}

fn integrations(state: &Shared, method: &str, rest: &[&str], query: Option<&str>, body: &[u8]) -> Response {
    let mut state = state.lock().expect("state");
    match (method, rest) {
        ("GET", []) => {
            let params: HashMap<String, String> =
                serde_urlencoded_pairs(query.unwrap_or_default().as_bytes()).into_iter().collect();
            let size: usize = params.get("pageSize").and_then(|v| v.parse().ok()).unwrap_or(25).clamp(1, 100);
            let number: usize = params.get("pageNumber").and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
            let all: Vec<Value> = state.integrations.values().cloned().collect();
            let page: Vec<Value> = all.iter().skip((number - 1) * size).take(size).cloned().collect();
            let pages = all.len().div_ceil(size);
            reply(
                200,
                json!({"entities": page, "pageSize": size, "pageNumber": number, "total": all.len(), "pageCount": pages}),
                None,
            )
        }
        ("POST", []) => match integration_request(body, true) {
            Ok(request) => {
                let id = uuid::Uuid::new_v4().to_string();
                let name = request["name"].as_str().unwrap_or_default();
                let url = request["outboundNotificationWebhookUrl"].as_str().unwrap_or_default();
                state.integrations.insert(id.clone(), integration_json(&id, name, url, "Completed"));
                reply(200, integration_json(&id, name, url, "Initiated"), None)
            }
            Err(message) => error(400, "bad.request", &message),
        },
        (_, [id]) if !state.integrations.contains_key(*id) => error(404, "not.found", "integration not found"),
        ("GET", [id]) => reply(200, state.integrations[*id].clone(), None),
        ("PATCH", [id]) => match integration_request(body, false) {
            Ok(request) => {
                let stored = state.integrations.get_mut(*id).expect("checked");
                stored["name"] = request["name"].clone();
                if let Some(url) = request.get("outboundNotificationWebhookUrl") {
                    stored["outboundNotificationWebhookUrl"] = url.clone();
                }
                reply(200, stored.clone(), None)
            }
            Err(message) => error(400, "bad.request", &message),
        },
        ("DELETE", [id]) => {
            state.integrations.remove(*id);
            (StatusCode::NO_CONTENT, "").into_response()
        }
        _ => error(404, "not.found", "no such resource"),
    }
}

/// Voice event arrays and the fields each event type allows beyond the common ones.
const VOICE_EVENTS: &[(&str, &[&str])] = &[
    (
        "externalEstablishedEvents",
        &["ani", "aniName", "dnis", "dnisName", "initialConfiguration", "sourceConfiguration"],
    ),
    ("communicationAnsweredEvents", &[]),
    ("communicationEndedEvents", &["disconnectType", "destinationConversationId"]),
    ("holdUpdatedEvents", &["held"]),
];

const DISCONNECT_TYPES: &[&str] = &[
    "Error",
    "Peer",
    "Self",
    "System",
    "Transfer",
    "TransferACD",
    "TransferConference",
    "TransferConsult",
    "TransferUser",
];

fn v4_uuid(value: &Value, at: &str, field: &str) -> Check {
    let text = required_str(value, at, field)?;
    match uuid::Uuid::parse_str(text) {
        Ok(id) if id.get_version_num() == 4 => Ok(()),
        _ => Err(format!("{at}.{field} {text:?} is not a V4 UUID")),
    }
}

fn check_voice_event(kind: &str, event: &Value, at: &str) -> Check {
    let extra = VOICE_EVENTS.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f).unwrap_or(&[]);
    let mut allowed = vec!["eventId", "eventDateTime", "conversationId", "communicationId"];
    allowed.extend_from_slice(extra);
    only_fields(event, at, &allowed)?;
    v4_uuid(event, at, "eventId")?;
    v4_uuid(event, at, "conversationId")?;
    v4_uuid(event, at, "communicationId")?;
    let time = required_str(event, at, "eventDateTime")?;
    let b = time.as_bytes();
    if !(b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && time.ends_with('Z')) {
        return Err(format!("{at}.eventDateTime {time:?} is not an ISO-8601 UTC date-time"));
    }
    match kind {
        "externalEstablishedEvents" => {
            let initial = event
                .get("initialConfiguration")
                .ok_or(format!("should have required property '{at}.initialConfiguration'"))?;
            only_fields(
                initial,
                &format!("{at}.initialConfiguration"),
                &["audioState", "alerting", "inbound", "invitedBy", "recordingActive", "additionalInfo"],
            )?;
            let source = event
                .get("sourceConfiguration")
                .ok_or(format!("should have required property '{at}.sourceConfiguration'"))?;
            let at = format!("{at}.sourceConfiguration");
            only_fields(source, &at, &["sourceId", "interactionId", "tagId"])?;
            required_str(source, &at, "sourceId")?;
            required_str(source, &at, "interactionId")?;
        }
        "communicationEndedEvents" => {
            let disconnect = required_str(event, at, "disconnectType")?;
            if !DISCONNECT_TYPES.contains(&disconnect) {
                return Err(format!("{at}.disconnectType {disconnect:?} is not one of {DISCONNECT_TYPES:?}"));
            }
        }
        "holdUpdatedEvents" if !event.get("held").is_some_and(Value::is_boolean) => {
            return Err(format!("should have required property '{at}.held'"));
        }
        _ => {}
    }
    Ok(())
}

fn conversation_events(state: &Shared, body: &[u8]) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return error(400, "bad.request", "The request could not be understood by the server due to malformed syntax.");
    };
    let kinds: Vec<&str> = VOICE_EVENTS.iter().map(|(k, _)| *k).collect();
    let checked = only_fields(&body, "body", &kinds).and_then(|()| {
        let mut events = Vec::new();
        for kind in &kinds {
            let Some(list) = body.get(*kind) else { continue };
            let list = list.as_array().ok_or(format!("body.{kind} must be an array"))?;
            for (i, event) in list.iter().enumerate() {
                check_voice_event(kind, event, &format!("body.{kind}[{i}]"))?;
                events.push((
                    kind.to_string(),
                    event["eventId"].as_str().unwrap_or_default().to_owned(),
                    event.clone(),
                ));
            }
        }
        if events.is_empty() { Err("the batch has no events".to_string()) } else { Ok(events) }
    });
    match checked {
        Ok(events) => {
            let mut state = state.lock().expect("state");
            for event in events {
                if !state.events.iter().any(|(_, id, _)| *id == event.1) {
                    state.events.push(event);
                }
            }
            reply(202, json!({}), None)
        }
        Err(message) => error(400, "bad.request", &message),
    }
}

fn upload_url(state: &Shared, body: &[u8]) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return error(400, "bad.request", "The request could not be understood by the server due to malformed syntax.");
    };
    let checked = (|| {
        only_fields(
            &body,
            "body",
            &["fileName", "contentMd5", "signedUrlTimeoutSeconds", "contentType", "serverSideEncryption"],
        )?;
        let name = required_str(&body, "body", "fileName")?;
        if name.starts_with('.')
            || name.ends_with('/')
            || name.chars().any(|c| c.is_whitespace() || "\\{}^%`[]\"<>~#|".contains(c))
        {
            return Err(format!("body.fileName {name:?} is not allowed"));
        }
        if body.get("signedUrlTimeoutSeconds").is_some_and(|t| !t.as_u64().is_some_and(|t| (1..=604_800).contains(&t)))
        {
            return Err("body.signedUrlTimeoutSeconds must be between 1 and 604800".into());
        }
        if body.get("serverSideEncryption").is_some_and(|v| v != "AES256") {
            return Err("body.serverSideEncryption must be AES256".into());
        }
        Ok(())
    })();
    if let Err(message) = checked {
        return error(400, "bad.request", &message);
    }
    let key = uuid::Uuid::new_v4().simple().to_string();
    let mut headers = BTreeMap::from([("x-amz-server-side-encryption".to_string(), "AES256".to_string())]);
    for (field, header) in [("contentMd5", "Content-MD5"), ("contentType", "Content-Type")] {
        if let Some(value) = body.get(field).and_then(Value::as_str) {
            headers.insert(header.to_string(), value.to_string());
        }
    }
    let url = {
        let mut state = state.lock().expect("state");
        state.upload_urls.insert(key.clone(), headers.clone());
        format!("{}/presigned/{key}", state.base_url)
    };
    reply(200, json!({"url": url, "uploadKey": key, "headers": headers}), None)
}

fn presigned_put(state: &Shared, method: &str, key: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let s3_error = |status: u16, code: &str| {
        (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), format!("<Error><Code>{code}</Code></Error>"))
            .into_response()
    };
    if method != "PUT" {
        return s3_error(405, "MethodNotAllowed");
    }
    let mut state = state.lock().expect("state");
    let Some(wanted) = state.upload_urls.get(key).cloned() else {
        return s3_error(403, "SignatureDoesNotMatch");
    };
    for (name, value) in &wanted {
        if headers.get(name.as_str()).and_then(|v| v.to_str().ok()) != Some(value.as_str()) {
            return s3_error(403, "SignatureDoesNotMatch");
        }
    }
    if let Some(md5) = wanted.get("Content-MD5")
        && BASE64.encode(<md5::Md5 as md5::Digest>::digest(body)) != *md5
    {
        return s3_error(400, "BadDigest");
    }
    state.uploads.push((key.to_owned(), body.to_vec()));
    StatusCode::OK.into_response()
}
