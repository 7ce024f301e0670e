//! What the local UIS Call API and Data API servers share: the JSON-RPC 2.0 envelope as UIS
//! enforces it, the token check, the point budgets, scripted failures and the journal of every
//! request. Each API supplies its path, its token, its methods and their answers ([`Api`]).
//!
//! - Transport: one path, `POST` only (another path is 404, another method 405);
//!   `Content-Type: application/json` (a charset is allowed; another type is `invalid_request`,
//!   the nearest documented error); one request object with exactly `jsonrpc: "2.0"`, an `id`
//!   (string or number), a `method` string and a `params` object. Unparseable JSON is `-32700
//!   parse_error`; a batch is `-32099 batch_opreations_not_supported` (the platform's spelling);
//!   a request without `id` is `-32099 notifications_not_supported`; any other malformed request
//!   is `-32600 invalid_request`; an unknown method is `-32601 method_not_found`. Errors are
//!   answered with HTTP 200 and `error{code, message, data{mnemonic, field, value, params,
//!   extended_helper, metadata}}`.
//! - Authentication: `params.access_token` is required and must be the API's token (`-32001
//!   access_token_invalid`) until it expires (`-32001 access_token_expired`). The token is never
//!   echoed, and [`Received`] holds it redacted.
//! - Limits: every answer carries `metadata.limits{day_limit, day_remaining, day_reset,
//!   minute_limit, minute_remaining, minute_reset}` — in `result.metadata`, and in
//!   `error.data.metadata` (where the platform puts it on errors is unconfirmed). Only
//!   successful requests are charged, one point each; over a budget a request is `-32029
//!   limit_exceeded`, with `*_reset` the seconds left in the window.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::{Map, Value, json};

/// One request a server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The JSON-RPC method, or "" when the request had none.
    pub method: String,
    /// The JSON-RPC params with `access_token` replaced by `"<token>"` when it was the API's
    /// token and by `"<other>"` otherwise; null when the request had none.
    pub params: Value,
    /// The HTTP status answered; 0 while unanswered (or when the caller gave up first).
    pub http_status: u16,
    /// The JSON answered, or the text of a plain answer as a string.
    pub answer: Value,
    pub at: Instant,
}

/// A failure scripted for the next request.
#[derive(Debug)]
pub enum Scripted {
    /// An HTTP status with a text/HTML body, as a proxy in front of the API answers.
    Status(u16),
    /// The answer comes only after this long.
    Delay(Duration),
    /// This JSON-RPC error instead of the answer, for a well-formed request.
    Rpc(i64, String),
}

/// A budget of points over a window that starts with the first request after the previous one
/// ended.
#[derive(Debug)]
pub struct Window {
    length: Duration,
    pub limit: u32,
    pub used: u32,
    started: Instant,
}

impl Window {
    pub fn new(length: Duration, limit: u32) -> Self {
        Self { length, limit, used: 0, started: Instant::now() }
    }

    fn roll(&mut self, now: Instant) {
        if now.duration_since(self.started) >= self.length {
            self.started = now;
            self.used = 0;
        }
    }

    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    /// Whole seconds until the window ends, at least 1.
    fn reset(&self, now: Instant) -> u64 {
        let left = self.length.saturating_sub(now.duration_since(self.started));
        (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)
    }
}

/// The state every server keeps besides its account.
#[derive(Debug)]
pub struct Common {
    pub token_expired: bool,
    pub minute: Window,
    pub day: Window,
    pub received: Vec<Received>,
    pub script: VecDeque<Scripted>,
}

impl Common {
    pub fn new(minute_limit: u32, day_limit: u32) -> Self {
        Self {
            token_expired: false,
            minute: Window::new(Duration::from_secs(60), minute_limit),
            day: Window::new(Duration::from_secs(86_400), day_limit),
            received: Vec::new(),
            script: VecDeque::new(),
        }
    }
}

/// What a successful request answers.
#[derive(Debug)]
pub struct Success {
    /// `result.data`.
    pub data: Value,
    /// `result.metadata.total_items`, for the methods that count their rows.
    pub total_items: Option<u64>,
}

impl From<Value> for Success {
    fn from(data: Value) -> Self {
        Self { data, total_items: None }
    }
}

/// One UIS JSON-RPC API: its path, its token, its methods.
pub trait Api: Send + 'static {
    /// The one path served, e.g. `/v4.0`.
    const PATH: &'static str;
    /// The account's one valid `access_token`.
    const TOKEN: &'static str;

    fn common(&mut self) -> &mut Common;

    /// Whether `method` exists.
    fn knows(&self, method: &str) -> bool;

    /// Answers an authenticated request within the limits; charged one point when it succeeds.
    fn call(&mut self, method: &str, params: &Map<String, Value>) -> Checked<Success>;
}

/// A running server; stops when dropped.
pub struct Server<A> {
    url: String,
    state: Arc<Mutex<A>>,
    task: tokio::task::JoinHandle<()>,
}

