//! The UIS Call API: JSON-RPC 2.0 over HTTPS, one request per call (no batches), the account's
//! key as `params.access_token`. ccbridge uses one method, `start.employee_call`: UIS rings the
//! employee first and, once they answer, dials the customer.
//!
//! A refusal is read from `error.data.mnemonic` and, when it is about something the caller
//! chose, named after the caller's field (`phone`, `employee_id`, `virtual_phone`), so the
//! helpdesk can say which input was wrong. The token only ever travels in the request body:
//! no error message carries it, nor the `value` UIS echoes back.

use secrecy::ExposeSecret;
use serde_json::json;

use super::call::{CallSessionId, Requested};
use super::config::CallApiSettings;
use super::jsonrpc::{self, Answer, Failure, Group, RpcError};

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
    let body = jsonrpc::request("start.employee_call", params);
    let answer = jsonrpc::call(http, settings.url.as_str(), body, None).await.map_err(|failure| match failure {
        Failure::LimitExceeded { retry_after } => CallApiError::LimitExceeded { retry_after },
        Failure::Unavailable(why) => CallApiError::Unavailable(why),
    })?;
    read_answer(answer)
}

/// Reads a JSON-RPC answer of `start.employee_call`.
fn read_answer(answer: Answer) -> Result<CallSessionId, CallApiError> {
    if let Some(error) = answer.error {
        return Err(classify(&error));
    }
    answer
        .result
        .as_ref()
        .and_then(|r| r.pointer("/data/call_session_id"))
        .and_then(jsonrpc::lenient_u64)
        .map(CallSessionId)
        .ok_or_else(|| CallApiError::Unavailable("the answer names no call_session_id".into()))
}

fn classify(error: &RpcError) -> CallApiError {
    let mnemonic = error.mnemonic();
    let parameter = error.field();
    let named = error.named();
    match error.group() {
        Group::Limit => CallApiError::LimitExceeded { retry_after: error.retry_after() },
        Group::Access => CallApiError::Access(named),
        Group::Internal => CallApiError::Unavailable(named),
        Group::Envelope => CallApiError::Protocol(named),
        Group::Params => match caller_field(parameter).or_else(|| field_of_mnemonic(mnemonic)) {
            Some(field) => CallApiError::Refused { mnemonic: named, field },
            None if error.message.is_empty() => CallApiError::Protocol(named),
            None => CallApiError::Protocol(format!("{named} (parameter {parameter:?})")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::Value;

    fn answer(text: &[u8]) -> Result<CallSessionId, CallApiError> {
        read_answer(jsonrpc::read(text).expect("JSON-RPC"))
    }

    fn error(body: Value) -> CallApiError {
        answer(body.to_string().as_bytes()).expect_err("an error")
    }

    #[test]
    fn a_result_gives_the_session() {
        let ok = answer(br#"{"jsonrpc":"2.0","id":"1","result":{"data":{"call_session_id":237859081}}}"#);
        assert_eq!(ok, Ok(CallSessionId(237_859_081)));
        let none = answer(br#"{"jsonrpc":"2.0","id":"1","result":{"data":{}}}"#);
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
        assert_eq!(bare, CallApiError::LimitExceeded { retry_after: jsonrpc::DEFAULT_RETRY_AFTER });
        let token = error(json!({"error": {"code": -32001, "message": "token abc",
            "data": {"mnemonic": "access_token_expired", "field": "access_token", "value": "abc"}}}));
        assert_eq!(token, CallApiError::Access("access_token_expired".into()));
        let ours = error(json!({"error": {"code": -32602, "message": "x",
            "data": {"mnemonic": "required_parameter_missed", "field": "first_call"}}}));
        assert!(matches!(ours, CallApiError::Protocol(_)));
        assert!(matches!(error(json!({"error": {"code": -32603, "message": "x"}})), CallApiError::Unavailable(_)));
    }
}
