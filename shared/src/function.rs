//! A function as the Lambda bootstrap, the local stack and the tests all see it: an HTTP
//! function with its routes (the same as template.yaml's), each paired with its handler, and
//! how it renders errors; or a stream function fed with batches of the table's change records.
//!
//! Routing is data: whoever received the request says which route matched ([`RouteKey`], API
//! Gateway's `routeKey`), and the route's own handler runs, so no handler looks at the path to
//! decide what it is.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use tracing::Instrument;

use crate::App;
use crate::error::ApiError;
use crate::http::{ErrorRenderer, PathParams, Request, Response, request_id};
use crate::metrics;

pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Response, ApiError>> + Send>>;

/// What answers one route.
pub type Handler = fn(Arc<App>, Request) -> HandlerFuture;

/// One API Gateway route: method and path template (`/wde/{method}`), and its handler.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub handler: Handler,
}

impl Route {
    pub const fn get(path: &'static str, handler: Handler) -> Self {
        Self { method: "GET", path, handler }
    }

    pub const fn post(path: &'static str, handler: Handler) -> Self {
        Self { method: "POST", path, handler }
    }

    pub const fn put(path: &'static str, handler: Handler) -> Self {
        Self { method: "PUT", path, handler }
    }

    /// Every method: the handler answers preflights and 405s itself.
    pub const fn any(path: &'static str, handler: Handler) -> Self {
        Self { method: "ANY", path, handler }
    }

    /// API Gateway's route key: `POST /wde/{method}`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The path parameters, when `method` and `path` are this route's.
    pub fn matches(&self, method: &str, path: &str) -> Option<HashMap<String, String>> {
        if self.method != "ANY" && !self.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let mut params = HashMap::new();
        let mut template = self.path.trim_matches('/').split('/');
        let mut actual = path.trim_matches('/').split('/');
        loop {
            match (template.next(), actual.next()) {
                (None, None) => return Some(params),
                (Some(t), Some(a)) if t.starts_with('{') && t.ends_with('}') && !a.is_empty() => {
                    params.insert(t[1..t.len() - 1].to_owned(), a.to_owned());
                }
                (Some(t), Some(a)) if t == a => {}
                _ => return None,
            }
        }
    }
}

/// The route that matched a request, as its receiver names it (API Gateway's `routeKey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteKey(pub String);

/// A function behind API Gateway.
#[derive(Clone, Copy)]
pub struct HttpFunction {
    /// Package, binary and SAM `Binary` name.
    pub name: &'static str,
    pub routes: &'static [Route],
    pub render_error: ErrorRenderer,
}

impl HttpFunction {
    /// The route a request is for: the one its receiver named, else the first whose method and
    /// path template match (the path parameters are then set from the path).
    fn route_for(&self, req: &mut Request) -> Option<Route> {
        if let Some(RouteKey(key)) = req.extensions().get::<RouteKey>()
            && let Some(route) = self.routes.iter().find(|r| r.key() == *key)
        {
            return Some(*route);
        }
        let (route, params) = self
            .routes
            .iter()
            .find_map(|r| r.matches(req.method().as_str(), req.uri().path()).map(|params| (*r, params)))?;
        if req.extensions().get::<PathParams>().is_none() {
            req.extensions_mut().insert(PathParams(params));
        }
        Some(route)
    }

    /// Handles one request: runs its route's handler inside a span carrying the request id,
    /// logs the outcome, counts it ([`metrics::request`], and [`metrics::rejected`] for a 4xx)
    /// and renders errors. Lambda and the local stack both call this.
    pub async fn call(&self, app: Arc<App>, mut req: Request) -> Response {
        let started = Instant::now();
        let id = request_id(&req);
        req.extensions_mut().insert(id.clone());
        let span = tracing::info_span!("request", function = self.name, request_id = id.as_str());
        let method = req.method().clone();
        let route = self.route_for(&mut req);
        // The route's template, never the path itself: a path can be a capability (a signed
        // card link), and logs are not the place for one.
        let path = route.map_or("(no route)", |r| r.path);
        let key = route.map_or_else(|| "(no route)".to_owned(), |r| r.key());
        let handled = async move {
            let result = match route {
                Some(route) => (route.handler)(app, req).await,
                None => Err(ApiError::NotFound(format!("{method} is not a route of {}", self.name))),
            };
            let response = match result {
                Ok(response) => {
                    tracing::info!(%method, path, status = response.status().as_u16(), "handled");
                    response
                }
                Err(error) => {
                    let status = error.status();
                    if status.is_server_error() {
                        tracing::error!(%method, path, status = status.as_u16(), %error, "failed");
                    } else {
                        tracing::warn!(%method, path, status = status.as_u16(), code = error.code(), "rejected");
                        metrics::rejected(error.code());
                    }
                    (self.render_error)(&error, &id)
                }
            };
            metrics::request(&key, response.status().as_u16(), started.elapsed());
            response
        }
        .instrument(span);
        metrics::scoped(self.name, handled).await
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

pub type ScheduledFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A function started by a schedule (an EventBridge rule deployed, a timer locally).
#[derive(Clone, Copy)]
pub struct ScheduledFunction {
    /// Package, binary and SAM `Binary` name.
    pub name: &'static str,
    /// The EventBridge schedule expression template.yaml gives it (`rate(1 minute)`).
    pub schedule: &'static str,
    pub handler: fn(Arc<App>) -> ScheduledFuture,
}

impl ScheduledFunction {
    /// Runs once inside a span naming the function; an error is logged and returned, so Lambda
    /// counts the invocation as failed.
    pub async fn call(&self, app: Arc<App>) -> Result<(), String> {
        let span = tracing::info_span!("schedule", function = self.name);
        let run = async move {
            let result = (self.handler)(app).await;
            if let Err(error) = &result {
                tracing::error!(%error, "scheduled run failed");
            }
            result
        }
        .instrument(span);
        metrics::scoped(self.name, run).await
    }
}

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
        let batch = async move {
            let outcome = (self.handler)(app, records).await;
            if outcome.failed.is_empty() {
                tracing::info!("batch handled");
            } else {
                tracing::warn!(failed = outcome.failed.len(), "batch partly failed");
            }
            outcome
        }
        .instrument(span);
        metrics::scoped(self.name, batch).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_app: Arc<App>, _req: Request) -> HandlerFuture {
        Box::pin(async { Err(ApiError::NotFound("x".into())) })
    }

    #[test]
    fn templates_match_segments_and_name_parameters() {
        let route = Route::get("/uis/contacts/{contact_id}/calls", nothing);
        let params = route.matches("GET", "/uis/contacts/c123/calls").expect("matches");
        assert_eq!(params["contact_id"], "c123");
        assert!(route.matches("POST", "/uis/contacts/c123/calls").is_none());
        assert!(route.matches("GET", "/uis/contacts//calls").is_none());
        assert!(route.matches("GET", "/uis/contacts/c123").is_none());
        let any = Route::any("/wde/{method}", nothing);
        assert_eq!(any.matches("OPTIONS", "/wde/registerInteraction").expect("any")["method"], "registerInteraction");
        assert_eq!(any.key(), "ANY /wde/{method}");
    }
}
