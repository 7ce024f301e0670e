//! `POST /genesys/messaging/webhook`: Genesys Cloud posts an agent's reply, typing, or a receipt
//! for one of the user's messages; the flow is [`ccbridge::chat::inbound`].

use ccbridge::chat::inbound;
use ccbridge::http::json_error;
use ccbridge::{HttpFunction, Route};

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "genesys-messaging-inbound",
    routes: &[Route::post("/genesys/messaging/webhook", |app, req| {
        Box::pin(async move { inbound::receive(&app, &req).await })
    })],
    render_error: json_error,
};
