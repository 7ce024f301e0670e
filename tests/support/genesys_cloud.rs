//! A local Genesys Cloud that enforces the documented contract, for tests of everything that
//! calls the Platform API: open messaging, Genesys Cloud EX (presence sources, conversation
//! event injection) and recordings.
//!
//! - `POST /oauth/token`: Basic auth with the client's id and secret, a form body with
//!   `grant_type=client_credentials`; tokens expire after [`GenesysCloud::set_token_lifetime`]
//!   and can be revoked, after which the API answers 401.
//! - Open messaging: inbound `message`, `event` and `receipt` with their REQUIRED fields and
//!   only schema fields; integration CRUD with the > 15 character secret rule; attachment
//!   downloads.
//! - Presence sources (`/api/v2/presence/sources`): list, get (404 when unknown) and create with
//!   only `Source` fields (`name` REQUIRED, 1–255 characters; `description`; `type` `System` or
//!   `User`; `deactivated`); a name already taken, whatever its case, is a 409 `conflict`.
//! - The directory (configuration sync), with what events may name: users, queues and wrap-up
//!   codes, made through the API or registered by the test ([`GenesysCloud::add_user_with`]).
//!   Every body is exactly its model (a field outside the fields served is a 400 naming it, a
//!   REQUIRED one missing or of the wrong type likewise, enums held), and a query parameter
//!   the operation does not serve is a 400.
//!   - `GET /api/v2/authorization/divisions/home`: the one division, `homeDivision` true.
//!   - Users: `POST /api/v2/users` (`CreateUser`: `name`, `email`, `divisionId` REQUIRED, the
//!     home division's id; `state` active, inactive or deleted, inactive when absent); an
//!     e-mail another user has, whatever its case, is a 409 `general.conflict`. `GET` and
//!     `PATCH /api/v2/users/{id}`, 404 for a deleted or unknown user; `UpdateUser` needs the
//!     current `version` (another one is a 409 `general.conflict`), and `state`, when given,
//!     is its only modifiable field (a 400 otherwise); each PATCH adds one to the version.
//!   - `POST /api/v2/users/search` (`UserSearchRequest`): `EXACT` criteria on `id`, `name`,
//!     `email` or `state` (case-insensitive), `AND`/`OR`/`NOT`; other types and `group` are
//!     400s as not served. Deleted users only when a criterion names `state`; `results` left out
//!     when nothing matched.
//!   - External ids: `POST /api/v2/users/{id}/externalid` (`UserExternalIdentifier`:
//!     `authorityName`, `externalKey` REQUIRED; a pair another user holds is a 409), `GET
//!     /api/v2/users/externalid/{authorityName}/{externalKey}` (404 when no user holds it).
//!   - Queues: `POST /api/v2/routing/queues` (`CreateQueueRequest`: `name` REQUIRED, `peerId`,
//!     `division` the home one, …; a name taken is a 409), `GET /api/v2/routing/queues?name=`
//!     (case-insensitive, `*` at either end a wildcard; pages), `GET …/{id}/members` (pages of
//!     `QueueMember`), `POST …/{id}/members?delete=true|false` with 1 to 100 `{id}` of users of
//!     the organization, else 400; 204.
//!   - Wrap-up codes: `POST /api/v2/routing/wrapupcodes` (`WrapupCodeRequest`: `name` REQUIRED,
//!     `division`, `description`; a name taken is a 409), `GET …?name=` as for queues.
//! - Conversation event injection (`POST /api/v2/events/conversations`), for the voice arrays
//!   `externalEstablishedEvents`, `routingEstablishedEvents`, `userEstablishedEvents`,
//!   `communicationAnsweredEvents`, `holdUpdatedEvents`, `communicationDispositionAppliedEvents`,
//!   `communicationEndedEvents`, `userTransferEvents`, `progressTransferEvents`,
//!   `endTransferEvents` and the email arrays `emailExternalEstablishedEvents`,
//!   `emailRoutingEstablishedEvents`, `emailUserEstablishedEvents`, `emailUserTransferEvents`,
//!   `emailProgressTransferEvents`, `emailEndTransferEvents`, `emailCommunicationAnsweredEvents`,
//!   `emailCommunicationDispositionAppliedEvents`, `emailCommunicationEndedEvents`.
//!   - A 400 for the whole request, naming the field path, when the body is not JSON, names
//!     another array, has no event, or an event is not exactly its model: a field outside it,
//!     a REQUIRED field missing, a wrong type, a value outside an enum (`disconnectType` of
//!     voice or email, `transferType`, `finalState`), an id the model calls a V4 UUID that is
//!     not one, an `eventDateTime` not written `yyyy-MM-ddTHH:mm:ss[.mmm]Z` (no other fraction
//!     length), an `initialConfiguration` (voice or email) or `sourceConfiguration` that is not
//!     its model.
//!   - Otherwise 200 with `BatchEventResponse {errors: [{eventId, message, retryable}]}`; the
//!     events of a batch are judged in `eventDateTime` order (ties: establishments first, then
//!     the other arrays in the order above, endings last; within an array, array order). An
//!     event is refused, not retryable, when its `sourceConfiguration.sourceId` is not a
//!     presence source, its `userId`, `destinationUserId`, `queueId` or wrap-up `code` is not
//!     registered, or it breaks the order of its conversation: the conversation starts with an
//!     establishment; a communication is established once, before any event names it (as
//!     `communicationId` or as the initiating, target, object or destination communication of
//!     a transfer) and never at a later `eventDateTime` than such an event; nothing names it
//!     after it ended but its wrap-up (a disposition comes after the call); a transfer's `commandId` is new, and progress and end name a started one.
//!   - Accepted events are kept by `eventId`: a repeated event is accepted again, not kept
//!     twice. [`GenesysCloud::refuse_next_events`] refuses the next events that would be
//!     accepted, without keeping them.
//! - Presence definitions (`GET /api/v2/presence/definitions`): the ten system presences, each
//!   `{id, name, type: "System", systemPresence, languageLabels, deactivated}` with a V4 id.
//! - User presence and routing status injection (`POST /api/v2/events/users/presence`,
//!   `POST /api/v2/events/users/routingstatus`): a 400 naming the field when the body is not
//!   exactly `{"userPresenceEvents": [...]}` (or `{"userRoutingStatusEvents": [...]}`) with at
//!   least one event, each exactly its model (`UserPresenceEvent`: `eventId` V4 UUID,
//!   `eventDateTime`, `userId`, `sourceId` V4 UUID REQUIRED, `presenceDefinitionId` a UUID,
//!   `message`; `UserRoutingStatusEvent`: `eventId` a UUID, `eventDateTime`, `agentId`, `status`
//!   of the enum, `sourceId`, all REQUIRED), times as above. Otherwise 200 with
//!   `BatchEventResponse`: an event is refused, not retryable, when its `sourceId` is not a
//!   presence source, its `userId`/`agentId` not a registered user, its `presenceDefinitionId`
//!   not a definition. Accepted events are kept by `eventId`, and
//!   [`GenesysCloud::refuse_next_events`] refuses these too.
//! - Recording upload (`POST /api/v2/uploads/recordings`): the `fileName` rules, the timeout
//!   range and `AES256`; it answers a presigned URL on this server whose PUT must carry the
//!   headers named and a body matching `Content-MD5`.
//! - Scripted failures (429 with `Retry-After`, 5xx, slow answers) for the next matching call
//!   ([`GenesysCloud::fail_next`], [`GenesysCloud::delay_next`]); [`GenesysCloud::directory_writes`]
//!   counts the directory writes received.
//! - Every call is recorded, so tests assert on what was received, not on what was sent.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

