//! The errors a function answers with, and the one place every layer's error becomes one:
//! the store's, the Genesys Cloud client's, the UIS notification reader's, the UIS Call API's,
//! the CRM's and the bucket's errors are mapped to an HTTP status here, and nowhere else.
//!
//! The body ([`json_error`](crate::http::json_error)) is
//! `{"error":{"code":"…","message":"…","request_id":"…"}}`. `code` is stable and meant for
//! programs; `message` is for people.

use http::StatusCode;

use crate::crm::activity::ActivityError;
use crate::crm::case::CaseError;
use crate::genesys::GenesysError;
use crate::store::{BlobError, InvalidCursor, StoreError};
use crate::uis::call_api::CallApiError;
use crate::uis::notification::NotificationError;

/// What went wrong, from the caller's point of view.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; `code` says how, `message` names the field.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// Credentials are missing or wrong. The message never says which secret was tried.
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method {method} is not allowed here")]
    MethodNotAllowed { method: String, allowed: &'static str },
    #[error("{0}")]
    Conflict(String),
    /// A value is present but not acceptable (the WDE webservice's sanitizer failures).
    #[error("{0}")]
    NotAcceptable(String),
    /// Well-formed, but a provider refused a value in it; `code` names the refusal and
    /// `message` the field.
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    /// A provider's rate limit is spent: answered with `Retry-After`.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("content type {0} is not supported")]
    UnsupportedMediaType(String),
    /// A backend (DynamoDB, S3, a provider API) failed; the caller should retry.
    #[error("a backend is unavailable: {0}")]
    Unavailable(String),
    /// Something is wrong on our side that a retry cannot fix (a stored item that cannot be
    /// read): a 500, so the provider does not retry it for ever.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest { code, message: message.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code of the body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. } => code,
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::NotAcceptable(_) => "not_acceptable",
            Self::Unprocessable { code, .. } => code,
            Self::TooManyRequests { .. } => "rate_limited",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// The message shown to the caller: backend details stay in the logs.
    pub fn public_message(&self) -> String {
        match self {
            Self::Unavailable(_) => "a backend is unavailable, retry later".into(),
            Self::Internal(_) => "an internal error occurred".into(),
            other => other.to_string(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ForeignCursor => Self::bad_request("invalid_cursor", error.to_string()),
            // What no retry can store is the sender's to shorten: a 4xx stops its retries.
            StoreError::TooLarge { size, .. } => Self::Unprocessable {
                code: "too_large_to_store",
                message: format!(
                    "the record this request makes would be {size} bytes, more than the {} bytes DynamoDB stores",
                    crate::store::MAX_ITEM_BYTES
                ),
            },
            _ if error.is_transient() => Self::Unavailable(error.to_string()),
            _ => Self::Internal(error.to_string()),
        }
    }
}

impl From<InvalidCursor> for ApiError {
    fn from(error: InvalidCursor) -> Self {
        Self::bad_request("invalid_cursor", error.to_string())
    }
}

impl From<BlobError> for ApiError {
    fn from(error: BlobError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

impl From<NotificationError> for ApiError {
    fn from(error: NotificationError) -> Self {
        Self::bad_request(error.code(), error.to_string())
    }
}

/// Genesys refusing what we built from the caller's input is the caller's problem (400, with
/// Genesys's message); everything else is a backend failure worth a retry (503).
impl From<GenesysError> for ApiError {
    fn from(error: GenesysError) -> Self {
        match &error {
            GenesysError::Api { status: 400 | 404 | 413 | 415, body, .. } => {
                Self::bad_request("genesys_rejected", format!("Genesys Cloud refused the message: {}", body.message))
            }
            _ => Self::Unavailable(error.to_string()),
        }
    }
}

/// A refusal of what the caller chose is theirs to fix (422 naming the field), a spent limit a
/// 429 with UIS's wait, and everything else — UIS down, or refusing ccbridge's own key — a 503:
/// the caller can only try again later, and the operator finds the reason in the log.
impl From<CallApiError> for ApiError {
    fn from(error: CallApiError) -> Self {
        match error {
            CallApiError::Refused { mnemonic, field } => {
                let (code, why) = match mnemonic.as_str() {
                    "employee_not_found" => ("employee_not_found", "UIS knows no such employee"),
                    "no_active_phone_number" => ("no_active_phone_number", "the employee has no active phone to ring"),
                    "virtual_phone_number_not_found" => {
                        ("virtual_phone_number_not_found", "is not a virtual number of this UIS account")
                    }
                    "own_virtual_phone_number_not_allowed" => {
                        ("own_virtual_phone_number_not_allowed", "is one of the account's own virtual numbers")
                    }
                    "contact_in_blacklist" => ("contact_in_blacklist", "the number is blocked in UIS"),
                    "invalid_parameter_value" | "data_type_error" => {
                        ("invalid_field", "UIS does not accept this value")
                    }
                    _ => ("call_refused", "UIS refused this value"),
                };
                Self::Unprocessable { code, message: format!("body.{field}: {why} ({mnemonic})") }
            }
            CallApiError::LimitExceeded { retry_after } => Self::TooManyRequests {
                message: format!("the UIS Call API's limit is spent; retry in {retry_after} s"),
                retry_after,
            },
            CallApiError::Protocol(_) => Self::Internal(error.to_string()),
            CallApiError::Access(_) | CallApiError::Unavailable(_) => Self::Unavailable(error.to_string()),
        }
    }
}

impl From<ActivityError> for ApiError {
    fn from(error: ActivityError) -> Self {
        match error {
            ActivityError::NotFound => Self::NotFound(error.to_string()),
            ActivityError::Invalid { field, message } => {
                Self::Unprocessable { code: "invalid_field", message: format!("body.{field}: {message}") }
            }
            ActivityError::TooManyNotes => Self::Conflict(error.to_string()),
            ActivityError::Store(e) => e.into(),
        }
    }
}

impl From<CaseError> for ApiError {
    fn from(error: CaseError) -> Self {
        match error {
            CaseError::NotFound | CaseError::NoActivity => Self::NotFound(error.to_string()),
            CaseError::Invalid { field, message } => {
                Self::Unprocessable { code: "invalid_field", message: format!("body.{field}: {message}") }
            }
            CaseError::Store(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::ErrorBody;

    #[test]
    fn a_corrupt_item_is_a_500_and_a_backend_failure_a_503() {
        let corrupt = StoreError::Corrupt { key: "k".into(), entity: "uis_call", message: "bad".into() };
        assert_eq!(ApiError::from(corrupt).status(), StatusCode::INTERNAL_SERVER_ERROR);
        let backend = StoreError::Backend { table: "t".into(), message: "throttled".into() };
        assert_eq!(ApiError::from(backend).status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ApiError::from(InvalidCursor).code(), "invalid_cursor");
    }

    #[test]
    fn genesys_rejection_is_a_400_and_outage_a_503() {
        let body = ErrorBody {
            message: "text too long".into(),
            code: "bad.request".into(),
            status: 400,
            ..Default::default()
        };
        let api: ApiError = GenesysError::Api { status: 400, body: Box::new(body), correlation_id: None }.into();
        assert_eq!(api.code(), "genesys_rejected");
        let api: ApiError = GenesysError::Transport("refused".into()).into();
        assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
