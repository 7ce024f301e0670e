//! The callback work list, with the UIS channel's API key (`X-API-KEY`):
//!
//! - `GET /uis/callbacks?limit=&cursor=`: missed incoming calls still to call back, oldest
//!   first, with the contact and the number of attempts;
//! - `POST /uis/callbacks/{ticket_id}/done` `{"operator"}`: one done;
//! - `POST /uis/callbacks/done` `{"operator", "ticket_ids": [...]}`: many, a result each.
//!
//! An answered call with the same contact closes its callbacks by itself
//! ([`ccbridge::uis::callback`]).

use ccbridge::http::{
    Request, Response, body, header_str, json_error, json_response, parse_json, path_param, query_pairs,
};
use ccbridge::uis::callback::{self, DoneRequest};
use ccbridge::uis::{API_KEY_HEADER, channel_by_api_key};
use ccbridge::{ApiError, App, HttpFunction, Route};
use http::StatusCode;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "uis-callbacks",
    routes: &[
        Route::get("/uis/callbacks", |app, req| Box::pin(async move { list(&app, &req).await })),
        Route::post("/uis/callbacks/done", |app, req| Box::pin(async move { done_many(&app, &req).await })),
        Route::post("/uis/callbacks/{ticket_id}/done", |app, req| Box::pin(async move { done_one(&app, &req).await })),
    ],
    render_error: json_error,
};

fn query(req: &Request, name: &str) -> Option<String> {
    query_pairs(req).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

async fn list(app: &App, req: &Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(req, API_KEY_HEADER))?;
    let (limit, cursor) = (query(req, "limit"), query(req, "cursor"));
    let page = callback::list(&app.store, &channel.id, limit.as_deref(), cursor.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &page))
}

async fn done_one(app: &App, req: &Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(req, API_KEY_HEADER))?;
    let request: DoneRequest = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let done = callback::done_one(&app.store, &channel.id, path_param(req, "ticket_id")?, &request).await?;
    Ok(json_response(StatusCode::OK, &done))
}

async fn done_many(app: &App, req: &Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(req, API_KEY_HEADER))?;
    let request: DoneRequest = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    Ok(json_response(StatusCode::OK, &callback::done_many(&app.store, &channel.id, &request).await?))
}