mod directory;

pub use directory::{DirectoryUser, Queue, WrapupCode};

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
    /// Injected events by `eventId`, in the order they were accepted.
    events: Vec<(String, String, Value)>,
    /// Presence sources, in the order they were made.
    presence_sources: Vec<Value>,
    /// The organisation's presence definitions (the system ones).
    presence_definitions: Vec<Value>,
    /// Accepted user presence and routing status events, once per `eventId`, in order.
    presence_events: Vec<Value>,
    routing_events: Vec<Value>,
    /// The organization's home division: `{id, name}`.
    home_division: Value,
    /// Users, queues (with their members) and wrap-up codes, in the order they were made.
    users: Vec<DirectoryUser>,
    queues: Vec<Queue>,
    wrapup_codes: Vec<WrapupCode>,
    /// ACD skills and languages, by id and name.
    skills: Vec<WrapupCode>,
    languages: Vec<WrapupCode>,
    /// (user id, `routingskills` or `routinglanguages`) → skill or language id → proficiency.
    user_levels: HashMap<(String, String), BTreeMap<String, f64>>,
    /// What the accepted events made of each conversation, by `conversationId`.
    conversations: HashMap<String, Conversation>,
    /// Scripted refusals of the next events that would be accepted: retryable or not.
    refusals: VecDeque<bool>,
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
            presence_sources: Vec::new(),
            presence_definitions: system_presence_definitions(),
            presence_events: Vec::new(),
            routing_events: Vec::new(),
            home_division: json!({"id": uuid::Uuid::new_v4().to_string(), "name": "Home"}),
            users: Vec::new(),
            queues: Vec::new(),
            wrapup_codes: Vec::new(),
            skills: Vec::new(),
            languages: Vec::new(),
            user_levels: HashMap::new(),
            conversations: HashMap::new(),
            refusals: VecDeque::new(),
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

    /// The next `count` events that would be accepted are refused instead, and not kept, with
    /// `retryable` (message "temporarily unavailable" when retryable).
    pub fn refuse_next_events(&self, count: usize, retryable: bool) {
        self.state().refusals.extend(std::iter::repeat_n(retryable, count));
    }

    /// Presence sources, as `GET /api/v2/presence/sources/{id}` answers them.
    pub fn presence_sources(&self) -> Vec<Value> {
        self.state().presence_sources.clone()
    }

    /// A presence source that exists already (made once for the organization); returns its id.
    pub fn add_presence_source(&self, name: &str) -> String {
        let mut state = self.state();
        assert!(state.presence_source_named(name).is_none(), "a presence source named {name:?} exists already");
        let source = new_presence_source(Map::from_iter([("name".to_string(), json!(name))]));
        let id = source["id"].as_str().expect("id").to_owned();
        state.presence_sources.push(source);
        id
    }

    /// The id of the organisation's definition of system presence `presence` (`OnQueue`).
    pub fn presence_definition(&self, presence: &str) -> String {
        let state = self.state();
        let found = state.presence_definitions.iter().find(|d| d["systemPresence"] == presence);
        found.and_then(|d| d["id"].as_str()).expect("a system presence").to_owned()
    }

    /// Accepted user presence events, once per `eventId`, in the order accepted.
    pub fn injected_presence(&self) -> Vec<Value> {
        self.state().presence_events.clone()
    }

    /// Accepted routing status events, once per `eventId`, in the order accepted.
    pub fn injected_routing_statuses(&self) -> Vec<Value> {
        self.state().routing_events.clone()
    }

    /// An active user of the organization, with a name and e-mail of its own; returns its id.
    pub fn add_user(&self) -> String {
        let key = uuid::Uuid::new_v4().simple().to_string();
        self.add_user_with(&format!("User {key}"), &format!("user-{key}@example.com"))
    }

    /// An active user named `name` with `email`, which no other user has, in the home
    /// division; returns its id.
    pub fn add_user_with(&self, name: &str, email: &str) -> String {
        let mut state = self.state();
        assert!(state.user_with_email(email).is_none(), "a user with e-mail {email:?} exists already");
        let division = state.home_division["id"].as_str().expect("id").to_owned();
        let user = DirectoryUser::new(name, email, "active", &division);
        let id = user.id.clone();
        state.users.push(user);
        id
    }

    /// A queue named `name`, which no other queue has; returns its id.
    pub fn add_queue(&self, name: &str) -> String {
        let mut state = self.state();
        assert!(state.queue_named(name).is_none(), "a queue named {name:?} exists already");
        let queue = Queue::new(name, None);
        let id = queue.id.clone();
        state.queues.push(queue);
        id
    }

    /// A wrap-up code named `name`, which no other code has; returns its id.
    pub fn add_wrapup_code(&self, name: &str) -> String {
        let mut state = self.state();
        assert!(state.wrapup_code_named(name).is_none(), "a wrap-up code named {name:?} exists already");
        let code = WrapupCode::new(name);
        let id = code.id.clone();
        state.wrapup_codes.push(code);
        id
    }

    /// The organization's users as the directory endpoints keep them, in the order made.
    pub fn directory_users(&self) -> Vec<DirectoryUser> {
        self.state().users.clone()
    }

    /// The id of the organization's home division.
    pub fn home_division(&self) -> String {
        self.state().home_division["id"].as_str().expect("id").to_owned()
    }

    /// The queues, with their members, in the order made.
    pub fn queues(&self) -> Vec<Queue> {
        self.state().queues.clone()
    }

    /// The user ids of the members of queue `queue_id`, in the order they were added.
    pub fn queue_members(&self, queue_id: &str) -> Vec<String> {
        let state = self.state();
        let queue = state.queues.iter().find(|q| q.id == queue_id).expect("a queue");
        queue.members.clone()
    }

    pub fn wrapup_codes(&self) -> Vec<WrapupCode> {
        self.state().wrapup_codes.clone()
    }

    /// The organisation's ACD skills, or its languages.
    pub fn skills(&self) -> Vec<WrapupCode> {
        self.state().skills.clone()
    }

    pub fn languages(&self) -> Vec<WrapupCode> {
        self.state().languages.clone()
    }

    /// A user's skills (`routingskills`) or languages (`routinglanguages`): name → proficiency.
    pub fn user_levels(&self, user: &str, what: &str) -> BTreeMap<String, f64> {
        let state = self.state();
        let named = if what == "routingskills" { &state.skills } else { &state.languages };
        let levels = state.user_levels.get(&(user.to_owned(), what.to_owned())).cloned().unwrap_or_default();
        levels
            .into_iter()
            .filter_map(|(id, level)| named.iter().find(|n| n.id == id).map(|n| (n.name.clone(), level)))
            .collect()
    }

    /// How many writes (POST, PATCH, PUT, DELETE) the directory endpoints received, answered
    /// or not; a user search is a read.
    pub fn directory_writes(&self) -> usize {
        self.received().iter().filter(|r| directory::is_write(&r.method, &r.path)).count()
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
        (_, ["presence", "sources", rest @ ..]) => presence_sources(state, method, rest, query, body),
        ("POST", ["events", "conversations"]) => conversation_events(state, body),
        ("GET", ["presence", "definitions"]) => {
            let definitions = state.lock().expect("state").presence_definitions.clone();
            reply(200, json!({"entities": definitions, "total": definitions.len(), "pageCount": 1}), None)
        }
        ("POST", ["presence", "definitions"]) => create_presence_definition(state, body),
        ("POST", ["events", "users", "presence"]) => user_events(state, body, UserEvents::Presence),
        ("POST", ["events", "users", "routingstatus"]) => user_events(state, body, UserEvents::RoutingStatus),
        ("GET", ["authorization", "divisions", "home"]) => directory::home_division(state, query),
        (_, ["users", user, what @ ("routingskills" | "routinglanguages"), rest @ ..]) => {
            directory::user_levels(state, method, user, what, rest, body)
        }
        (_, ["users", rest @ ..]) => directory::users(state, method, rest, query, body),
        (_, ["routing", what @ ("skills" | "languages")]) => {
            directory::routing_objects(state, method, what, query, body)
        }
        (_, ["routing", "queues", rest @ ..]) => directory::queues(state, method, rest, query, body),
        (_, ["routing", "wrapupcodes", rest @ ..]) => directory::wrapup_codes(state, method, rest, query, body),
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

/// Open messaging's `channel.time`, written as Genesys documents every time it takes.
fn iso_time(value: &Value, at: &str) -> Check {
    let time = required_str(value, at, "time")?;
    match documented_time(time) {
        Some(_) => Ok(()),
        None => Err(format!("{at}.time {time:?} is not a date-time written yyyy-MM-ddTHH:mm:ss[.mmm]Z")),
    }
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

/// An entity listing: the page `pageSize`/`pageNumber` of the query ask for (25 and 1 by default).
fn listing(all: Vec<Value>, query: Option<&str>) -> Value {
    let params: HashMap<String, String> =
        serde_urlencoded_pairs(query.unwrap_or_default().as_bytes()).into_iter().collect();
    let size: usize = params.get("pageSize").and_then(|v| v.parse().ok()).unwrap_or(25).clamp(1, 100);
    let number: usize = params.get("pageNumber").and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let page: Vec<Value> = all.iter().skip((number - 1) * size).take(size).cloned().collect();
    let pages = all.len().div_ceil(size);
    json!({"entities": page, "pageSize": size, "pageNumber": number, "total": all.len(), "pageCount": pages})
}

fn integrations(state: &Shared, method: &str, rest: &[&str], query: Option<&str>, body: &[u8]) -> Response {
    let mut state = state.lock().expect("state");
    match (method, rest) {
        ("GET", []) => reply(200, listing(state.integrations.values().cloned().collect(), query), None),
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

/// A `Source` as the API answers it: the request's fields, a new id, `deactivated` false unless
/// asked.
fn new_presence_source(mut source: Map<String, Value>) -> Value {
    let id = uuid::Uuid::new_v4().to_string();
    source.insert("selfUri".into(), json!(format!("/api/v2/presence/sources/{id}")));
    source.insert("id".into(), json!(id));
    source.entry("deactivated").or_insert(json!(false));
    Value::Object(source)
}

impl ServerState {
    fn presence_source_named(&self, name: &str) -> Option<&Value> {
        let name = name.to_lowercase();
        self.presence_sources.iter().find(|s| s["name"].as_str().is_some_and(|n| n.to_lowercase() == name))
    }
}

fn source_request(body: &[u8]) -> Result<Map<String, Value>, String> {
    let body: Value = serde_json::from_slice(body).map_err(|_| "malformed JSON".to_string())?;
    check_fields(
        &body,
        "body",
        &[
            req("name", Kind::Text),
            opt("description", Kind::Text),
            opt("type", Kind::OneOf(&["System", "User"])),
            opt("deactivated", Kind::Flag),
        ],
    )?;
    if body["name"].as_str().is_some_and(|name| name.chars().count() > 255) {
        return Err("body.name must be at most 255 characters".into());
    }
    Ok(body.as_object().cloned().unwrap_or_default())
}

fn presence_sources(state: &Shared, method: &str, rest: &[&str], query: Option<&str>, body: &[u8]) -> Response {
    let mut state = state.lock().expect("state");
    match (method, rest) {
        ("GET", []) => reply(200, listing(state.presence_sources.clone(), query), None),
        ("POST", []) => match source_request(body) {
            Ok(request) => {
                let name = request["name"].as_str().unwrap_or_default();
                if let Some(taken) = state.presence_source_named(name) {
                    let message =
                        format!("a presence source named {:?} exists already: {}", taken["name"], taken["id"]);
                    return error(409, "conflict", &message);
                }
                let source = new_presence_source(request);
                state.presence_sources.push(source.clone());
                reply(200, source, None)
            }
            Err(message) => error(400, "bad.request", &message),
        },
        ("GET", [id]) => match state.presence_sources.iter().find(|s| s["id"] == *id) {
            Some(source) => reply(200, source.clone(), None),
            None => error(404, "not.found", "presence source not found"),
        },
        _ => error(404, "not.found", "no such resource"),
    }
}

/// The type of a model field.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Flag,
    /// A V4 UUID, hyphenated.
    Id,
    /// A list of V4 UUIDs.
    Ids,
    Texts,
    /// A map of strings to strings.
    Strings,
    /// `yyyy-MM-ddTHH:mm:ss[.mmm]Z`.
    Time,
    /// A whole number, not negative.
    Int,
    OneOf(&'static [&'static str]),
    Object(&'static [Field]),
    /// A list of objects of the fields.
    Objects(&'static [Field]),
}

#[derive(Debug, Clone, Copy)]
struct Field {
    name: &'static str,
    kind: Kind,
    required: bool,
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, required: true }
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, required: false }
}

/// `value` is an object of exactly `fields`: none other, the REQUIRED ones present, each of its
/// type (a REQUIRED string is not empty).
fn check_fields(value: &Value, at: &str, fields: &[Field]) -> Check {
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    only_fields(value, at, &names)?;
    for field in fields {
        let at = format!("{at}.{}", field.name);
        match value.get(field.name) {
            None if field.required => return Err(format!("should have required property '{at}'")),
            None => {}
            Some(Value::String(text)) if field.required && text.is_empty() => {
                return Err(format!("{at} must be a non-empty string"));
            }
            Some(item) => check_kind(item, &at, field.kind)?,
        }
    }
    Ok(())
}

fn check_kind(value: &Value, at: &str, kind: Kind) -> Check {
    let text = || value.as_str().ok_or(format!("{at} must be a string"));
    let list = || value.as_array().ok_or(format!("{at} must be an array"));
    match kind {
        Kind::Text => text().map(drop),
        Kind::Flag if value.is_boolean() => Ok(()),
        Kind::Flag => Err(format!("{at} must be a boolean")),
        Kind::Id => v4_uuid(text()?, at),
        Kind::Ids => list()?.iter().enumerate().try_for_each(|(i, id)| check_kind(id, &format!("{at}[{i}]"), Kind::Id)),
        Kind::Texts => {
            list()?.iter().enumerate().try_for_each(|(i, t)| check_kind(t, &format!("{at}[{i}]"), Kind::Text))
        }
        Kind::Strings if value.as_object().is_some_and(|m| m.values().all(Value::is_string)) => Ok(()),
        Kind::Strings => Err(format!("{at} must map strings to strings")),
        Kind::Time => match documented_time(text()?) {
            Some(_) => Ok(()),
            None => Err(format!("{at} {value} is not a date-time written yyyy-MM-ddTHH:mm:ss[.mmm]Z")),
        },
        Kind::OneOf(allowed) if allowed.contains(&text()?) => Ok(()),
        Kind::OneOf(allowed) => Err(format!("{at} {value} is not one of {allowed:?}")),
        Kind::Int if value.is_u64() => Ok(()),
        Kind::Int => Err(format!("{at} must be a whole number")),
        Kind::Object(fields) => check_fields(value, at, fields),
        Kind::Objects(fields) => {
            list()?.iter().enumerate().try_for_each(|(i, item)| check_fields(item, &format!("{at}[{i}]"), fields))
        }
    }
}

fn v4_uuid(text: &str, at: &str) -> Check {
    match uuid::Uuid::try_parse(text) {
        Ok(id) if text.len() == 36 && id.get_version_num() == 4 && id.get_variant() == uuid::Variant::RFC4122 => Ok(()),
        _ => Err(format!("{at} {text:?} is not a V4 UUID")),
    }
}

/// The instant of `text` when it is written exactly `yyyy-MM-ddTHH:mm:ss[.mmm]Z`, as the event
/// models document (`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$`) and is a real date.
fn documented_time(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    let digits = |from: usize, to: usize| b[from..to].iter().all(u8::is_ascii_digit);
    let fraction = match b.len() {
        20 => true,
        24 => b[19] == b'.' && digits(20, 23),
        _ => false,
    };
    let shape = fraction
        && digits(0, 4)
        && b[4] == b'-'
        && digits(5, 7)
        && b[7] == b'-'
        && digits(8, 10)
        && b[10] == b'T'
        && digits(11, 13)
        && b[13] == b':'
        && digits(14, 16)
        && b[16] == b':'
        && digits(17, 19)
        && b[b.len() - 1] == b'Z';
    if shape { OffsetDateTime::parse(text, &Rfc3339).ok() } else { None }
}

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

const EMAIL_DISCONNECT_TYPES: &[&str] =
    &["Unknown", "Self", "Peer", "System", "Error", "Spam", "Transfer", "TransferACD", "TransferUser"];

const AUDIO_STATE: &[Field] = &[opt("canHear", Kind::Flag), opt("canSpeak", Kind::Flag)];

/// `InitialConfiguration`, of voice communications.
const INITIAL_CONFIGURATION: &[Field] = &[
    opt("audioState", Kind::Object(AUDIO_STATE)),
    opt("alerting", Kind::Flag),
    opt("inbound", Kind::Flag),
    opt("invitedBy", Kind::Text),
    opt("recordingActive", Kind::Flag),
    opt("additionalInfo", Kind::Strings),
];

const EMAIL_INITIAL_CONFIGURATION: &[Field] = &[
    req("to", Kind::Text),
    req("from", Kind::Text),
    opt("cc", Kind::Texts),
    opt("bcc", Kind::Texts),
    opt("subject", Kind::Text),
    opt("previousEmailId", Kind::Text),
    opt("held", Kind::Flag),
    opt("alerting", Kind::Flag),
    opt("inbound", Kind::Flag),
    opt("invitedBy", Kind::Text),
    opt("additionalInfo", Kind::Strings),
];

const SOURCE_CONFIGURATION: &[Field] =
    &[req("sourceId", Kind::Text), req("interactionId", Kind::Text), opt("tagId", Kind::Text)];

/// The fields of every event.
const EVENT: &[Field] = &[req("eventId", Kind::Id), req("eventDateTime", Kind::Time), req("conversationId", Kind::Id)];

/// What an event does to its conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Establishes,
    /// Names established communications (answer, hold, disposition).
    Updates,
    StartsTransfer,
    /// Progress or end of a started transfer.
    FollowsTransfer,
    Ends,
}

/// The event arrays served, in the order events of the same `eventDateTime` are judged, with
/// the fields of their model beyond [`EVENT`].
const EVENT_ARRAYS: &[(&str, Role, &[Field])] = &[
    (
        "externalEstablishedEvents",
        Role::Establishes,
        &[
            req("communicationId", Kind::Id),
            opt("ani", Kind::Text),
            opt("aniName", Kind::Text),
            opt("dnis", Kind::Text),
            opt("dnisName", Kind::Text),
            req("initialConfiguration", Kind::Object(INITIAL_CONFIGURATION)),
            req("sourceConfiguration", Kind::Object(SOURCE_CONFIGURATION)),
        ],
    ),
    (
        "routingEstablishedEvents",
        Role::Establishes,
        &[
            req("communicationId", Kind::Id),
            opt("phoneNumber", Kind::Text),
            req("queueId", Kind::Id),
            opt("ani", Kind::Text),
            opt("dnis", Kind::Text),
            opt("skillIds", Kind::Ids),
            opt("languageId", Kind::Id),
            req("initialConfiguration", Kind::Object(INITIAL_CONFIGURATION)),
            req("sourceConfiguration", Kind::Object(SOURCE_CONFIGURATION)),
        ],
    ),
    (
        "userEstablishedEvents",
        Role::Establishes,
        &[
            req("communicationId", Kind::Id),
            opt("phoneNumber", Kind::Text),
            req("userId", Kind::Id),
            opt("stationId", Kind::Id),
            opt("ani", Kind::Text),
            opt("dnis", Kind::Text),
            opt("afterCallWorkRequired", Kind::Flag),
            opt("queueId", Kind::Id),
            req("initialConfiguration", Kind::Object(INITIAL_CONFIGURATION)),
            req("sourceConfiguration", Kind::Object(SOURCE_CONFIGURATION)),
        ],
    ),
    (
        "emailExternalEstablishedEvents",
        Role::Establishes,
        &[
            req("communicationId", Kind::Id),
            opt("displayName", Kind::Text),
            opt("includeMessage", Kind::Flag),
            req("initialConfiguration", Kind::Object(EMAIL_INITIAL_CONFIGURATION)),
            req("sourceConfiguration", Kind::Object(SOURCE_CONFIGURATION)),
        ],
    ),
    (
        "emailRoutingEstablishedEvents",
        Role::Establishes,
        &[
            req("communicationId", Kind::Id),
            req("queueId", Kind::Id),
            opt("skillIds", Kind::Ids),
            opt("languageId", Kind::Id),
            opt("label", Kind::Text),
            req("initialConfiguration", Kind::Object(EMAIL_INITIAL_CONFIGURATION)),
            req("sourceConfiguration", Kind::Object(SOURCE_CONFIGURATION)),
        ],
    ),
    (
        "emailUserEstablishedEvents",
        Role::Establishes,
        &[
            req("communicationId", Kind::Id),
            req("userId", Kind::Id),
            opt("queueId", Kind::Id),
            opt("afterCallWorkRequired", Kind::Flag),
            req("initialConfiguration", Kind::Object(EMAIL_INITIAL_CONFIGURATION)),
            req("sourceConfiguration", Kind::Object(SOURCE_CONFIGURATION)),
        ],
    ),
    ("communicationAnsweredEvents", Role::Updates, &[req("communicationId", Kind::Id)]),
    ("holdUpdatedEvents", Role::Updates, &[req("communicationId", Kind::Id), req("held", Kind::Flag)]),
    (
        "communicationDispositionAppliedEvents",
        Role::Updates,
        &[req("communicationId", Kind::Id), opt("code", Kind::Id), opt("notes", Kind::Text), opt("tags", Kind::Texts)],
    ),
    (
        "userTransferEvents",
        Role::StartsTransfer,
        &[
            req("transferType", Kind::OneOf(&["Attended", "Unattended"])),
            req("commandId", Kind::Id),
            req("initiatingCommunicationId", Kind::Id),
            req("targetCommunicationId", Kind::Id),
            req("objectCommunicationId", Kind::Id),
            req("destinationUserId", Kind::Id),
        ],
    ),
    (
        "progressTransferEvents",
        Role::FollowsTransfer,
        &[
            req("commandId", Kind::Id),
            req("objectCommunicationId", Kind::Id),
            req("destinationCommunicationId", Kind::Id),
        ],
    ),
    (
        "endTransferEvents",
        Role::FollowsTransfer,
        &[
            req("commandId", Kind::Id),
            req("finalState", Kind::OneOf(&["Completed", "Canceled", "Failed"])),
            req("objectCommunicationId", Kind::Id),
        ],
    ),
    (
        "emailUserTransferEvents",
        Role::StartsTransfer,
        &[
            req("transferType", Kind::OneOf(&["Attended", "Unattended"])),
            req("commandId", Kind::Id),
            req("initiatingCommunicationId", Kind::Id),
            req("targetCommunicationId", Kind::Id),
            req("objectCommunicationId", Kind::Id),
            req("destinationUserId", Kind::Id),
        ],
    ),
    (
        "emailProgressTransferEvents",
        Role::FollowsTransfer,
        &[
            req("commandId", Kind::Id),
            req("objectCommunicationId", Kind::Id),
            req("destinationCommunicationId", Kind::Id),
        ],
    ),
    (
        "emailEndTransferEvents",
        Role::FollowsTransfer,
        &[
            req("commandId", Kind::Id),
            req("finalState", Kind::OneOf(&["Completed", "Canceled", "Failed"])),
            req("objectCommunicationId", Kind::Id),
        ],
    ),
    ("emailCommunicationAnsweredEvents", Role::Updates, &[req("communicationId", Kind::Id)]),
    (
        "emailCommunicationDispositionAppliedEvents",
        Role::Updates,
        &[req("communicationId", Kind::Id), opt("code", Kind::Id), opt("notes", Kind::Text), opt("tags", Kind::Texts)],
    ),
    (
        "communicationEndedEvents",
        Role::Ends,
        &[
            req("communicationId", Kind::Id),
            req("disconnectType", Kind::OneOf(DISCONNECT_TYPES)),
            opt("destinationConversationId", Kind::Id),
        ],
    ),
    (
        "emailCommunicationEndedEvents",
        Role::Ends,
        &[req("communicationId", Kind::Id), req("disconnectType", Kind::OneOf(EMAIL_DISCONNECT_TYPES))],
    ),
];

/// The fields by which an event names communications of its conversation.
const COMMUNICATION_FIELDS: &[&str] = &[
    "communicationId",
    "initiatingCommunicationId",
    "targetCommunicationId",
    "objectCommunicationId",
    "destinationCommunicationId",
];

/// A well-formed event of a batch.
#[derive(Debug)]
struct Injected {
    kind: &'static str,
    role: Role,
    at: OffsetDateTime,
    event: Value,
}

impl Injected {
    fn text(&self, field: &str) -> &str {
        self.event.get(field).and_then(Value::as_str).unwrap_or_default()
    }
}

#[derive(Debug, Default)]
struct Conversation {
    /// Established communications: id → (established at, ended).
    communications: HashMap<String, (OffsetDateTime, bool)>,
    /// `commandId`s of the transfers started.
    transfers: HashSet<String>,
}

/// The events of a well-formed batch, in the order they are judged.
fn well_formed(body: &Value) -> Result<Vec<Injected>, String> {
    let object = body.as_object().ok_or("body must be an object")?;
    let arrays: Vec<&str> = EVENT_ARRAYS.iter().map(|(kind, ..)| *kind).collect();
    if let Some(other) = object.keys().find(|k| !arrays.contains(&k.as_str())) {
        return Err(format!("body.{other} is not one of the event arrays served: {arrays:?}"));
    }
    let mut events = Vec::new();
    for (rank, (kind, role, fields)) in EVENT_ARRAYS.iter().enumerate() {
        let Some(list) = body.get(*kind) else { continue };
        let list = list.as_array().ok_or(format!("body.{kind} must be an array"))?;
        let fields: Vec<Field> = EVENT.iter().chain(fields.iter()).copied().collect();
        for (index, event) in list.iter().enumerate() {
            check_fields(event, &format!("body.{kind}[{index}]"), &fields)?;
            let at = documented_time(event["eventDateTime"].as_str().unwrap_or_default()).expect("checked");
            events.push((at, rank, index, Injected { kind, role: *role, at, event: event.clone() }));
        }
    }
    if events.is_empty() {
        return Err("the batch has no events".into());
    }
    events.sort_by_key(|(at, rank, index, _)| (*at, *rank, *index));
    Ok(events.into_iter().map(|(.., event)| event).collect())
}

impl ServerState {
    /// Accepts `event` (keeping it unless it is a repeat) or says why not: (message, retryable).
    fn admit(&mut self, event: Injected) -> Result<(), (String, bool)> {
        let id = event.text("eventId").to_owned();
        let repeated = self.events.iter().any(|(_, known, _)| *known == id);
        if !repeated {
            self.refusal(&event).map_err(|message| (message, false))?;
        }
        if let Some(retryable) = self.refusals.pop_front() {
            let message = if retryable { "temporarily unavailable" } else { "the event was refused" };
            return Err((message.into(), retryable));
        }
        if !repeated {
            let conversation = self.conversations.entry(event.text("conversationId").to_owned()).or_default();
            let communication = event.text("communicationId").to_owned();
            match event.role {
                Role::Establishes => {
                    conversation.communications.insert(communication, (event.at, false));
                }
                Role::Ends => {
                    conversation.communications.entry(communication).and_modify(|(_, ended)| *ended = true);
                }
                Role::StartsTransfer => {
                    conversation.transfers.insert(event.text("commandId").to_owned());
                }
                Role::Updates | Role::FollowsTransfer => {}
            }
            self.events.push((event.kind.to_owned(), id, event.event));
        }
        Ok(())
    }

    /// Why `event` cannot be accepted: a source or directory object it names is unknown, or it
    /// breaks the order of its conversation.
    fn refusal(&self, event: &Injected) -> Check {
        if let Some(source) = event.event.pointer("/sourceConfiguration/sourceId").and_then(Value::as_str)
            && !self.presence_sources.iter().any(|s| s["id"] == source)
        {
            return Err(format!(
                "sourceConfiguration.sourceId {source:?} is not a presence source of the organization"
            ));
        }
        for (field, what) in
            [("userId", "user"), ("destinationUserId", "user"), ("queueId", "queue"), ("code", "wrap-up code")]
        {
            let Some(id) = event.event.get(field).and_then(Value::as_str) else { continue };
            let known = match what {
                "user" => self.user(id).is_some(),
                "queue" => self.queues.iter().any(|q| q.id == id),
                _ => self.wrapup_codes.iter().any(|c| c.id == id),
            };
            if !known {
                return Err(format!("{field} {id:?} is not a {what} of the organization"));
            }
        }
        let conversation_id = event.text("conversationId");
        let conversation = self.conversations.get(conversation_id);
        if event.role == Role::Establishes {
            let communication = event.text("communicationId");
            if conversation.is_some_and(|c| c.communications.contains_key(communication)) {
                return Err(format!(
                    "communication {communication:?} is established already in conversation {conversation_id:?}"
                ));
            }
            return Ok(());
        }
        let conversation = conversation.ok_or(format!(
            "conversation {conversation_id:?} has no established communication: it must start with an *Established event"
        ))?;
        for field in COMMUNICATION_FIELDS {
            let Some(id) = event.event.get(*field).and_then(Value::as_str) else { continue };
            match conversation.communications.get(id) {
                None => return Err(format!("{field} {id:?} is not established in conversation {conversation_id:?}")),
                // The wrap-up comes after the call (after-call work), so a disposition may name
                // an ended communication.
                Some((_, true)) if !event.kind.contains("DispositionApplied") => {
                    return Err(format!("{field} {id:?} has ended"));
                }
                Some((established, _)) if event.at < *established => {
                    return Err(format!(
                        "eventDateTime {} is earlier than the establishment of {field} {id:?}",
                        event.text("eventDateTime")
                    ));
                }
                Some(_) => {}
            }
        }
        let command = event.text("commandId");
        match event.role {
            Role::StartsTransfer if conversation.transfers.contains(command) => {
                Err(format!("commandId {command:?} names a transfer started already"))
            }
            Role::FollowsTransfer if !conversation.transfers.contains(command) => {
                Err(format!("commandId {command:?} names no transfer started in conversation {conversation_id:?}"))
            }
            _ => Ok(()),
        }
    }
}

fn conversation_events(state: &Shared, body: &[u8]) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return error(400, "bad.request", "The request could not be understood by the server due to malformed syntax.");
    };
    let events = match well_formed(&body) {
        Ok(events) => events,
        Err(message) => return error(400, "bad.request", &message),
    };
    let mut state = state.lock().expect("state");
    let mut errors = Vec::new();
    for event in events {
        let id = event.text("eventId").to_owned();
        if let Err((message, retryable)) = state.admit(event) {
            errors.push(json!({"eventId": id, "message": message, "retryable": retryable}));
        }
    }
    reply(200, json!({"errors": errors}), None)
}

