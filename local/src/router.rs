//! One axum router for every function, with API Gateway's routes and behaviour: path
//! parameters from `{name}` segments, `{"message":"Not Found"}` for unmatched routes and
//! methods, and a 10 MB payload cap. It also serves the OpenAPI document at `/openapi.json`,
//! which API Gateway does not: it is the local stack's, for API tooling and schemathesis.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Path};
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, on};
use ccbridge::function::RouteKey;
use ccbridge::http::{ClientIp, PathParams, Request, RequestId};
use ccbridge::{App, HttpFunction, Route};
use http::StatusCode;

/// API Gateway's payload limit.
const API_GATEWAY_MAX_BODY: usize = 10 * 1024 * 1024;

pub fn router(app: Arc<App>, functions: &[HttpFunction]) -> axum::Router {
    let mut router = axum::Router::new();
    for function in functions.iter().copied() {
        for route in function.routes {
            let Some(filter) = method_filter(route.method) else {
                tracing::error!(function = function.name, method = route.method, "unsupported method in route");
                continue;
            };
            let app = app.clone();
            let route = *route;
            let handler = move |params: Option<Path<HashMap<String, String>>>, req: axum::extract::Request| {
                dispatch(app.clone(), function, route, params.map(|Path(p)| p).unwrap_or_default(), req)
            };
            router = router.route(route.path, on(filter, handler));
        }
    }
    router
        .route(OPENAPI_PATH, axum::routing::get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(DefaultBodyLimit::max(API_GATEWAY_MAX_BODY))
}

fn method_filter(method: &str) -> Option<MethodFilter> {
    Some(match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "DELETE" => MethodFilter::DELETE,
        "PATCH" => MethodFilter::PATCH,
        "OPTIONS" => MethodFilter::OPTIONS,
        "ANY" => MethodFilter::GET
            .or(MethodFilter::POST)
            .or(MethodFilter::PUT)
            .or(MethodFilter::DELETE)
            .or(MethodFilter::PATCH)
            .or(MethodFilter::OPTIONS)
            .or(MethodFilter::HEAD),
        _ => return None,
    })
}

/// Where the local stack serves the OpenAPI document.
pub const OPENAPI_PATH: &str = "/openapi.json";

async fn openapi() -> axum::response::Response {
    ([(http::header::CONTENT_TYPE, "application/json")], ccbridge::openapi::document_text()).into_response()
}

async fn not_found() -> axum::response::Response {
    (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({"message": "Not Found"}))).into_response()
}

async fn dispatch(
    app: Arc<App>,
    function: HttpFunction,
    route: Route,
    params: HashMap<String, String>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (mut parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, API_GATEWAY_MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(serde_json::json!({"message": "Request Entity Too Large"})))
            .into_response();
    };
    parts.extensions.insert(PathParams(params));
    parts.extensions.insert(RouteKey(route.key()));
    parts.extensions.insert(RequestId::generate());
    if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().copied() {
        parts.extensions.insert(ClientIp(peer.ip()));
    }
    let response = function.call(app, Request::from_parts(parts, body)).await;
    response.map(axum::body::Body::from)
}