impl<A> Drop for Server<A> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<A: Api> Server<A> {
    /// Serves `api` on an ephemeral port of 127.0.0.1.
    pub async fn serve(api: A) -> Self {
        let state = Arc::new(Mutex::new(api));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let router = axum::Router::new().fallback(handle::<A>).with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { url: format!("http://{addr}{}", A::PATH), state, task }
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, A> {
        self.state.lock().expect("state")
    }

    /// The endpoint, `http://127.0.0.1:<port><PATH>`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The token expires: from now on it is `access_token_expired`.
    pub fn expire_token(&self) {
        self.state().common().token_expired = true;
    }

    /// Points per minute: once `n` successful requests were made in the current minute, the
    /// next are `limit_exceeded` until the minute ends.
    pub fn set_minute_limit(&self, n: u32) {
        self.state().common().minute.limit = n;
    }

    /// Points per day, like [`Server::set_minute_limit`].
    pub fn set_day_limit(&self, n: u32) {
        self.state().common().day.limit = n;
    }

    /// The next request is answered `status` with a text/HTML body, as a proxy in front of the
    /// API would.
    pub fn fail_next(&self, status: u16) {
        self.state().common().script.push_back(Scripted::Status(status));
    }

    /// The next request is answered only after `delay`.
    pub fn delay_next(&self, delay: Duration) {
        self.state().common().script.push_back(Scripted::Delay(delay));
    }

    /// The next request, when it is a well-formed JSON-RPC request, is answered this JSON-RPC
    /// error (e.g. `-32603 internal_error`) instead of its own answer.
    pub fn fail_next_rpc(&self, code: i64, mnemonic: &str) {
        self.state().common().script.push_back(Scripted::Rpc(code, mnemonic.to_owned()));
    }

    /// Every request received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state().common().received.clone()
    }
}

/// What a server answers.
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
pub struct RpcError {
    code: i64,
    mnemonic: String,
    field: Option<String>,
    value: Value,
}

impl RpcError {
    pub fn new(code: i64, mnemonic: &str) -> Self {
        Self { code, mnemonic: mnemonic.to_owned(), field: None, value: Value::Null }
    }

    /// The error names `field` and echoes `value` (never when it holds the token).
    pub fn on(mut self, field: &str, value: &Value) -> Self {
        self.field = Some(field.to_owned());
        self.value = value.clone();
        self
    }

    /// `invalid_request`.
    pub fn request() -> Self {
        Self::new(-32600, "invalid_request")
    }

    /// A `-32602` params error on `field`.
    pub fn param(mnemonic: &str, field: &str, value: &Value) -> Self {
        Self::new(-32602, mnemonic).on(field, value)
    }

    /// "Invalid parameter value" from `invalid_parameter_value`.
    fn message(&self) -> String {
        let text = self.mnemonic.replace('_', " ");
        let mut chars = text.chars();
        chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }
}

pub type Checked<T> = Result<T, RpcError>;

async fn handle<A: Api>(State(state): State<Arc<Mutex<A>>>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1024 * 1024).await.unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
    let request = parsed.as_ref().and_then(Value::as_object);
    let (method, params) = match request {
        Some(object) => (
            object.get("method").and_then(Value::as_str).unwrap_or_default().to_owned(),
            object.get("params").map_or(Value::Null, |p| redacted(p, A::TOKEN)),
        ),
        None => (String::new(), Value::Null),
    };
    let (index, scripted) = {
        let mut api = state.lock().expect("state");
        let common = api.common();
        common.received.push(Received { method, params, http_status: 0, answer: Value::Null, at: Instant::now() });
        (common.received.len() - 1, common.script.pop_front())
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
    let mut api = state.lock().expect("state");
    let received = &mut api.common().received[index];
    received.http_status = answer.status();
    received.answer = answer.recorded();
    drop(api);
    answer.into_response()
}