/// The ten system presences, as a new organisation has them.
/// `OrganizationPresenceDefinition` as created: `languageLabels` REQUIRED.
const PRESENCE_DEFINITION: &[Field] = &[
    opt("name", Kind::Text),
    opt("type", Kind::OneOf(&["System", "User"])),
    req("languageLabels", Kind::Strings),
    opt(
        "systemPresence",
        Kind::OneOf(&[
            "Available",
            "Away",
            "Busy",
            "Offline",
            "Idle",
            "OnQueue",
            "Meal",
            "Training",
            "Meeting",
            "Break",
        ]),
    ),
    opt("divisionId", Kind::Text),
    opt("deactivated", Kind::Flag),
];

/// A secondary status: a definition of type `User` under its system presence.
fn create_presence_definition(state: &Shared, body: &[u8]) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return error(400, "bad.request", "The request could not be understood by the server due to malformed syntax.");
    };
    if let Err(message) = check_fields(&request, "body", PRESENCE_DEFINITION) {
        return error(400, "bad.request", &message);
    }
    if request["languageLabels"].as_object().is_none_or(serde_json::Map::is_empty) {
        return error(400, "bad.request", "body.languageLabels must name at least one label");
    }
    let id = uuid::Uuid::new_v4().to_string();
    let definition = json!({
        "id": id,
        "type": "User",
        "systemPresence": request.get("systemPresence").cloned().unwrap_or(json!("Available")),
        "languageLabels": request["languageLabels"],
        "deactivated": false,
        "selfUri": format!("/api/v2/presence/definitions/{id}"),
    });
    state.lock().expect("state").presence_definitions.push(definition.clone());
    reply(200, definition, None)
}

