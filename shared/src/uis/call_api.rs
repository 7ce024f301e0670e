//! The UIS Call API: JSON-RPC 2.0 over HTTPS, one request per call (no batches), the account's
//! key as `params.access_token`. ccbridge uses one method, `start.employee_call`: UIS rings the
//! employee first and, once they answer, dials the customer.
//!
//! A refusal is read from `error.data.mnemonic` and, when it is about something the caller
//! chose, named after the caller's field (`phone`, `employee_id`, `virtual_phone`), so the
//! helpdesk can say which input was wrong. The token only ever travels in the request body:
//! no error message carries it, nor the `value` UIS echoes back.

use serde::Deserialize;
use serde_json::{Value, json};

use super::call::{CallSessionId, Requested};
use super::config::CallApiSettings;
use secrecy::ExposeSecret;

/// The longest a Call API request may take; the double-click lease of a click whose function
/// died is free soon after.
pub const CALL_API_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(8);

/// Why no call was placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallApiError {
    /// UIS refused a value the caller chose: fixing the request helps, retrying does not.
    #[error("the UIS Call API refused {field}: {mnemonic}")]
    Refused { mnemonic: String, field: &'static str },
    /// The account's points for the minute or the day are spent.
    #[error("the UIS Call API's limit is spent; retry in {retry_after} s")]
    LimitExceeded { retry_after: u64 },
    /// UIS refused ccbridge itself: its key, its address or the account's components. The
    /// channel's configuration (or the UIS account) has to change.
    #[error("the UIS Call API refused ccbridge's access: {0}")]
    Access(String),
    /// UIS refused a request ccbridge built wrong: a defect, not the caller's.
    #[error("the UIS Call API refused the request: {0}")]
    Protocol(String),
    /// UIS could not be reached or failed.
    #[error("the UIS Call API is unavailable: {0}")]
    Unavailable(String),
}

/// The request field a Call API parameter comes from, for parameters the caller chose.
fn caller_field(parameter: &str) -> Option<&'static str> {
    match parameter {
        "contact" => Some("phone"),
        "virtual_phone_number" => Some("virtual_phone"),
        "external_id" => Some("external_id"),
        p if p == "employee" || p.starts_with("employee.") => Some("employee_id"),
        _ => None,
    }
}

/// The mnemonics that are about a caller's value even when UIS names no field.
fn field_of_mnemonic(mnemonic: &str) -> Option<&'static str> {
    match mnemonic {
        "employee_not_found" | "no_active_phone_number" => Some("employee_id"),
        "virtual_phone_number_not_found" => Some("virtual_phone"),
        "own_virtual_phone_number_not_allowed" | "contact_in_blacklist" => Some("phone"),
        _ => None,
    }
}

/// The wait a `limit_exceeded` asks for when UIS says nothing usable.
const DEFAULT_RETRY_AFTER: u64 = 60;

#[derive(Debug, Deserialize)]
struct Answer {
    result: Option<Value>,
    error: Option<RpcError>,
}

#[derive(Debug, Deserialize)]
struct RpcError {
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Option<Value>,
}

impl CallApiError {
    /// The outcome of the call, as the outbound-call metric counts it.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Refused { .. } => "refused",
            Self::LimitExceeded { .. } => "rate_limited",
            Self::Access(_) | Self::Protocol(_) => "client_error",
            Self::Unavailable(_) => "unreachable",
        }
    }
}

/// Places an employee call: the new call's session id, or why not.
pub async fn start_employee_call(
    http: &reqwest::Client,
    settings: &CallApiSettings,
    call: &Requested<'_>,
) -> Result<CallSessionId, CallApiError> {
    let mut params = json!({
        "access_token": settings.access_token.expose_secret(),
        "first_call": "employee",
        "virtual_phone_number": call.virtual_phone.digits(),
        "contact": call.contact.digits(),
        "employee": { "id": call.employee_id },
    });
    if let (Some(external_id), Some(object)) = (call.external_id, params.as_object_mut()) {
        object.insert("external_id".into(), json!(external_id));
    }
    let body = json!({
        "jsonrpc": "2.0",
        "id": uuid::Uuid::new_v4().simple().to_string(),
        "method": "start.employee_call",
        "params": params,
    });
    let response = http
        .post(settings.url.as_str())
        .header(http::header::CONTENT_TYPE, "application/json; charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| CallApiError::Unavailable(describe(&e)))?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(CallApiError::LimitExceeded { retry_after: bounded(retry_after) });
    }
    if !status.is_success() {
        return Err(CallApiError::Unavailable(format!("HTTP {}", status.as_u16())));
    }
    let text = response.bytes().await.map_err(|e| CallApiError::Unavailable(describe(&e)))?;
    read_answer(&text)
}

/// Reads a JSON-RPC answer of `start.employee_call`.
fn read_answer(text: &[u8]) -> Result<CallSessionId, CallApiError> {
    let answer: Answer = serde_json::from_slice(text)
        .map_err(|e| CallApiError::Unavailable(format!("the answer is not JSON-RPC: {e}")))?;
    if let Some(error) = answer.error {
        return Err(classify(&error));
    }
    answer
        .result
        .as_ref()
        .and_then(|r| r.pointer("/data/call_session_id"))
        .and_then(|id| id.as_u64().or_else(|| id.as_str().and_then(|s| s.parse().ok())))
        .map(CallSessionId)
        .ok_or_else(|| CallApiError::Unavailable("the answer names no call_session_id".into()))
}