/// `params` as recorded: `access_token` redacted.
pub fn redacted(params: &Value, token: &str) -> Value {
    let mut params = params.clone();
    if let Some(sent) = params.get_mut("access_token") {
        *sent = json!(if *sent == token { "<token>" } else { "<other>" });
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

fn route<A: Api>(
    state: &Arc<Mutex<A>>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: Option<&Value>,
    scripted: Option<RpcError>,
) -> Answer {
    if path != A::PATH {
        return Answer::plain(404, "Not Found");
    }
    if method != Method::POST {
        return Answer::plain(405, "Method Not Allowed");
    }
    let mut api = state.lock().expect("state");
    let now = Instant::now();
    api.common().minute.roll(now);
    api.common().day.roll(now);
    let (id, outcome) = rpc(&mut *api, headers, body, scripted);
    let common = api.common();
    let mut metadata = json!({"limits": {
        "day_limit": common.day.limit,
        "day_remaining": common.day.remaining(),
        "day_reset": common.day.reset(now),
        "minute_limit": common.minute.limit,
        "minute_remaining": common.minute.remaining(),
        "minute_reset": common.minute.reset(now),
    }});
    Answer::Rpc(match outcome {
        Ok(Success { data, total_items }) => {
            if let Some(total) = total_items {
                metadata["total_items"] = json!(total);
            }
            json!({"jsonrpc": "2.0", "id": id, "result": {"data": data, "metadata": metadata}})
        }
        Err(error) => {
            // The token is never echoed, whatever name it was sent under.
            let value = if error.value.to_string().contains(A::TOKEN) { Value::Null } else { error.value.clone() };
            json!({"jsonrpc": "2.0", "id": id, "error": {
                "code": error.code,
                "message": error.message(),
                "data": {
                    "mnemonic": error.mnemonic,
                    "field": error.field,
                    "value": value,
                    "params": {},
                    "extended_helper": null,
                    "metadata": metadata,
                },
            }})
        }
    })
}

/// One JSON-RPC request: its result or its error, with its id (null when it has no valid one).
fn rpc<A: Api>(
    api: &mut A,
    headers: &HeaderMap,
    body: Option<&Value>,
    scripted: Option<RpcError>,
) -> (Value, Checked<Success>) {
    let id = body.and_then(|b| b.get("id")).filter(|id| id.is_string() || id.is_number()).cloned();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    let answered = if media_type.eq_ignore_ascii_case("application/json") {
        envelope(body).and_then(|(method, params)| scripted.map_or_else(|| call(api, method, params), Err))
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

/// The method, the token, the limits, then the API's own answer, charged when it succeeds.
fn call<A: Api>(api: &mut A, method: &str, params: &Map<String, Value>) -> Checked<Success> {
    if !api.knows(method) {
        return Err(RpcError::new(-32601, "method_not_found").on("method", &json!(method)));
    }
    // The token's value is never echoed.
    let token = params
        .get("access_token")
        .ok_or_else(|| RpcError::param("required_parameter_missed", "access_token", &Value::Null))?;
    let token = token.as_str().ok_or_else(|| RpcError::param("data_type_error", "access_token", &Value::Null))?;
    if token != A::TOKEN {
        return Err(RpcError::new(-32001, "access_token_invalid").on("access_token", &Value::Null));
    }
    let common = api.common();
    if common.token_expired {
        return Err(RpcError::new(-32001, "access_token_expired").on("access_token", &Value::Null));
    }
    if common.minute.remaining() == 0 || common.day.remaining() == 0 {
        return Err(RpcError::new(-32029, "limit_exceeded"));
    }
    let success = api.call(method, params)?;
    let common = api.common();
    common.minute.used += 1;
    common.day.used += 1;
    Ok(success)
}

/// `name` within the object at dotted path `at` ("" for the params themselves).
pub fn dotted(at: &str, name: &str) -> String {
    if at.is_empty() { name.to_owned() } else { format!("{at}.{name}") }
}

/// Only `allowed` members: another is `unexpected_parameters` naming it.
pub fn only(object: &Map<String, Value>, at: &str, allowed: &[&str]) -> Checked<()> {
    match object.iter().find(|(name, _)| !allowed.contains(&name.as_str())) {
        Some((name, value)) => Err(RpcError::param("unexpected_parameters", &dotted(at, name), value)),
        None => Ok(()),
    }
}

/// `invalid_parameter_value` on member `name` (which must be present).
pub fn invalid(object: &Map<String, Value>, at: &str, name: &str) -> RpcError {
    RpcError::param("invalid_parameter_value", &dotted(at, name), &object[name])
}

pub fn required<'a>(object: &'a Map<String, Value>, at: &str, name: &str) -> Checked<&'a Value> {
    object.get(name).ok_or_else(|| RpcError::param("required_parameter_missed", &dotted(at, name), &Value::Null))
}

pub fn required_str<'a>(object: &'a Map<String, Value>, at: &str, name: &str) -> Checked<&'a str> {
    let value = required(object, at, name)?;
    value.as_str().ok_or_else(|| RpcError::param("data_type_error", &dotted(at, name), value))
}

pub fn required_object<'a>(object: &'a Map<String, Value>, at: &str, name: &str) -> Checked<&'a Map<String, Value>> {
    let value = required(object, at, name)?;
    value.as_object().ok_or_else(|| RpcError::param("data_type_error", &dotted(at, name), value))
}

pub fn optional_str<'a>(object: &'a Map<String, Value>, at: &str, name: &str) -> Checked<Option<&'a str>> {
    match object.get(name) {
        None => Ok(None),
        Some(value) => {
            value.as_str().map(Some).ok_or_else(|| RpcError::param("data_type_error", &dotted(at, name), value))
        }
    }
}

pub fn optional_bool(params: &Map<String, Value>, name: &str) -> Checked<Option<bool>> {
    match params.get(name) {
        None => Ok(None),
        Some(value) => value.as_bool().map(Some).ok_or_else(|| RpcError::param("data_type_error", name, value)),
    }
}