/// The organisation's secondary statuses (definitions of type `User`).
impl GenesysCloud {
    pub fn secondary_statuses(&self) -> Vec<Value> {
        self.state().presence_definitions.iter().filter(|d| d["type"] == "User").cloned().collect()
    }
}

fn system_presence_definitions() -> Vec<Value> {
    ["Available", "Away", "Busy", "Offline", "Idle", "OnQueue", "Meal", "Training", "Meeting", "Break"]
        .iter()
        .map(|presence| {
            let id = uuid::Uuid::new_v4().to_string();
            json!({
                "id": id,
                "name": presence,
                "type": "System",
                "systemPresence": presence,
                "languageLabels": {"en_US": presence},
                "deactivated": false,
                "selfUri": format!("/api/v2/presence/definitions/{id}"),
            })
        })
        .collect()
}

/// Which of the two user event APIs a batch is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserEvents {
    Presence,
    RoutingStatus,
}

const USER_PRESENCE_EVENT: &[Field] = &[
    req("eventId", Kind::Id),
    req("eventDateTime", Kind::Time),
    req("userId", Kind::Text),
    req("sourceId", Kind::Id),
    opt("presenceDefinitionId", Kind::Text),
    opt("message", Kind::Text),
];

const USER_ROUTING_STATUS_EVENT: &[Field] = &[
    req("eventId", Kind::Text),
    req("eventDateTime", Kind::Time),
    req("agentId", Kind::Text),
    req("status", Kind::OneOf(&["OffQueue", "Idle", "Interacting", "Communicating", "NotResponding"])),
    req("sourceId", Kind::Text),
];