fn classify(error: &RpcError) -> CallApiError {
    let data = error.data.as_ref();
    let mnemonic = data.and_then(|d| d.get("mnemonic")).and_then(Value::as_str).unwrap_or_default().to_string();
    let parameter = data.and_then(|d| d.get("field")).and_then(Value::as_str).unwrap_or_default();
    // The message may quote what was sent; only the code and mnemonic are repeated.
    let named = if mnemonic.is_empty() { format!("code {}", error.code) } else { mnemonic.clone() };
    match error.code {
        -32029 => {
            let reset = data.and_then(|d| d.pointer("/metadata/limits")).and_then(|limits| {
                let spent = |name: &str| limits.get(format!("{name}_remaining")).and_then(Value::as_u64) == Some(0);
                let reset = |name: &str| limits.get(format!("{name}_reset")).and_then(Value::as_u64);
                if spent("day") && !spent("minute") { reset("day") } else { reset("minute") }
            });
            CallApiError::LimitExceeded { retry_after: bounded(reset) }
        }
        -32001 | -32003 | -32008 | -32009 => CallApiError::Access(named),
        -32603 => CallApiError::Unavailable(named),
        -32700 | -32600 | -32601 | -32099 => CallApiError::Protocol(named),
        _ => match caller_field(parameter).or_else(|| field_of_mnemonic(&mnemonic)) {
            Some(field) => {
                CallApiError::Refused { mnemonic: if mnemonic.is_empty() { named } else { mnemonic }, field }
            }
            None if error.message.is_empty() => CallApiError::Protocol(named),
            None => CallApiError::Protocol(format!("{named} (parameter {parameter:?})")),
        },
    }
}

/// A `Retry-After` between one second and a day.
fn bounded(seconds: Option<u64>) -> u64 {
    seconds.unwrap_or(DEFAULT_RETRY_AFTER).clamp(1, 86_400)
}

/// A transport error without the URL's query or anything from the body.
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

    fn error(body: Value) -> CallApiError {
        read_answer(body.to_string().as_bytes()).expect_err("an error")
    }

    #[test]
    fn a_result_gives_the_session() {
        let ok = read_answer(br#"{"jsonrpc":"2.0","id":"1","result":{"data":{"call_session_id":237859081}}}"#);
        assert_eq!(ok, Ok(CallSessionId(237_859_081)));
        let none = read_answer(br#"{"jsonrpc":"2.0","id":"1","result":{"data":{}}}"#);
        assert!(matches!(none, Err(CallApiError::Unavailable(_))));
    }

    #[test]
    fn refusals_name_the_callers_field_and_never_the_value() {
        let refused = error(json!({"error": {"code": -32602, "message": "Invalid parameter value 79161234567",
            "data": {"mnemonic": "invalid_parameter_value", "field": "contact", "value": "+79161234567"}}}));
        assert_eq!(refused, CallApiError::Refused { mnemonic: "invalid_parameter_value".into(), field: "phone" });
        assert!(!refused.to_string().contains("7916"));
        let employee =
            error(json!({"error": {"code": -32602, "message": "x", "data": {"mnemonic": "employee_not_found"}}}));
        assert_eq!(employee, CallApiError::Refused { mnemonic: "employee_not_found".into(), field: "employee_id" });
        let virtual_number = error(json!({"error": {"code": -32007, "message": "x",
            "data": {"mnemonic": "virtual_phone_number_not_found", "field": "virtual_phone_number"}}}));
        assert_eq!(
            virtual_number,
            CallApiError::Refused { mnemonic: "virtual_phone_number_not_found".into(), field: "virtual_phone" }
        );
    }

    #[test]
    fn limits_and_access_are_told_apart() {
        let limit = error(json!({"error": {"code": -32029, "message": "x", "data": {"mnemonic": "limit_exceeded",
            "metadata": {"limits": {"minute_remaining": 0, "minute_reset": 17, "day_remaining": 5, "day_reset": 9000}}}}}));
        assert_eq!(limit, CallApiError::LimitExceeded { retry_after: 17 });
        let bare = error(json!({"error": {"code": -32029, "message": "x"}}));
        assert_eq!(bare, CallApiError::LimitExceeded { retry_after: DEFAULT_RETRY_AFTER });
        let token = error(json!({"error": {"code": -32001, "message": "token abc",
            "data": {"mnemonic": "access_token_expired", "field": "access_token", "value": "abc"}}}));
        assert_eq!(token, CallApiError::Access("access_token_expired".into()));
        let ours = error(json!({"error": {"code": -32602, "message": "x",
            "data": {"mnemonic": "required_parameter_missed", "field": "first_call"}}}));
        assert!(matches!(ours, CallApiError::Protocol(_)));
        assert!(matches!(error(json!({"error": {"code": -32603, "message": "x"}})), CallApiError::Unavailable(_)));
    }
}
