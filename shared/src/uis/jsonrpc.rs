//! What the UIS Call API and Data API share: JSON-RPC 2.0 over HTTPS POST, one request per call
//! (UIS supports no batches), the key as `params.access_token`, and errors read from
//! `error.data.mnemonic`. Each client turns a [`Failure`] or an [`RpcError`] into its own error.
//!
//! Nothing here puts the URL, the token or a value UIS echoes back into a message.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

/// The wait a `limit_exceeded` asks for when UIS says nothing usable.
pub const DEFAULT_RETRY_AFTER: u64 = 60;

/// Why a request got no JSON-RPC answer to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 429: the points are spent; retry after this many seconds.
    LimitExceeded { retry_after: u64 },
    /// Transport, an HTTP error status or a body that is not JSON-RPC.
    Unavailable(String),
}

/// A JSON-RPC answer: its `result` or its `error`.
#[derive(Debug, Deserialize)]
pub struct Answer {
    pub result: Option<Value>,
    pub error: Option<RpcError>,
}

/// A JSON-RPC error as UIS sends it: `error{code, message, data{mnemonic, field, value, …}}`.
#[derive(Debug, Deserialize)]
pub struct RpcError {
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub data: Option<Value>,
}

/// What an error is about, by its code group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// `-32029`: the account's points are spent.
    Limit,
    /// `-32001` keys, `-32003` permissions and IP allow-list, `-32008` components, `-32009`
    /// account: the configuration or the UIS account has to change.
    Access,
    /// `-32603 internal_error`: UIS failed.
    Internal,
    /// `-32700`, `-32600`, `-32601`, `-32099`: the envelope ccbridge built is wrong.
    Envelope,
    /// Anything else, `-32602` params above all: about a value in the request.
    Params,
}

impl RpcError {
    /// The code group, which decides whether retrying, reconfiguring or fixing helps.
    pub fn group(&self) -> Group {
        match self.code {
            -32029 => Group::Limit,
            -32001 | -32003 | -32008 | -32009 => Group::Access,
            -32603 => Group::Internal,
            -32700 | -32600 | -32601 | -32099 => Group::Envelope,
            _ => Group::Params,
        }
    }

    /// `data.mnemonic`, or "" when there is none or it is not a snake_case word.
    pub fn mnemonic(&self) -> &str {
        self.word("mnemonic", "_")
    }

    /// `data.field` (dotted for nested params), or "" when there is none or it is not a name.
    pub fn field(&self) -> &str {
        self.word("field", "_.")
    }

    /// `data.<name>` when it is a short word of ASCII letters, digits and `extra`: a name, never a
    /// sentence that might quote what was sent.
    fn word(&self, name: &str, extra: &str) -> &str {
        let text = self.data.as_ref().and_then(|d| d.get(name)).and_then(Value::as_str).unwrap_or_default();
        let is_word = text.len() <= 64 && text.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
        if is_word { text } else { "" }
    }

    /// The mnemonic, or the code when there is none: never the message, which may quote what was
    /// sent.
    pub fn named(&self) -> String {
        match self.mnemonic() {
            "" => format!("code {}", self.code),
            mnemonic => mnemonic.to_owned(),
        }
    }

    /// The seconds a `limit_exceeded` asks to wait: the day's reset when the day's points are
    /// spent and the minute's are not, else the minute's; bounded.
    pub fn retry_after(&self) -> u64 {
        let limits = self.data.as_ref().and_then(|d| d.pointer("/metadata/limits")).map(Limits::read);
        bounded(limits.and_then(|l| {
            let spent = |remaining: Option<u64>| remaining == Some(0);
            if spent(l.day_remaining) && !spent(l.minute_remaining) { l.day_reset } else { l.minute_reset }
        }))
    }
}

/// The account's points as an answer reports them (`metadata.limits`); a counter UIS left out
/// is `None`. `*_reset` are seconds until that counter starts again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub day_limit: Option<u64>,
    pub day_remaining: Option<u64>,
    pub day_reset: Option<u64>,
    pub minute_limit: Option<u64>,
    pub minute_remaining: Option<u64>,
    pub minute_reset: Option<u64>,
}

impl Limits {
    /// Reads `metadata.limits`, numbers or strings of digits alike; anything else is left out.
    pub fn read(limits: &Value) -> Self {
        let get = |name: &str| limits.get(name).and_then(lenient_u64);
        Self {
            day_limit: get("day_limit"),
            day_remaining: get("day_remaining"),
            day_reset: get("day_reset"),
            minute_limit: get("minute_limit"),
            minute_remaining: get("minute_remaining"),
            minute_reset: get("minute_reset"),
        }
    }

    /// Whether the day's remaining points are down to `reserve` (points left for the account's
    /// other integrations); unknown remaining points are not.
    pub fn reserve_reached(&self, reserve: u64) -> bool {
        self.day_remaining.is_some_and(|remaining| remaining <= reserve)
    }
}

