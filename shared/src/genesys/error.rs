//! What a Genesys Cloud call can fail with, with the platform's error body parsed.

use std::time::Duration;

use serde::Deserialize;

/// The platform's `ErrorBody`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorBody {
    pub message: String,
    pub code: String,
    pub status: u16,
    pub context_id: Option<String>,
    pub details: Vec<ErrorDetail>,
    pub errors: Vec<ErrorBody>,
}

/// One entry of `ErrorBody.details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorDetail {
    pub error_code: Option<String>,
    pub field_name: Option<String>,
    pub entity_id: Option<String>,
    pub entity_name: Option<String>,
}

/// A failed Genesys Cloud call.
#[derive(Debug, thiserror::Error)]
pub enum GenesysError {
    /// The platform answered with an error status (after any retries).
    #[error("Genesys Cloud answered {status} {}: {} (correlation id {})", body.code, body.message, correlation_id.as_deref().unwrap_or("-"))]
    Api { status: u16, body: Box<ErrorBody>, correlation_id: Option<String> },
    /// Still rate limited, or asked to wait longer than the retry budget allows.
    #[error("Genesys Cloud rate limit: retry after {}s (correlation id {})", retry_after.as_secs(), correlation_id.as_deref().unwrap_or("-"))]
    RateLimited { retry_after: Duration, correlation_id: Option<String> },
    /// The token endpoint refused the client credentials.
    #[error("Genesys Cloud login failed with {status}: {message}")]
    Login { status: u16, message: String },
    /// No answer: connection refused, timeout, TLS.
    #[error("Genesys Cloud unreachable: {0}")]
    Transport(String),
    /// An answer we could not read.
    #[error("Genesys Cloud answer could not be read: {0}")]
    Decode(String),
    /// The channel's configuration cannot be used (bad URL, bad id).
    #[error("Genesys Cloud client: {0}")]
    Config(String),
    /// A link to fetch or a URL to upload to is not on a host Genesys Cloud serves: nothing
    /// was sent there.
    #[error("refused: {0}")]
    NotServed(String),
}

impl GenesysError {
    /// The HTTP status Genesys answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Login { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The platform's error code (`bad.request`, `not.found`, …).
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { body, .. } => Some(&body.code),
            _ => None,
        }
    }
}

/// For a job: a 429 is a due time; 4xx answers other than 408/429 mean the request itself is
/// wrong, so retrying cannot help; the rest may pass next time.
impl From<GenesysError> for crate::jobs::Failure {
    fn from(error: GenesysError) -> Self {
        use crate::jobs::Failure;
        let reason = format!("Genesys Cloud: {error}");
        if let GenesysError::RateLimited { retry_after, .. } = error {
            return Failure::RetryAfter { reason, after: retry_after };
        }
        let permanent = matches!(error, GenesysError::Config(_) | GenesysError::NotServed(_))
            || error.status().is_some_and(|s| (400..500).contains(&s) && s != 408 && s != 429);
        if permanent { Failure::Permanent(reason) } else { Failure::Transient(reason) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_parses_the_normalised_429() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"message":"Rate limit exceeded the maximum. Retry the request in [42] seconds","code":"too.many.requests.retry.after","status":429,"contextId":"c-1","details":[],"errors":[]}"#,
        )
        .expect("body");
        assert_eq!(body.code, "too.many.requests.retry.after");
        assert_eq!(body.context_id.as_deref(), Some("c-1"));
        let error = GenesysError::Api { status: 429, body: Box::new(body), correlation_id: Some("c-1".into()) };
        assert!(error.to_string().contains("c-1"));
    }
}
