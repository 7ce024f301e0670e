//! The helpdesk's view of UIS calls, authenticated by the channel's API key (`X-API-KEY`):
//!
//! - `GET /uis/contacts?phone=<number>`: the contact with this number (any notation).
//! - `GET /uis/contacts/{contact_id}/calls?limit=&cursor=`: the contact's calls, newest first;
//!   `next_cursor` fetches the next page.
//! - `GET /uis/calls/{call_session_id}?limit=&cursor=`: one call with its ticket, recordings and
//!   a page of its notifications; `next_cursor` fetches the next page.
//! - `GET /recordings/{id}`: a short-lived presigned link to play a recording copied into S3.
//!
//! A key only ever sees its own channel's data.

use ccbridge::http::{Request, Response, header_str, json_error, json_response, path_param, query_pairs};
use ccbridge::recordings::playback;
use ccbridge::uis::{API_KEY_HEADER, channel_by_api_key, history};
use ccbridge::{ApiError, App, HttpFunction, Route};
use http::StatusCode;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "uis-history",
    routes: &[
        Route::get("/uis/contacts", |app, req| Box::pin(async move { contact(&app, &req).await })),
        Route::get("/uis/contacts/{contact_id}/calls", |app, req| {
            Box::pin(async move { contact_calls(&app, &req).await })
        }),
        Route::get("/uis/calls/{call_session_id}", |app, req| Box::pin(async move { call(&app, &req).await })),
        Route::get("/recordings/{id}", |app, req| Box::pin(async move { recording(&app, &req).await })),
    ],
    render_error: json_error,
};

fn query(req: &Request, name: &str) -> Option<String> {
    query_pairs(req).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

async fn contact(app: &App, req: &Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(req, API_KEY_HEADER))?;
    let phone = query(req, "phone").ok_or_else(|| ApiError::bad_request("missing_query", "query.phone is missing"))?;
    Ok(json_response(StatusCode::OK, &history::contact_by_phone(&app.store, channel, &phone).await?))
}

async fn contact_calls(app: &App, req: &Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(req, API_KEY_HEADER))?;
    let (limit, cursor) = (query(req, "limit"), query(req, "cursor"));
    let page = history::contact_calls(
        &app.store,
        channel,
        path_param(req, "contact_id")?,
        limit.as_deref(),
        cursor.as_deref(),
    )
    .await?;
    Ok(json_response(StatusCode::OK, &page))
}

async fn call(app: &App, req: &Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(req, API_KEY_HEADER))?;
    let (limit, cursor) = (query(req, "limit"), query(req, "cursor"));
    let detail =
        history::call(&app.store, channel, path_param(req, "call_session_id")?, limit.as_deref(), cursor.as_deref())
            .await?;
    Ok(json_response(StatusCode::OK, &detail))
}

async fn recording(app: &App, req: &Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(req, API_KEY_HEADER))?;
    let link = playback::link(app, &channel.id, path_param(req, "id")?).await?;
    Ok(json_response(StatusCode::OK, &link))
}