/// A number UIS sent as a JSON number or as a string of digits.
pub fn lenient_u64(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The request body of `method`: a fresh random `id` (a notification would be refused).
pub fn request(method: &str, params: Value) -> String {
    json!({
        "jsonrpc": "2.0",
        "id": uuid::Uuid::new_v4().simple().to_string(),
        "method": method,
        "params": params,
    })
    .to_string()
}

/// POSTs `body` to `url` and reads a JSON-RPC answer; `timeout`, when given, overrides the
/// client's for this request.
pub async fn call(
    http: &reqwest::Client,
    url: &str,
    body: String,
    timeout: Option<Duration>,
) -> Result<Answer, Failure> {
    let mut request = http.post(url).header(http::header::CONTENT_TYPE, "application/json; charset=UTF-8").body(body);
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    let response = request.send().await.map_err(|e| Failure::Unavailable(describe(&e)))?;
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        return Err(Failure::LimitExceeded { retry_after: bounded(retry_after) });
    }
    if !status.is_success() {
        return Err(Failure::Unavailable(format!("HTTP {}", status.as_u16())));
    }
    let text = response.bytes().await.map_err(|e| Failure::Unavailable(describe(&e)))?;
    read(&text)
}

/// Reads a JSON-RPC answer.
pub fn read(text: &[u8]) -> Result<Answer, Failure> {
    serde_json::from_slice(text).map_err(|e| Failure::Unavailable(format!("the answer is not JSON-RPC: {e}")))
}

/// A wait between one second and a day.
pub fn bounded(seconds: Option<u64>) -> u64 {
    seconds.unwrap_or(DEFAULT_RETRY_AFTER).clamp(1, 86_400)
}

/// A transport error without the URL or anything from the body.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "could not connect".into()
    } else {
        "the request failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(body: Value) -> RpcError {
        serde_json::from_value(body).expect("an error object")
    }

    #[test]
    fn groups_follow_the_code() {
        let of = |code: i64| error(json!({"code": code, "message": "x"})).group();
        assert_eq!(of(-32029), Group::Limit);
        assert_eq!([of(-32001), of(-32003), of(-32008), of(-32009)], [Group::Access; 4]);
        assert_eq!(of(-32603), Group::Internal);
        assert_eq!([of(-32700), of(-32600), of(-32601), of(-32099)], [Group::Envelope; 4]);
        assert_eq!([of(-32602), of(-32007), of(-1)], [Group::Params; 3]);
    }

    #[test]
    fn the_wait_is_the_spent_counters_reset() {
        let limits = |limits: Value| error(json!({"code": -32029, "data": {"metadata": {"limits": limits}}}));
        let minute = limits(json!({"minute_remaining": 0, "minute_reset": 17, "day_remaining": 5, "day_reset": 9000}));
        assert_eq!(minute.retry_after(), 17);
        let day = limits(json!({"minute_remaining": 3, "minute_reset": 17, "day_remaining": 0, "day_reset": "9000"}));
        assert_eq!(day.retry_after(), 9000);
        assert_eq!(error(json!({"code": -32029})).retry_after(), DEFAULT_RETRY_AFTER);
        assert_eq!(limits(json!({"minute_reset": 0})).retry_after(), 1);
        assert_eq!(limits(json!({"minute_reset": 10_000_000})).retry_after(), 86_400);
    }

    #[test]
    fn limits_are_read_leniently() {
        let limits = Limits::read(&json!({"day_limit": "10000", "day_remaining": 800, "day_reset": -5,
            "minute_limit": null, "minute_remaining": "x"}));
        assert_eq!(limits.day_limit, Some(10_000));
        assert_eq!(limits.day_remaining, Some(800));
        assert_eq!(
            (limits.day_reset, limits.minute_limit, limits.minute_remaining, limits.minute_reset),
            (None, None, None, None)
        );
        assert!(limits.reserve_reached(1000));
        assert!(!limits.reserve_reached(799));
        assert!(!Limits::default().reserve_reached(1000));
    }

    #[test]
    fn a_name_is_the_mnemonic_or_the_code_never_the_message() {
        let named = error(json!({"code": -32001, "message": "token abc", "data": {"mnemonic": "access_token_invalid",
            "field": "access_token", "value": "abc"}}));
        assert_eq!((named.named().as_str(), named.field()), ("access_token_invalid", "access_token"));
        assert_eq!(error(json!({"code": -32603, "message": "token abc"})).named(), "code -32603");
        let sentence = error(json!({"code": -32602, "data": {"mnemonic": "Invalid value +7916", "field": "a b"}}));
        assert_eq!((sentence.named().as_str(), sentence.field()), ("code -32602", ""));
        assert!(matches!(read(b"<html>502</html>"), Err(Failure::Unavailable(_))));
    }
}
