//! `GET /status`: which version runs and whether the table and the bucket answer. It reveals
//! no secrets, no data and no backend's own error text (that goes to the log), so monitors and
//! load balancers can call it freely.

use std::sync::Arc;

use ccbridge::http::{Request, Response, json_error, json_response};
use ccbridge::store::{BlobError, StoreError};
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
    /// `missing` (not there) or `unavailable` (did not answer as it should).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

impl Reachability {
    fn of<E: std::fmt::Display>(what: &str, result: Result<(), E>, missing: impl Fn(&E) -> bool) -> Self {
        let reason = result.err().map(|error| {
            tracing::warn!(%error, "{what} does not answer");
            if missing(&error) { "missing" } else { "unavailable" }
        });
        Self { reachable: reason.is_none(), reason }
    }
}

/// 200 when both answer, 503 (with the reason for each) when either does not.
async fn handle(app: Arc<App>, _req: Request) -> Result<Response, ApiError> {
    let (table, bucket) = tokio::join!(app.store.check(), app.blobs.check());
    let status = Status {
        service: "ccbridge",
        version: env!("CARGO_PKG_VERSION"),
        table: Reachability::of("the table", table, |e| matches!(e, StoreError::NoTable(_))),
        bucket: Reachability::of("the bucket", bucket, |e| matches!(e, BlobError::NoBucket(_))),
    };
    let code = if status.table.reachable && status.bucket.reachable {
        http::StatusCode::OK
    } else {
        http::StatusCode::SERVICE_UNAVAILABLE
    };
    Ok(json_response(code, &status))
}