/// The events of a well-formed user event batch, or the 400's message.
fn user_batch(body: &[u8], which: UserEvents) -> Result<Vec<Value>, String> {
    let body: Value = serde_json::from_slice(body).map_err(|_| "malformed JSON".to_string())?;
    let (array, fields) = match which {
        UserEvents::Presence => ("userPresenceEvents", USER_PRESENCE_EVENT),
        UserEvents::RoutingStatus => ("userRoutingStatusEvents", USER_ROUTING_STATUS_EVENT),
    };
    only_fields(&body, "body", &[array])?;
    let events = body.get(array).and_then(Value::as_array).ok_or(format!("body.{array} must be an array"))?;
    if events.is_empty() {
        return Err("the batch has no events".into());
    }
    for (i, event) in events.iter().enumerate() {
        let at = format!("body.{array}[{i}]");
        check_fields(event, &at, fields)?;
        let uuid = |field: &str| match event.get(field).and_then(Value::as_str) {
            Some(text) if uuid::Uuid::try_parse(text).is_err() || text.len() != 36 => {
                Err(format!("{at}.{field} {text:?} is not a UUID"))
            }
            _ => Ok(()),
        };
        uuid("presenceDefinitionId")?;
        if which == UserEvents::RoutingStatus {
            uuid("eventId")?;
        }
    }
    Ok(events.clone())
}

