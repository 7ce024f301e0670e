//! An HTTP function as the Lambda bootstrap, the local router and the tests all see it: its
//! routes (the same as template.yaml's), its handler and how it renders errors.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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
