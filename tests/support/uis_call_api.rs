//! A local UIS Call API that enforces the documented contract (JSON-RPC 2.0 on `POST /v4.0`), for
//! tests of everything that starts calls through it (click-to-call with `start.employee_call`).
//!
//! - Transport: `POST /v4.0` only (another path is 404, another method 405); `Content-Type:
//!   application/json` (a charset is allowed); one JSON-RPC 2.0 request object with exactly
//!   `jsonrpc: "2.0"`, an `id` (string or number), a `method` string and a `params` object.
//!   Unparseable JSON is `-32700 parse_error`; a batch is `-32099 batch_opreations_not_supported`
//!   (the platform's spelling); a request without `id` is `-32099 notifications_not_supported`;
//!   any other malformed request is `-32600 invalid_request`; a method other than
//!   `start.employee_call` is `-32601 method_not_found`. JSON-RPC errors are answered with
//!   HTTP 200 and `error{code, message, data{mnemonic, field, value, params, extended_helper}}`.
//! - Authentication: `params.access_token` is required and must be [`TOKEN`] (`-32001
//!   access_token_invalid`), until [`UisCallApi::expire_token`] (`-32001 access_token_expired`).
//!   The token is never echoed in `data.value`, and [`Received`] holds it redacted.
//! - `start.employee_call`: every parameter of the reference table with its type and rules — the
//!   required ones, `first_call` `employee|contact`, `early_switching` only with
//!   `first_call=employee` and `switch_at_once=true`, E.164 digits without "+" (10–15) for
//!   `virtual_phone_number` and `contact`, no 800-number (`7800…`) as the virtual number,
//!   `dtmf_string` of `0-9*#.`, `direction` `in|out`, `employee.id` a number, `employee.phone_number`
//!   one of the employee's active numbers; then the account: its virtual numbers (`-32007
//!   virtual_phone_number_not_found`), a contact that is one of them
//!   (`own_virtual_phone_number_not_allowed`), its blacklist (`-32002 contact_in_blacklist`), its
//!   employees (`employee_not_found`, `no_active_phone_number`). The account has no media files,
//!   so `media_file_id` and `media` messages are `media_file_not_found`. Any other parameter is
//!   `unexpected_parameters`, a wrong type `data_type_error`, both naming the dotted field.
//!   Success answers a new `call_session_id`, increasing from 500000001.
//! - Limits: every JSON-RPC answer carries `metadata.limits{day_limit, day_remaining, day_reset,
//!   minute_limit, minute_remaining, minute_reset}` — in `result.metadata` for a result, and in
//!   `error.data.metadata` for an error (where the platform puts it on errors is unconfirmed).
//!   Only successful calls are charged, one point each; over the limit a call is `-32029
//!   limit_exceeded`, with `minute_reset` the seconds left in the window.
//! - Unconfirmed, so answered with the nearest documented error: a wrong content type
//!   (`invalid_request`), an 800-number and an employee's foreign `phone_number`
//!   (`invalid_parameter_value`). Not modelled: `tts_text_exceeded`,
//!   `character_encoding_not_allowed`, SIP contacts, `login.user`, the IP allow-list.
//! - Scripted failures for the next request: an HTTP status with a text/HTML body, a slow
//!   answer, a JSON-RPC error.
//! - Every request is recorded, so tests assert on what was received, not on what was sent.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::{Map, Value, json};

/// The account's one valid `access_token`.
pub const TOKEN: &str = "local-call-api-token-0123456789";

const PATH: &str = "/v4.0";
const FIRST_CALL_SESSION_ID: u64 = 500_000_001;
const MINUTE_LIMIT: u32 = 1_000;
const DAY_LIMIT: u32 = 100_000;

