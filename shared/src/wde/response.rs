//! The webservice's answers as YetiForce writes them: `{"status":1,...}` on success,
//! `{"status":0,"error":{"message","code"}}` with HTTP status `code` on failure, slashes
//! escaped (`\/`), CORS open, and the preflight WDE's browser side may send.

use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use crate::ApiError;
use crate::http::{RequestId, Response};

/// Headers a preflight may ask for (YetiForce's list, plus the signature header).
pub const ALLOWED_HEADERS: &str =
    "Origin, X-Requested-With, Content-Type, Accept, Authorization, x-api-key, x-api-signature, x-encrypted, x-token";

fn respond(status: StatusCode, body: &Value) -> Response {
    // PHP's json_encode escapes `/`; in JSON text a `/` can only occur inside a string.
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".into()).replace('/', "\\/");
    let mut response = Response::new(text.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert("encrypted", HeaderValue::from_static("0"));
    response
}

/// A success body; `status: 1` is added.
pub fn success(mut body: serde_json::Map<String, Value>) -> Response {
    body.insert("status".into(), json!(1));
    respond(StatusCode::OK, &Value::Object(body))
}

/// The [`ErrorRenderer`](crate::http::ErrorRenderer) of the webservice.
pub fn render_error(error: &ApiError, _request_id: &RequestId) -> Response {
    let status = error.status();
    let message = match error {
        ApiError::MethodNotAllowed { .. } => "Invalid method".to_owned(),
        ApiError::Unavailable(_) | ApiError::Internal(_) => "Internal Server Error".to_owned(),
        other => other.public_message(),
    };
    let mut response = respond(status, &json!({"status": 0, "error": {"message": message, "code": status.as_u16()}}));
    if let ApiError::MethodNotAllowed { allowed, .. } = error {
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allowed));
    }
    response
}

/// The answer to a CORS preflight, given without authentication as YetiForce does.
pub fn preflight() -> Response {
    let mut response = Response::new(Default::default());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOWED_HEADERS));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("3600"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_the_yetiforce_shape_and_status() {
        let id = RequestId::new("r");
        let response = render_error(&ApiError::NotFound("User not found".into()), &id);
        assert_eq!(response.status(), 404);
        let body: Value = serde_json::from_slice(response.body()).expect("json");
        assert_eq!(body, json!({"status": 0, "error": {"message": "User not found", "code": 404}}));
        let response =
            render_error(&ApiError::MethodNotAllowed { method: "GET".into(), allowed: "POST, OPTIONS" }, &id);
        assert_eq!(response.status(), 405);
        assert!(String::from_utf8_lossy(response.body()).contains("Invalid method"));
        let response = render_error(&ApiError::Unavailable("table x: throttled".into()), &id);
        assert!(!String::from_utf8_lossy(response.body()).contains("throttled"));
    }

    #[test]
    fn success_escapes_slashes_like_php() {
        let mut body = serde_json::Map::new();
        body.insert("url".into(), json!("https://crm/card/x"));
        let response = success(body);
        assert_eq!(response.body().as_ref(), br#"{"status":1,"url":"https:\/\/crm\/card\/x"}"#);
        let back: Value = serde_json::from_slice(response.body()).expect("still JSON");
        assert_eq!(back["url"], "https://crm/card/x");
    }
}
