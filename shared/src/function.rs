//! A function as the Lambda bootstrap, the local stack and the tests all see it: an HTTP
//! function with its routes (the same as template.yaml's), its handler and how it renders
//! errors; or a stream function fed with batches of the table's change records.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use tracing::Instrument;

use crate::App;
use crate::error::{ApiError, ErrorRenderer};
use crate::http::{Request, Response, request_id};

/// One API Gateway route: method and path template (`/wde/{method}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
}

impl Route {
    pub const fn get(path: &'static str) -> Self {
        Self { method: "GET", path }
    }

    pub const fn post(path: &'static str) -> Self {
        Self { method: "POST", path }
    }

    /// Every method: the handler answers preflights and 405s itself.
    pub const fn any(path: &'static str) -> Self {
        Self { method: "ANY", path }
    }
}

pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Response, ApiError>> + Send>>;

/// A function behind API Gateway.
#[derive(Clone, Copy)]
pub struct HttpFunction {
    /// Package, binary and SAM `Binary` name.
    pub name: &'static str,
    pub routes: &'static [Route],
    pub handler: fn(Arc<App>, Request) -> HandlerFuture,
    pub render_error: ErrorRenderer,
}

impl HttpFunction {
    /// Handles one request: runs the handler inside a span carrying the request id, logs the
    /// outcome and renders errors. Lambda and the local stack both call this.
    pub async fn call(&self, app: Arc<App>, mut req: Request) -> Response {
        let id = request_id(&req);
        req.extensions_mut().insert(id.clone());
        let span = tracing::info_span!("request", function = self.name, request_id = id.as_str());
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        async move {
            match (self.handler)(app, req).await {
                Ok(response) => {
                    tracing::info!(%method, %path, status = response.status().as_u16(), "handled");
                    response
                }
                Err(error) => {
                    let status = error.status();
                    if status.is_server_error() {
                        tracing::error!(%method, %path, status = status.as_u16(), %error, "failed");
                    } else {
                        tracing::warn!(%method, %path, status = status.as_u16(), code = error.code(), "rejected");
                    }
                    (self.render_error)(&error, &id)
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// What a stream function did with a batch: the sequence numbers of the records that failed.
/// Lambda (with `ReportBatchItemFailures`) retries from the first of them; the records before it
/// count as done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub failed: Vec<String>,
}

impl BatchOutcome {
    pub fn into_response(self) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        response.batch_item_failures = self
            .failed
            .into_iter()
            .map(|sequence| {
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(sequence);
                failure
            })
            .collect();
        response
    }
}

pub type BatchFuture = Pin<Box<dyn Future<Output = BatchOutcome> + Send>>;

/// A function fed by the table's stream.
#[derive(Clone, Copy)]
pub struct StreamFunction {
    /// Package, binary and SAM `Binary` name.
    pub name: &'static str,
    /// The item types (`type` attribute of the new image) it is given; template.yaml's filter
    /// criteria say the same, so Lambda and the local stack deliver alike.
    pub item_types: &'static [&'static str],
    pub handler: fn(Arc<App>, Vec<EventRecord>) -> BatchFuture,
}

impl StreamFunction {
    /// Whether a change record is for this function.
    pub fn wants(&self, record: &EventRecord) -> bool {
        match record.change.new_image.get(crate::store::schema::TYPE) {
            Some(serde_dynamo::AttributeValue::S(kind)) => self.item_types.contains(&kind.as_str()),
            _ => false,
        }
    }

    /// Handles one batch inside a span naming the function.
    pub async fn call(&self, app: Arc<App>, event: Event) -> BatchOutcome {
        let span = tracing::info_span!("batch", function = self.name, records = event.records.len());
        let records: Vec<EventRecord> = event.records.into_iter().filter(|r| self.wants(r)).collect();
        async move {
            let outcome = (self.handler)(app, records).await;
            if outcome.failed.is_empty() {
                tracing::info!("batch handled");
            } else {
                tracing::warn!(failed = outcome.failed.len(), "batch partly failed");
            }
            outcome
        }
        .instrument(span)
        .await
    }
}
