//! The HTTP edge: request and response types shared by the Lambda bootstrap, the local stack
//! and the tests, the helpers every handler uses to read hostile input safely, and the
//! rendering of errors. A provider with its own error format (the WDE webservice) supplies an
//! [`ErrorRenderer`] instead of [`json_error`].

use std::collections::HashMap;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::ApiError;

pub type Request = http::Request<Bytes>;
pub type Response = http::Response<Bytes>;

/// Path parameters of the matched route (`/wde/{method}` → `method`), set by whoever routed
/// the request: API Gateway in AWS, the local router otherwise.
#[derive(Debug, Clone, Default)]
pub struct PathParams(pub HashMap<String, String>);

/// The address the request came from (API Gateway's `sourceIp`, or the peer locally), for
/// allow-lists. Absent when the transport does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// The client address set by whoever received the request.
pub fn client_ip(req: &Request) -> Option<std::net::IpAddr> {
    req.extensions().get::<ClientIp>().map(|c| c.0)
}

/// The correlation id of one request, carried in every log line and error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The request id set by the router, or a fresh one.
pub fn request_id(req: &Request) -> RequestId {
    req.extensions().get::<RequestId>().cloned().unwrap_or_else(RequestId::generate)
}

/// A path parameter of the matched route.
pub fn path_param<'a>(req: &'a Request, name: &str) -> Result<&'a str, ApiError> {
    req.extensions()
        .get::<PathParams>()
        .and_then(|p| p.0.get(name))
        .map(String::as_str)
        .ok_or_else(|| ApiError::NotFound(format!("missing path parameter {name}")))
}

/// The body, refused with 413 above `limit` bytes.
pub fn body(req: &Request, limit: usize) -> Result<&Bytes, ApiError> {
    if req.body().len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    Ok(req.body())
}

/// The media type of the request without parameters, lower-cased (`application/json`).
pub fn media_type(req: &Request) -> Option<String> {
    let value = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// Parses a JSON body; the error names the offending field (`body.call.id: invalid type …`).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let code = if inner.is_data() { "invalid_field" } else { "invalid_json" };
        let at = if path == "." { "body".to_string() } else { format!("body.{path}") };
        ApiError::bad_request(code, format!("{at}: {inner}"))
    })
}

/// Parses an `application/x-www-form-urlencoded` body.
pub fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_urlencoded::from_bytes(body).map_err(|e| ApiError::bad_request("invalid_form", format!("body: {e}")))
}

/// The query string as pairs, percent-decoded.
pub fn query_pairs(req: &Request) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default())
        .unwrap_or_default()
}

/// Page size of a listing when the caller does not ask for one, and the most it may ask for.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

/// The page size a caller asked for in `limit`: 1 to [`MAX_PAGE_SIZE`], [`DEFAULT_PAGE_SIZE`]
/// when it did not say.
pub fn page_size(limit: Option<&str>) -> Result<i32, ApiError> {
    page_size_up_to(limit, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
}

/// [`page_size`] for a listing of large items: 1 to `max`, `default` when the caller did not say.
pub fn page_size_up_to(limit: Option<&str>, default: i32, max: i32) -> Result<i32, ApiError> {
    match limit {
        None => Ok(default),
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::bad_request("invalid_query", format!("query.limit must be 1 to {max}"))),
    }
}

/// A header's value as text, if present and printable.
pub fn header_str<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A JSON response.
pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let mut response = Response::new(to_json_bytes(value));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Turns an infallible JSON serialisation into bytes; a failure here is a programming error
/// in a response type, answered as an empty object rather than a panic.
fn to_json_bytes<T: Serialize>(value: &T) -> Bytes {
    serde_json::to_vec(value).map(Bytes::from).unwrap_or_else(|_| Bytes::from_static(b"{}"))
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
    let mut response = json_response(error.status(), &body);
    match error {
        ApiError::MethodNotAllowed { allowed, .. } => {
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allowed));
        }
        ApiError::TooManyRequests { retry_after, .. } => {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        _ => {}
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Call {
        id: u64,
        name: String,
    }

    #[test]
    fn json_error_names_the_field() {
        let err = parse_json::<Call>(br#"{"id":"x","name":"a"}"#).expect_err("bad type");
        assert_eq!(err.code(), "invalid_field");
        assert!(err.to_string().starts_with("body.id:"), "{err}");
    }

    #[test]
    fn malformed_json_is_invalid_json() {
        let err = parse_json::<Call>(b"{\"id\":").expect_err("truncated");
        assert_eq!(err.code(), "invalid_json");
    }

    #[test]
    fn body_limit_gives_413() {
        let req = Request::new(Bytes::from(vec![b'x'; 11]));
        assert!(body(&req, 11).is_ok());
        let err = body(&req, 10).expect_err("too large");
        assert_eq!(err.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn form_and_query_are_decoded() {
        let form: Vec<(String, String)> = parse_form(b"a=1&b=%D0%B8").expect("form");
        assert_eq!(form[1].1, "и");
        let req = http::Request::builder().uri("/x?after=c%201&n=2").body(Bytes::new()).expect("request");
        assert_eq!(query_pairs(&req), vec![("after".into(), "c 1".into()), ("n".into(), "2".into())]);
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None).expect("default"), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some("100")).expect("max"), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert_eq!(page_size(Some(bad)).expect_err(bad).code(), "invalid_query", "{bad}");
        }
    }

    #[test]
    fn media_type_ignores_parameters() {
        let req = http::Request::builder()
            .header("content-type", "Application/JSON; charset=utf-8")
            .body(Bytes::new())
            .expect("request");
        assert_eq!(media_type(&req).as_deref(), Some("application/json"));
    }

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