/// The parameters `start.employee_call` takes.
const EMPLOYEE_CALL_PARAMS: &[&str] = &[
    "access_token",
    "first_call",
    "switch_at_once",
    "early_switching",
    "media_file_id",
    "virtual_phone_number",
    "show_virtual_phone_number",
    "contact",
    "external_id",
    "dtmf_string",
    "direction",
    "employee",
    "contact_message",
    "employee_message",
];

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The JSON-RPC method, or "" when the request had none.
    pub method: String,
    /// The JSON-RPC params with `access_token` replaced by `"<token>"` when it was [`TOKEN`] and
    /// by `"<other>"` otherwise; null when the request had none.
    pub params: Value,
    /// The HTTP status answered; 0 while unanswered (or when the caller gave up first).
    pub http_status: u16,
    /// The JSON answered, or the text of a plain answer as a string.
    pub answer: Value,
    pub at: Instant,
}

#[derive(Debug)]
enum Scripted {
    Status(u16),
    Delay(Duration),
    Rpc(i64, String),
}

/// A limit's points over a window that starts with the first request after the previous one
/// ended.
#[derive(Debug)]
struct Window {
    length: Duration,
    limit: u32,
    used: u32,
    started: Instant,
}

impl Window {
    fn new(length: Duration, limit: u32) -> Self {
        Self { length, limit, used: 0, started: Instant::now() }
    }

    fn roll(&mut self, now: Instant) {
        if now.duration_since(self.started) >= self.length {
            self.started = now;
            self.used = 0;
        }
    }

    fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    /// Whole seconds until the window ends, at least 1.
    fn reset(&self, now: Instant) -> u64 {
        let left = self.length.saturating_sub(now.duration_since(self.started));
        (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)
    }
}

#[derive(Debug)]
struct ServerState {
    /// Employee id → active phone numbers.
    employees: HashMap<u64, Vec<String>>,
    virtual_numbers: BTreeSet<String>,
    blacklist: BTreeSet<String>,
    token_expired: bool,
    minute: Window,
    day: Window,
    next_call_session_id: u64,
    received: Vec<Received>,
    employee_calls: Vec<Value>,
    call_session_ids: Vec<u64>,
    script: VecDeque<Scripted>,
}

type Shared = Arc<Mutex<ServerState>>;

/// A running server; stops when dropped.
pub struct UisCallApi {
    url: String,
    state: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for UisCallApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl UisCallApi {
    /// Starts on an ephemeral port of 127.0.0.1, with an account that has no employees, virtual
    /// numbers or blacklisted contacts yet.
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(ServerState {
            employees: HashMap::new(),
            virtual_numbers: BTreeSet::new(),
            blacklist: BTreeSet::new(),
            token_expired: false,
            minute: Window::new(Duration::from_secs(60), MINUTE_LIMIT),
            day: Window::new(Duration::from_secs(86_400), DAY_LIMIT),
            next_call_session_id: FIRST_CALL_SESSION_ID,
            received: Vec::new(),
            employee_calls: Vec::new(),
            call_session_ids: Vec::new(),
            script: VecDeque::new(),
        }));
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.expect("bind UIS Call API");
        let addr = listener.local_addr().expect("address");
        let router = axum::Router::new().fallback(handle).with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { url: format!("http://{addr}{PATH}"), state, task }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ServerState> {
        self.state.lock().expect("state")
    }

    /// The endpoint, `http://127.0.0.1:<port>/v4.0`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// An employee of the account with these active phone numbers (none: every call to them is
    /// `no_active_phone_number`).
    pub fn add_employee(&self, id: u64, active_phones: &[&str]) {
        self.state().employees.insert(id, active_phones.iter().map(|p| (*p).to_owned()).collect());
    }

    /// A virtual number the account owns, as E.164 digits.
    pub fn add_virtual_number(&self, digits: &str) {
        self.state().virtual_numbers.insert(digits.to_owned());
    }

    /// A contact on the account's blacklist, as E.164 digits.
    pub fn block_contact(&self, digits: &str) {
        self.state().blacklist.insert(digits.to_owned());
    }

    /// [`TOKEN`] expires: from now on it is `access_token_expired`.
    pub fn expire_token(&self) {
        self.state().token_expired = true;
    }

    /// Points per minute: once `n` successful calls were made in the current minute, the next
    /// are `limit_exceeded` until the minute ends.
    pub fn set_minute_limit(&self, n: u32) {
        self.state().minute.limit = n;
    }

