//! The error model: every failure a function answers with, and its one mapping to an HTTP
//! status and a stable JSON body.
//!
//! The body is `{"error":{"code":"…","message":"…","request_id":"…"}}`. `code` is stable and
//! meant for programs; `message` is for people. A provider with its own error format (the WDE
//! webservice) supplies an [`ErrorRenderer`] instead.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde_json::json;

use crate::http::{RequestId, Response};

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
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("content type {0} is not supported")]
    UnsupportedMediaType(String),
    /// A backend (DynamoDB, S3, a provider API) failed; the caller should retry.
    #[error("a backend is unavailable: {0}")]
    Unavailable(String),
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
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
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
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// The message shown to the caller: backend details stay in the logs.
    pub fn public_message(&self) -> String {
        match self {
            Self::Unavailable(_) => "a backend is unavailable, retry later".into(),
            other => other.to_string(),
        }
    }
}

/// Renders an error as a response; functions with a provider-specific body supply their own.
pub type ErrorRenderer = fn(&ApiError, &RequestId) -> Response;

/// The default rendering: the stable JSON body.
pub fn json_error(error: &ApiError, request_id: &RequestId) -> Response {
    let body = json!({
        "error": {
            "code": error.code(),
            "message": error.public_message(),
            "request_id": request_id.as_str(),
        }
    });
    let mut response = crate::http::json_response(error.status(), &body);
    if let ApiError::MethodNotAllowed { allowed, .. } = error {
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allowed));
    }
    response
}

/// Turns an infallible JSON serialisation into bytes; a failure here is a programming error
/// in a response type, answered as an empty object rather than a panic.
pub(crate) fn to_json_bytes<T: serde::Serialize>(value: &T) -> Bytes {
    serde_json::to_vec(value).map(Bytes::from).unwrap_or_else(|_| Bytes::from_static(b"{}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_stable_json() {
        let id = RequestId::new("req-1");
        let response = json_error(&ApiError::bad_request("invalid_json", "body: expected value"), &id);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body: serde_json::Value = serde_json::from_slice(response.body()).expect("json");
        assert_eq!(
            body,
            json!({"error": {"code": "invalid_json", "message": "body: expected value", "request_id": "req-1"}})
        );
    }

    #[test]
    fn backend_details_are_not_shown() {
        let id = RequestId::new("r");
        let response = json_error(&ApiError::Unavailable("table arn:aws:… throttled".into()), &id);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!String::from_utf8_lossy(response.body()).contains("arn:aws"));
    }

    #[test]
    fn method_not_allowed_names_the_allowed_methods() {
        let id = RequestId::new("r");
        let err = ApiError::MethodNotAllowed { method: "PUT".into(), allowed: "POST, OPTIONS" };
        let response = json_error(&err, &id);
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[header::ALLOW], "POST, OPTIONS");
    }
}
