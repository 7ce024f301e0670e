//! `POST /uis/webhook/call_finished`: UIS says a call ended.
//!
//! The call record gets its outcome (durations, finish reason, lost flag, transfers, tags,
//! operators), the ticket is closed or marked for a callback when an incoming call was lost,
//! and each recording link on an allowed host becomes a pending recording job; see
//! [`ccbridge::uis::webhook`] for the steps and their cost.

use ccbridge::http::json_error;
use ccbridge::uis::notification::EventKind;
use ccbridge::uis::webhook;
use ccbridge::{HttpFunction, Route};

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "uis-call-finished",
    routes: &[Route::post("/uis/webhook/call_finished", |app, req| {
        Box::pin(async move { webhook::receive(&app, &req, EventKind::CallFinished).await })
    })],
    render_error: json_error,
};
