//! `POST /agents/states` with an `agent_states` channel's key (`X-API-KEY`): a platform pushes
//! its agents' states; each real change reaches Genesys Cloud EX as a presence and a routing
//! status event. The rules (what is refused, the order states apply in, what opens a job) are
//! [`ccbridge::ex::agent_state`].

use ccbridge::ex::agent_state::{self, API_KEY_HEADER, channel_by_api_key};
use ccbridge::http::{Request, Response, body, header_str, json_error, json_response};
use ccbridge::{ApiError, App, HttpFunction, Route};
use http::StatusCode;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "agent-states",
    routes: &[Route::post("/agents/states", |app, req| Box::pin(async move { push(&app, &req).await }))],
    render_error: json_error,
};

async fn push(app: &App, req: &Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(req, API_KEY_HEADER))?;
    let answer = agent_state::receive(app, channel, body(req, app.config.service.max_body_bytes)?).await?;
    Ok(json_response(StatusCode::OK, &answer))
}
