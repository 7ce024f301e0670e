//! `GET /status`: which version runs and whether the table and the bucket answer. It reveals
//! no secrets and no data, so monitors and load balancers can call it freely.

use std::sync::Arc;

use ccbridge::http::{Request, Response, json_error, json_response};
use ccbridge::{ApiError, App, HttpFunction, Route};
use serde::Serialize;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "status",
    routes: &[Route::get("/status", |app, req| Box::pin(handle(app, req)))],
    render_error: json_error,
};

#[derive(Debug, Serialize)]
struct Status {
    service: &'static str,
    version: &'static str,
    table: Reachability,
    bucket: Reachability,
}

#[derive(Debug, Serialize)]
struct Reachability {
    reachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl<E: std::fmt::Display> From<Result<(), E>> for Reachability {
    fn from(result: Result<(), E>) -> Self {
        Self { reachable: result.is_ok(), error: result.err().map(|e| e.to_string()) }
    }
}

/// 200 when both answer, 503 (with the reason for each) when either does not.
async fn handle(app: Arc<App>, _req: Request) -> Result<Response, ApiError> {
    let (table, bucket) = tokio::join!(app.store.check(), app.blobs.check());
    let status =
        Status { service: "ccbridge", version: env!("CARGO_PKG_VERSION"), table: table.into(), bucket: bucket.into() };
    let code = if status.table.reachable && status.bucket.reachable {
        http::StatusCode::OK
    } else {
        http::StatusCode::SERVICE_UNAVAILABLE
    };
    Ok(json_response(code, &status))
}
