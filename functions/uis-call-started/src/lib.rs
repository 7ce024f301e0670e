//! `POST /uis/webhook/incoming_call_started`, `/uis/webhook/outgoing_call_started` and
//! `/uis/webhook/conversation_started`: UIS says a call is ringing or its conversation began.
//!
//! The call record is created or merged, the caller is found or created as a contact and the
//! call's ticket is opened; see [`ccbridge::uis::webhook`] for the steps and their cost.

use std::sync::Arc;

use ccbridge::error::json_error;
use ccbridge::http::{Request, Response};
use ccbridge::uis::notification::EventKind;
use ccbridge::uis::webhook;
use ccbridge::{ApiError, App, HttpFunction, Route};

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "uis-call-started",
    routes: &[
        Route::post("/uis/webhook/incoming_call_started"),
        Route::post("/uis/webhook/outgoing_call_started"),
        Route::post("/uis/webhook/conversation_started"),
    ],
    handler: |app, req| Box::pin(handle(app, req)),
    render_error: json_error,
};

/// The event is named by the route's last segment.
async fn handle(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    let kind = EventKind::from_path(req.uri().path())
        .filter(|k| *k != EventKind::CallFinished)
        .ok_or_else(|| ApiError::NotFound(format!("{} is not a call-started notification", req.uri().path())))?;
    webhook::receive(&app, &req, kind).await
}
