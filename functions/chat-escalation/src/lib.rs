//! The chatbot's API for live chat with Genesys Cloud agents: start a session, post the user's
//! messages, read the transcript. The flows are [`ccbridge::chat::api`].

use ccbridge::chat::api;
use ccbridge::http::json_error;
use ccbridge::{HttpFunction, Route};

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "chat-escalation",
    routes: &[
        Route::post("/chat/sessions", |app, req| Box::pin(async move { api::start(&app, &req).await })),
        Route::post("/chat/sessions/{id}/messages", |app, req| {
            Box::pin(async move { api::post_message(&app, &req).await })
        }),
        Route::get("/chat/sessions/{id}/messages", |app, req| {
            Box::pin(async move { api::read_messages(&app, &req).await })
        }),
    ],
    render_error: json_error,
};
