//! The Lambda bootstrap every ccbridge function shares: JSON logs, one-time initialisation,
//! and conversion between API Gateway events and the [`ccbridge::http`] types, so a
//! function's `main` is one line.

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use bytes::Bytes;
use ccbridge::function::RouteKey;
use ccbridge::http::{ClientIp, PathParams, Request, RequestId, Response};
use ccbridge::{App, HttpFunction, ScheduledFunction, StreamFunction};
use http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt, service_fn};
use lambda_runtime::LambdaEvent;

/// Runs `function` as a Lambda handler behind API Gateway (HTTP API, payload 2.0).
pub async fn serve(function: HttpFunction) -> Result<(), lambda_http::Error> {
    let app = init(function.name).await?;
    lambda_http::run(service_fn(move |event: lambda_http::Request| {
        let app = app.clone();
        async move {
            Ok::<_, lambda_http::Error>(into_lambda_response(function.call(app, from_lambda_request(event)).await))
        }
    }))
    .await
}

/// Runs `function` as a Lambda handler fed by the table's stream, reporting partial batch
/// failures (`FunctionResponseTypes: [ReportBatchItemFailures]` in template.yaml).
pub async fn serve_stream(function: StreamFunction) -> Result<(), lambda_http::Error> {
    let app = init(function.name).await?;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<Event>| {
        let app = app.clone();
        async move { Ok::<_, lambda_http::Error>(function.call(app, event.payload).await.into_response()) }
    }))
    .await
}

/// Runs `function` as a Lambda handler started by its EventBridge schedule; the event itself
/// carries nothing the function needs.
pub async fn serve_scheduled(function: ScheduledFunction) -> Result<(), lambda_http::Error> {
    let app = init(function.name).await?;
    lambda_runtime::run(lambda_runtime::service_fn(move |_event: LambdaEvent<serde_json::Value>| {
        let app = app.clone();
        async move { function.call(app).await.map_err(lambda_http::Error::from) }
    }))
    .await
}

/// Logging and the per-cold-start state; a failure is logged once and ends the cold start.
async fn init(function: &'static str) -> Result<Arc<App>, lambda_http::Error> {
    init_tracing();
    match App::from_env().await {
        Ok(app) => Ok(Arc::new(app)),
        Err(error) => {
            tracing::error!(function, %error, "cold start failed");
            Err(error.into())
        }
    }
}

/// Structured JSON logs for CloudWatch; the level comes from `AWS_LAMBDA_LOG_LEVEL` or
/// `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let level =
        std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level.to_ascii_lowercase()))
        .with_current_span(true)
        .with_span_list(false)
        .without_time()
        .with_target(false)
        .try_init();
}

/// An API Gateway event as the request a function handles: raw body bytes, the matched route,
/// its path parameters and API Gateway's request id.
pub fn from_lambda_request(event: lambda_http::Request) -> Request {
    let params = PathParams(event.path_parameters().iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect());
    let (request_id, source_ip, route_key) = match event.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => (
            ctx.request_id.clone(),
            ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok()),
            ctx.route_key.clone(),
        ),
        _ => (None, None, None),
    };
    let (mut parts, body) = event.into_parts();
    parts.extensions.insert(params);
    if let Some(key) = route_key {
        parts.extensions.insert(RouteKey(key));
    }
    if let Some(id) = request_id {
        parts.extensions.insert(RequestId::new(id));
    }
    if let Some(ip) = source_ip {
        parts.extensions.insert(ClientIp(ip));
    }
    let body = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    Request::from_parts(parts, body)
}

/// A function's response as API Gateway expects it: text types as text, the rest base64.
pub fn into_lambda_response(response: Response) -> lambda_http::Response<Body> {
    let (parts, body) = response.into_parts();
    let textual = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/") || t.contains("json") || t.contains("xml"));
    let body = if body.is_empty() {
        Body::Empty
    } else if textual {
        match String::from_utf8(body.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    } else {
        Body::Binary(body.to_vec())
    };
    lambda_http::Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{
        "version": "2.0",
        "routeKey": "POST /wde/{method}",
        "rawPath": "/wde/registerInteraction",
        "rawQueryString": "a=1",
        "headers": {"content-type": "application/json", "x-api-key": "k"},
        "pathParameters": {"method": "registerInteraction"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "example.com",
            "domainPrefix": "example", "requestId": "req-42", "routeKey": "POST /wde/{method}",
            "stage": "$default", "time": "22/Nov/2026:10:00:00 +0000", "timeEpoch": 1795341600000,
            "http": {"method": "POST", "path": "/wde/registerInteraction", "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "curl/8"}
        },
        "body": "{\"x\":1}",
        "isBase64Encoded": false
    }"#;

    #[test]
    fn api_gateway_event_becomes_a_request() {
        let event = lambda_http::request::from_str(EVENT).expect("event");
        let req = from_lambda_request(event);
        assert_eq!(req.method(), "POST");
        assert_eq!(req.uri().path(), "/wde/registerInteraction");
        assert_eq!(req.uri().query(), Some("a=1"));
        assert_eq!(req.body().as_ref(), br#"{"x":1}"#);
        assert_eq!(ccbridge::http::path_param(&req, "method").expect("param"), "registerInteraction");
        assert_eq!(req.extensions().get::<RequestId>(), Some(&RequestId::new("req-42")));
        assert_eq!(req.extensions().get::<RouteKey>(), Some(&RouteKey("POST /wde/{method}".into())));
        assert_eq!(ccbridge::http::client_ip(&req), "203.0.113.9".parse().ok());
    }

    #[test]
    fn json_stays_text_and_bytes_stay_binary() {
        let json = ccbridge::http::json_response(http::StatusCode::OK, &serde_json_value());
        assert!(matches!(into_lambda_response(json).body(), Body::Text(_)));
        let mut audio = Response::new(Bytes::from_static(&[0xff, 0xfb]));
        audio.headers_mut().insert(header::CONTENT_TYPE, http::HeaderValue::from_static("audio/mpeg"));
        assert!(matches!(into_lambda_response(audio).body(), Body::Binary(_)));
    }

    fn serde_json_value() -> std::collections::BTreeMap<&'static str, u8> {
        std::collections::BTreeMap::from([("ok", 1)])
    }
}
