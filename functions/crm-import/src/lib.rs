//! A tenant's customers and companies loaded from its own CRM, with the `X-API-KEY` of any of
//! its UIS or WDE channels ([`ccbridge::crm::access`]):
//!
//! - `POST /crm/companies` `{"companies": [{"external_id", "name", "tax_id", "token"?, …}]}`;
//! - `POST /crm/contacts` `{"contacts": [{"external_id", "email"?, "phone"?, "messenger_id"?, …}]}`;
//!
//! 1 to 500 records a request, a result each in the order sent (`created`, `updated`,
//! `unchanged`, or the record's error) and the counts. Sending the same records again changes
//! nothing; the rules are [`ccbridge::crm::import`].

use ccbridge::crm::{access, import};
use ccbridge::http::{Request, Response, body, header_str, json_error, json_response};
use ccbridge::{ApiError, App, HttpFunction, Route};
use http::StatusCode;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "crm-import",
    routes: &[
        Route::post("/crm/contacts", |app, req| Box::pin(async move { contacts(&app, &req).await })),
        Route::post("/crm/companies", |app, req| Box::pin(async move { companies(&app, &req).await })),
    ],
    render_error: json_error,
};

async fn contacts(app: &App, req: &Request) -> Result<Response, ApiError> {
    let caller = access::caller(&app.config, header_str(req, access::API_KEY_HEADER))?;
    let body = body(req, app.config.service.max_body_bytes)?;
    let report = import::receive_contacts(&app.config, &app.store, caller, body, app.clock.now()).await?;
    Ok(json_response(StatusCode::OK, &report))
}

async fn companies(app: &App, req: &Request) -> Result<Response, ApiError> {
    let caller = access::caller(&app.config, header_str(req, access::API_KEY_HEADER))?;
    let body = body(req, app.config.service.max_body_bytes)?;
    let report = import::receive_companies(&app.config, &app.store, caller, body).await?;
    Ok(json_response(StatusCode::OK, &report))
}