    /// The next request is answered `status` with a text/HTML body, as a proxy in front of the
    /// API would.
    pub fn fail_next(&self, status: u16) {
        self.state().script.push_back(Scripted::Status(status));
    }

    /// The next request is answered only after `delay`.
    pub fn delay_next(&self, delay: Duration) {
        self.state().script.push_back(Scripted::Delay(delay));
    }

    /// The next request, when it is a well-formed JSON-RPC request, is answered this JSON-RPC
    /// error (e.g. `-32603 internal_error`) instead of its own answer.
    pub fn fail_next_rpc(&self, code: i64, mnemonic: &str) {
        self.state().script.push_back(Scripted::Rpc(code, mnemonic.to_owned()));
    }

    pub fn received(&self) -> Vec<Received> {
        self.state().received.clone()
    }

    /// The params of the successful `start.employee_call`s, `access_token` redacted.
    pub fn employee_calls(&self) -> Vec<Value> {
        self.state().employee_calls.clone()
    }

    /// The `call_session_id`s handed out, in order.
    pub fn call_session_ids(&self) -> Vec<u64> {
        self.state().call_session_ids.clone()
    }
}

/// What the server answers.
enum Answer {
    Rpc(Value),
    Plain { status: u16, content_type: &'static str, text: String },
}

impl Answer {
    fn plain(status: u16, text: &str) -> Self {
        Self::Plain { status, content_type: "text/plain; charset=utf-8", text: text.to_owned() }
    }

    fn status(&self) -> u16 {
        match self {
            Self::Rpc(_) => 200,
            Self::Plain { status, .. } => *status,
        }
    }

    fn recorded(&self) -> Value {
        match self {
            Self::Rpc(body) => body.clone(),
            Self::Plain { text, .. } => Value::String(text.clone()),
        }
    }

    fn into_response(self) -> Response {
        let (status, content_type, text) = match self {
            Self::Rpc(body) => (200, "application/json; charset=UTF-8", body.to_string()),
            Self::Plain { status, content_type, text } => (status, content_type, text),
        };
        let mut response =
            (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), text).into_response();
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static(content_type));
        if status == 405 {
            headers.insert("allow", HeaderValue::from_static("POST"));
        }
        response
    }
}

/// A JSON-RPC error.
#[derive(Debug)]
struct RpcError {
    code: i64,
    mnemonic: String,
    field: Option<String>,
    value: Value,
}

impl RpcError {
    fn new(code: i64, mnemonic: &str) -> Self {
        Self { code, mnemonic: mnemonic.to_owned(), field: None, value: Value::Null }
    }

    /// The error names `field` and echoes `value`, unless the value holds the token (sent under
    /// another name, say).
    fn on(mut self, field: &str, value: &Value) -> Self {
        self.field = Some(field.to_owned());
        if !value.to_string().contains(TOKEN) {
            self.value = value.clone();
        }
        self
    }

    /// `invalid_request`.
    fn request() -> Self {
        Self::new(-32600, "invalid_request")
    }

    /// A `-32602` params error on `field`.
    fn param(mnemonic: &str, field: &str, value: &Value) -> Self {
        Self::new(-32602, mnemonic).on(field, value)
    }

    /// "Invalid parameter value" from `invalid_parameter_value`.
    fn message(&self) -> String {
        let text = self.mnemonic.replace('_', " ");
        let mut chars = text.chars();
        chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }
}

type Checked<T> = Result<T, RpcError>;

async fn handle(State(state): State<Shared>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1024 * 1024).await.unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
    let request = parsed.as_ref().and_then(Value::as_object);
    let (method, params) = match request {
        Some(object) => (
            object.get("method").and_then(Value::as_str).unwrap_or_default().to_owned(),
            object.get("params").map_or(Value::Null, redacted),
        ),
        None => (String::new(), Value::Null),
    };
    let (index, scripted) = {
        let mut state = state.lock().expect("state");
        state.received.push(Received { method, params, http_status: 0, answer: Value::Null, at: Instant::now() });
        (state.received.len() - 1, state.script.pop_front())
    };
    let answer = if let Some(Scripted::Status(status)) = scripted {
        proxy_failure(status)
    } else {
        let mut instead = None;
        match scripted {
            Some(Scripted::Delay(delay)) => tokio::time::sleep(delay).await,
            Some(Scripted::Rpc(code, mnemonic)) => instead = Some(RpcError::new(code, &mnemonic)),
            _ => {}
        }
        route(&state, &parts.method, parts.uri.path(), &parts.headers, parsed.as_ref(), instead)
    };
    let mut locked = state.lock().expect("state");
    locked.received[index].http_status = answer.status();
    locked.received[index].answer = answer.recorded();
    drop(locked);
    answer.into_response()
}

