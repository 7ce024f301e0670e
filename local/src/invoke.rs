//! Invoking one function with a sample API Gateway event, as `sam local invoke -e` does,
//! without a container: the event goes through the same conversion as in Lambda.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ccbridge::{App, HttpFunction};
use serde_json::{Map, Value, json};

/// Runs `function` on the API Gateway (HTTP API, payload 2.0) event `event` and returns the
/// response as API Gateway would receive it.
pub async fn invoke(app: Arc<App>, function: HttpFunction, event: &str) -> Result<Value, String> {
    let raw: Value = serde_json::from_str(event).map_err(|e| format!("the event is not JSON: {e}"))?;
    if raw.get("isBase64Encoded") == Some(&Value::Bool(true)) {
        let body = raw.get("body").and_then(Value::as_str).unwrap_or_default();
        BASE64.decode(body).map_err(|e| format!("the event's body is marked base64 but is not: {e}"))?;
    }
    let request = lambda_http::request::from_str(event)
        .map_err(|e| format!("the event is not an API Gateway HTTP API event: {e}"))?;
    let response = function.call(app, ccbridge_lambda::from_lambda_request(request)).await;
    let (parts, body) = ccbridge_lambda::into_lambda_response(response).into_parts();
    let headers: Map<String, Value> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned())))
        .collect();
    let (body, base64) = match body {
        lambda_http::Body::Text(text) => (text, false),
        lambda_http::Body::Binary(bytes) => (BASE64.encode(bytes), true),
        _ => (String::new(), false),
    };
    Ok(json!({
        "statusCode": parts.status.as_u16(),
        "headers": headers,
        "body": body,
        "isBase64Encoded": base64,
    }))
}
