//! `POST /uis/webhook/incoming_call_started`, `/uis/webhook/outgoing_call_started` and
//! `/uis/webhook/conversation_started`: UIS says a call is ringing or its conversation began.
//!
//! The call record is created or merged, the caller is found or created as a contact and the
//! call's ticket is opened; see [`ccbridge::uis::webhook`] for the steps and their cost.

use ccbridge::http::json_error;
use ccbridge::uis::notification::EventKind;
use ccbridge::uis::webhook;
use ccbridge::{HttpFunction, Route};

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "uis-call-started",
    routes: &[
        Route::post("/uis/webhook/incoming_call_started", |app, req| {
            Box::pin(async move { webhook::receive(&app, &req, EventKind::IncomingCallStarted).await })
        }),
        Route::post("/uis/webhook/outgoing_call_started", |app, req| {
            Box::pin(async move { webhook::receive(&app, &req, EventKind::OutgoingCallStarted).await })
        }),
        Route::post("/uis/webhook/conversation_started", |app, req| {
            Box::pin(async move { webhook::receive(&app, &req, EventKind::ConversationStarted).await })
        }),
    ],
    render_error: json_error,
};