/// The params as recorded: `access_token` redacted.
fn redacted(params: &Value) -> Value {
    let mut params = params.clone();
    if let Some(token) = params.get_mut("access_token") {
        *token = json!(if *token == TOKEN { "<token>" } else { "<other>" });
    }
    params
}

/// The page a proxy in front of the API answers when the API cannot.
fn proxy_failure(status: u16) -> Answer {
    let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
    let title = format!("{status} {reason}");
    Answer::Plain {
        status,
        content_type: "text/html",
        text: format!(
            "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n\
             <hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        ),
    }
}

fn route(
    state: &Shared,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: Option<&Value>,
    scripted: Option<RpcError>,
) -> Answer {
    if path != PATH {
        return Answer::plain(404, "Not Found");
    }
    if method != Method::POST {
        return Answer::plain(405, "Method Not Allowed");
    }
    let mut state = state.lock().expect("state");
    let now = Instant::now();
    state.minute.roll(now);
    state.day.roll(now);
    let (id, outcome) = rpc(&mut state, headers, body, scripted);
    let limits = json!({"metadata": {"limits": {
        "day_limit": state.day.limit,
        "day_remaining": state.day.remaining(),
        "day_reset": state.day.reset(now),
        "minute_limit": state.minute.limit,
        "minute_remaining": state.minute.remaining(),
        "minute_reset": state.minute.reset(now),
    }}});
    let metadata = &limits["metadata"];
    Answer::Rpc(match outcome {
        Ok(data) => json!({"jsonrpc": "2.0", "id": id, "result": {"data": data, "metadata": metadata}}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": {
            "code": error.code,
            "message": error.message(),
            "data": {
                "mnemonic": error.mnemonic,
                "field": error.field,
                "value": error.value,
                "params": {},
                "extended_helper": null,
                "metadata": metadata,
            },
        }}),
    })
}

/// One JSON-RPC request: its `result.data` or its error, with its id (null when it has no valid
/// one).
fn rpc(
    state: &mut ServerState,
    headers: &HeaderMap,
    body: Option<&Value>,
    scripted: Option<RpcError>,
) -> (Value, Checked<Value>) {
    let id = body.and_then(|b| b.get("id")).filter(|id| id.is_string() || id.is_number()).cloned();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    let answered = if media_type.eq_ignore_ascii_case("application/json") {
        envelope(body).and_then(|(method, params)| scripted.map_or_else(|| call(state, method, params), Err))
    } else {
        Err(RpcError::request())
    };
    (id.unwrap_or(Value::Null), answered)
}

/// The method and params of a well-formed JSON-RPC 2.0 request.
fn envelope(body: Option<&Value>) -> Checked<(&str, &Map<String, Value>)> {
    let body = body.ok_or_else(|| RpcError::new(-32700, "parse_error"))?;
    if body.is_array() {
        return Err(RpcError::new(-32099, "batch_opreations_not_supported"));
    }
    let request = body.as_object().ok_or_else(RpcError::request)?;
    let id = request.get("id").ok_or_else(|| RpcError::new(-32099, "notifications_not_supported"))?;
    if !(id.is_string() || id.is_number()) {
        return Err(RpcError::request().on("id", id));
    }
    if let Some(other) = request.keys().find(|k| !["jsonrpc", "id", "method", "params"].contains(&k.as_str())) {
        return Err(RpcError::request().on(other, &request[other]));
    }
    match request.get("jsonrpc") {
        Some(version) if version == "2.0" => {}
        version => return Err(RpcError::request().on("jsonrpc", version.unwrap_or(&Value::Null))),
    }
    let method = request.get("method").ok_or_else(|| RpcError::request().on("method", &Value::Null))?;
    let method = method.as_str().ok_or_else(|| RpcError::request().on("method", method))?;
    let params = request.get("params").ok_or_else(|| RpcError::request().on("params", &Value::Null))?;
    // Params that are not an object are not echoed: they may hold the token.
    let params = params.as_object().ok_or_else(|| RpcError::request().on("params", &Value::Null))?;
    Ok((method, params))
}

