//! `POST /uis/calls` with the UIS channel's API key (`X-API-KEY`): the helpdesk places a call
//! through the UIS Call API, the employee's phone ringing first. The flow, its double-click
//! lease and its errors are [`ccbridge::uis::click_to_call`].

use ccbridge::http::{Request, Response, body, header_str, json_error, json_response, parse_json};
use ccbridge::uis::click_to_call::{self, CallRequest};
use ccbridge::uis::{API_KEY_HEADER, channel_by_api_key};
use ccbridge::{ApiError, App, HttpFunction, Route};
use http::StatusCode;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "uis-click-to-call",
    routes: &[Route::post("/uis/calls", |app, req| Box::pin(async move { place(&app, &req).await }))],
    render_error: json_error,
};

async fn place(app: &App, req: &Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(req, API_KEY_HEADER))?;
    let request: CallRequest = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let placed = click_to_call::place(app, channel, &request).await?;
    let status = if placed.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(json_response(status, &placed.view()))
}
