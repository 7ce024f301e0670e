//! `GET /card/{token}`: the card WDE opens when an interaction starts. The token is the
//! signed, expiring link the webservice returned; a tampered or expired one gets 403. The page
//! and its read model are [`ccbridge::wde::screen_pop`]. `POST /card/{token}/calls`: the
//! card's button that has a UIS channel call the customer, the agent's phone first.
//! `POST /card/{token}/contacts` and `POST /card/{token}/link`: where no contact matched, the
//! card's forms that create the customer's contact or link an existing contact or company.
//! `POST /card/{token}/notes`, `/wrapup` and `/cases`: the agent's note, wrap-up and case for
//! the interaction's activity.

use std::sync::Arc;

use ccbridge::http::{Request, Response, path_param};
use ccbridge::wde::screen_pop;
use ccbridge::{ApiError, App, HttpFunction, Route};

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "screen-pop",
    routes: &[
        Route::get("/card/{token}", |app, req| Box::pin(handle(app, req))),
        Route::post("/card/{token}/calls", |app, req| Box::pin(call(app, req))),
        Route::post("/card/{token}/contacts", |app, req| Box::pin(create_contact(app, req))),
        Route::post("/card/{token}/link", |app, req| Box::pin(link(app, req))),
        Route::post("/card/{token}/notes", |app, req| Box::pin(add_note(app, req))),
        Route::post("/card/{token}/wrapup", |app, req| Box::pin(set_wrapup(app, req))),
        Route::post("/card/{token}/cases", |app, req| Box::pin(open_case(app, req))),
    ],
    render_error: screen_pop::render_error,
};

async fn handle(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    screen_pop::page(&app, path_param(&req, "token")?).await
}

async fn call(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    screen_pop::place_call(&app, &req, path_param(&req, "token")?).await
}

async fn create_contact(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    screen_pop::create_contact(&app, &req, path_param(&req, "token")?).await
}

async fn link(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    screen_pop::link_customer(&app, &req, path_param(&req, "token")?).await
}

async fn add_note(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    screen_pop::add_note(&app, &req, path_param(&req, "token")?).await
}

async fn set_wrapup(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    screen_pop::set_wrapup(&app, &req, path_param(&req, "token")?).await
}

async fn open_case(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    screen_pop::open_case(&app, &req, path_param(&req, "token")?).await
}