fn call(state: &mut ServerState, method: &str, params: &Map<String, Value>) -> Checked<Value> {
    if method != "start.employee_call" {
        return Err(RpcError::new(-32601, "method_not_found").on("method", &json!(method)));
    }
    // The token's value is never echoed.
    let token = params
        .get("access_token")
        .ok_or_else(|| RpcError::param("required_parameter_missed", "access_token", &Value::Null))?;
    let token = token.as_str().ok_or_else(|| RpcError::param("data_type_error", "access_token", &Value::Null))?;
    if token != TOKEN {
        return Err(RpcError::new(-32001, "access_token_invalid").on("access_token", &Value::Null));
    }
    if state.token_expired {
        return Err(RpcError::new(-32001, "access_token_expired").on("access_token", &Value::Null));
    }
    if state.minute.remaining() == 0 || state.day.remaining() == 0 {
        return Err(RpcError::new(-32029, "limit_exceeded"));
    }
    start_employee_call(state, params)?;
    state.minute.used += 1;
    state.day.used += 1;
    let id = state.next_call_session_id;
    state.next_call_session_id += 1;
    state.call_session_ids.push(id);
    state.employee_calls.push(redacted(&Value::Object(params.clone())));
    Ok(json!({"call_session_id": id}))
}

fn start_employee_call(state: &ServerState, params: &Map<String, Value>) -> Checked<()> {
    only(params, "", EMPLOYEE_CALL_PARAMS)?;
    let first_call = required_str(params, "", "first_call")?;
    if !["employee", "contact"].contains(&first_call) {
        return Err(invalid(params, "", "first_call"));
    }
    let switch_at_once = optional_bool(params, "switch_at_once")?.unwrap_or(false);
    let early_switching = optional_bool(params, "early_switching")?.unwrap_or(false);
    optional_bool(params, "show_virtual_phone_number")?;
    if let Some(file) = params.get("media_file_id")
        && !file.is_u64()
    {
        return Err(RpcError::param("data_type_error", "media_file_id", file));
    }
    let virtual_number = required_str(params, "", "virtual_phone_number")?;
    if !e164(virtual_number) || virtual_number.starts_with("7800") {
        return Err(invalid(params, "", "virtual_phone_number"));
    }
    let contact = required_str(params, "", "contact")?;
    if !e164(contact) {
        return Err(invalid(params, "", "contact"));
    }
    optional_str(params, "", "external_id")?;
    if let Some(dtmf) = optional_str(params, "", "dtmf_string")?
        && (dtmf.is_empty() || !dtmf.chars().all(|c| c.is_ascii_digit() || "*#.".contains(c)))
    {
        return Err(invalid(params, "", "dtmf_string"));
    }
    if let Some(direction) = optional_str(params, "", "direction")?
        && !["in", "out"].contains(&direction)
    {
        return Err(invalid(params, "", "direction"));
    }
    let employee = required_object(params, "", "employee")?;
    only(employee, "employee", &["id", "phone_number"])?;
    let id_value =
        employee.get("id").ok_or_else(|| RpcError::param("required_parameter_missed", "employee.id", &Value::Null))?;
    let employee_id = id_value.as_u64().ok_or_else(|| RpcError::param("data_type_error", "employee.id", id_value))?;
    let phone_number = optional_str(employee, "employee", "phone_number")?;
    let mut media_messages = Vec::new();
    for name in ["contact_message", "employee_message"] {
        if params.contains_key(name) {
            let message = required_object(params, "", name)?;
            only(message, name, &["type", "value"])?;
            let kind = required_str(message, name, "type")?;
            match kind {
                "tts" => {
                    required_str(message, name, "value")?;
                }
                "media" => {
                    required(message, name, "value")?;
                    media_messages.push(name);
                }
                _ => return Err(invalid(message, name, "type")),
            }
        }
    }

    if early_switching && !(first_call == "employee" && switch_at_once) {
        return Err(RpcError::param("invalid_parameters_combination", "early_switching", &json!(true)));
    }
    if let Some(file) = params.get("media_file_id") {
        return Err(RpcError::param("media_file_not_found", "media_file_id", file));
    }
    if let Some(name) = media_messages.first() {
        return Err(RpcError::param("media_file_not_found", &format!("{name}.value"), &params[*name]["value"]));
    }
    if !state.virtual_numbers.contains(virtual_number) {
        return Err(
            RpcError::new(-32007, "virtual_phone_number_not_found").on("virtual_phone_number", &json!(virtual_number))
        );
    }
    if state.virtual_numbers.contains(contact) {
        return Err(RpcError::param("own_virtual_phone_number_not_allowed", "contact", &json!(contact)));
    }
    if state.blacklist.contains(contact) {
        return Err(RpcError::new(-32002, "contact_in_blacklist").on("contact", &json!(contact)));
    }
    let active = state
        .employees
        .get(&employee_id)
        .ok_or_else(|| RpcError::param("employee_not_found", "employee.id", id_value))?;
    if active.is_empty() {
        return Err(RpcError::param("no_active_phone_number", "employee.id", id_value));
    }
    if let Some(phone) = phone_number
        && !active.iter().any(|a| a == phone)
    {
        return Err(RpcError::param("invalid_parameter_value", "employee.phone_number", &json!(phone)));
    }
    Ok(())
}

