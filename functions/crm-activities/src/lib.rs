//! The CRM API, with the `X-API-KEY` of any UIS or WDE channel, acting for that channel's
//! tenant ([`ccbridge::crm::access`]):
//!
//! - `GET /activities/{id}`: an activity with its notes, wrap-up and cases;
//! - `POST /activities/{id}/notes` `{"author", "text"}`: appends a note (201);
//! - `PUT /activities/{id}/wrapup` `{"code", "text"?, "by"}`: a code of the channel's list;
//! - `GET /crm/contacts/{contact_id}/timeline?limit=`: the newest activities and cases;
//! - `GET /cases?status=&limit=&cursor=`: cases in a status, oldest first;
//! - `POST /cases` `{"activity_id", "subject", "by", "request_id"}`: opens a case (201; 200
//!   when `request_id` opened it before);
//! - `GET /cases/{id}` and `PUT /cases/{id}/status` `{"status", "by"}`.

use ccbridge::crm::access::{API_KEY_HEADER, Caller, caller};
use ccbridge::crm::api::{self, NoteRequest, OpenCase, StatusChange, WrapupRequest};
use ccbridge::http::{
    Request, Response, body, header_str, json_error, json_response, parse_json, path_param, query_pairs,
};
use ccbridge::store::Written;
use ccbridge::{ApiError, App, HttpFunction, Route};
use http::StatusCode;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "crm-activities",
    routes: &[
        Route::get("/activities/{id}", |app, req| Box::pin(async move { activity(&app, &req).await })),
        Route::post("/activities/{id}/notes", |app, req| Box::pin(async move { add_note(&app, &req).await })),
        Route::put("/activities/{id}/wrapup", |app, req| Box::pin(async move { set_wrapup(&app, &req).await })),
        Route::get("/crm/contacts/{contact_id}/timeline", |app, req| {
            Box::pin(async move { timeline(&app, &req).await })
        }),
        Route::get("/cases", |app, req| Box::pin(async move { cases(&app, &req).await })),
        Route::post("/cases", |app, req| Box::pin(async move { open_case(&app, &req).await })),
        Route::get("/cases/{id}", |app, req| Box::pin(async move { case(&app, &req).await })),
        Route::put("/cases/{id}/status", |app, req| Box::pin(async move { set_status(&app, &req).await })),
    ],
    render_error: json_error,
};

fn who<'a>(app: &'a App, req: &Request) -> Result<Caller<'a>, ApiError> {
    caller(&app.config, header_str(req, API_KEY_HEADER))
}

fn query(req: &Request, name: &str) -> Option<String> {
    query_pairs(req).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn created_or_ok(written: Written) -> StatusCode {
    if written == Written::Created { StatusCode::CREATED } else { StatusCode::OK }
}

async fn activity(app: &App, req: &Request) -> Result<Response, ApiError> {
    let view = api::activity(&app.store, who(app, req)?, path_param(req, "id")?).await?;
    Ok(json_response(StatusCode::OK, &view))
}

async fn add_note(app: &App, req: &Request) -> Result<Response, ApiError> {
    let caller = who(app, req)?;
    let note: NoteRequest = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let note = api::add_note(&app.store, caller, path_param(req, "id")?, &note, ccbridge::clock::now()).await?;
    Ok(json_response(StatusCode::CREATED, &note))
}

async fn set_wrapup(app: &App, req: &Request) -> Result<Response, ApiError> {
    let caller = who(app, req)?;
    let wrapup: WrapupRequest = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let id = path_param(req, "id")?;
    let (_, wrapup) = api::set_wrapup(&app.store, &app.config, caller, id, &wrapup, ccbridge::clock::now()).await?;
    Ok(json_response(StatusCode::OK, &wrapup))
}

async fn timeline(app: &App, req: &Request) -> Result<Response, ApiError> {
    let caller = who(app, req)?;
    let limit = query(req, "limit");
    let timeline = api::timeline(&app.store, caller, path_param(req, "contact_id")?, limit.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &timeline))
}

async fn cases(app: &App, req: &Request) -> Result<Response, ApiError> {
    let caller = who(app, req)?;
    let (status, limit, cursor) = (query(req, "status"), query(req, "limit"), query(req, "cursor"));
    let page = api::cases(&app.store, caller, status.as_deref(), limit.as_deref(), cursor.as_deref()).await?;
    Ok(json_response(StatusCode::OK, &page))
}

async fn open_case(app: &App, req: &Request) -> Result<Response, ApiError> {
    let caller = who(app, req)?;
    let open: OpenCase = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let (written, case) = api::open_case(&app.store, caller, &open, ccbridge::clock::now()).await?;
    Ok(json_response(created_or_ok(written), &case))
}

async fn case(app: &App, req: &Request) -> Result<Response, ApiError> {
    let case = api::case(&app.store, who(app, req)?, path_param(req, "id")?).await?;
    Ok(json_response(StatusCode::OK, &case))
}

async fn set_status(app: &App, req: &Request) -> Result<Response, ApiError> {
    let caller = who(app, req)?;
    let change: StatusChange = parse_json(body(req, app.config.service.max_body_bytes)?)?;
    let (_, case) =
        api::set_case_status(&app.store, caller, path_param(req, "id")?, &change, ccbridge::clock::now()).await?;
    Ok(json_response(StatusCode::OK, &case))
}