impl ServerState {
    /// Why a well-formed user event cannot be accepted: something it names is unknown.
    fn user_event_refusal(&self, event: &Value) -> Check {
        let text = |field: &str| event.get(field).and_then(Value::as_str);
        if let Some(source) = text("sourceId")
            && !self.presence_sources.iter().any(|s| s["id"] == source)
        {
            return Err(format!("sourceId {source:?} is not a presence source of the organization"));
        }
        for field in ["userId", "agentId"] {
            if let Some(user) = text(field)
                && self.user(user).is_none()
            {
                return Err(format!("{field} {user:?} is not a user of the organization"));
            }
        }
        if let Some(definition) = text("presenceDefinitionId")
            && !self.presence_definitions.iter().any(|d| d["id"] == definition)
        {
            return Err(format!("presenceDefinitionId {definition:?} is not a presence definition"));
        }
        Ok(())
    }
}

fn user_events(state: &Shared, body: &[u8], which: UserEvents) -> Response {
    let events = match user_batch(body, which) {
        Ok(events) => events,
        Err(message) => return error(400, "bad.request", &message),
    };
    let mut state = state.lock().expect("state");
    let mut errors = Vec::new();
    for event in events {
        let id = event["eventId"].as_str().unwrap_or_default().to_owned();
        let kept = match which {
            UserEvents::Presence => &state.presence_events,
            UserEvents::RoutingStatus => &state.routing_events,
        };
        let repeated = kept.iter().any(|e| e["eventId"] == id.as_str());
        let refused = match (repeated, state.user_event_refusal(&event)) {
            (false, Err(message)) => Some((message, false)),
            _ => state.refusals.pop_front().map(|retryable| {
                let message = if retryable { "temporarily unavailable" } else { "the event was refused" };
                (message.to_owned(), retryable)
            }),
        };
        match refused {
            Some((message, retryable)) => {
                errors.push(json!({"eventId": id, "message": message, "retryable": retryable}));
            }
            None if repeated => {}
            None => match which {
                UserEvents::Presence => state.presence_events.push(event),
                UserEvents::RoutingStatus => state.routing_events.push(event),
            },
        }
    }
    reply(200, json!({"errors": errors}), None)
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