/// E.164 without "+": 10 to 15 digits.
fn e164(number: &str) -> bool {
    (10..=15).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit())
}

/// `name` within the object at dotted path `at` ("" for the params themselves).
fn dotted(at: &str, name: &str) -> String {
    if at.is_empty() { name.to_owned() } else { format!("{at}.{name}") }
}

fn only(object: &Map<String, Value>, at: &str, allowed: &[&str]) -> Checked<()> {
    match object.iter().find(|(name, _)| !allowed.contains(&name.as_str())) {
        Some((name, value)) => Err(RpcError::param("unexpected_parameters", &dotted(at, name), value)),
        None => Ok(()),
    }
}

fn invalid(object: &Map<String, Value>, at: &str, name: &str) -> RpcError {
    RpcError::param("invalid_parameter_value", &dotted(at, name), &object[name])
}

fn required<'a>(object: &'a Map<String, Value>, at: &str, name: &str) -> Checked<&'a Value> {
    object.get(name).ok_or_else(|| RpcError::param("required_parameter_missed", &dotted(at, name), &Value::Null))
}

fn required_str<'a>(object: &'a Map<String, Value>, at: &str, name: &str) -> Checked<&'a str> {
    let value = required(object, at, name)?;
    value.as_str().ok_or_else(|| RpcError::param("data_type_error", &dotted(at, name), value))
}

fn required_object<'a>(object: &'a Map<String, Value>, at: &str, name: &str) -> Checked<&'a Map<String, Value>> {
    let value = required(object, at, name)?;
    value.as_object().ok_or_else(|| RpcError::param("data_type_error", &dotted(at, name), value))
}

fn optional_str<'a>(object: &'a Map<String, Value>, at: &str, name: &str) -> Checked<Option<&'a str>> {
    match object.get(name) {
        None => Ok(None),
        Some(value) => {
            value.as_str().map(Some).ok_or_else(|| RpcError::param("data_type_error", &dotted(at, name), value))
        }
    }
}

fn optional_bool(params: &Map<String, Value>, name: &str) -> Checked<Option<bool>> {
    match params.get(name) {
        None => Ok(None),
        Some(value) => value.as_bool().map(Some).ok_or_else(|| RpcError::param("data_type_error", name, value)),
    }
}
